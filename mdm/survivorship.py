"""Survivorship: which source's value becomes the golden value of each attribute. Pure.

Rules are data (see config/policy.toml): per domain and attribute one of
- `trust`    — the first system in the trust order that has a value;
- `recent`   — the value with the newest business timestamp of its source (not our receipt time);
- `complete` — the value from the source record that fills most attributes;
- `frequent` — the value most sources agree on.
Ties fall through to trust order, then recency, so the answer never depends on arrival order.
A steward override beats every rule while it lives (pinned, until the sources change, until a date).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from mdm.lineage import lineage_pack, lineage_pack_one_source, lineage_repack, lineage_unpack

RULES = ("trust", "recent", "complete", "frequent")
OVERRIDE_PINNED, OVERRIDE_UNTIL_SOURCE_CHANGE, OVERRIDE_UNTIL_DATE = "pinned", "until_source_change", "until_date"
_EPOCH = datetime(1970, 1, 1).isoformat()


@dataclass(frozen=True)
class Candidate:
    """One source record's value for one attribute."""

    value: Any
    system: str
    source_record_id: int
    source_updated_at: str | None  # ISO timestamp of the source's own modification time
    completeness: int = 0  # how many attributes that source record fills


@dataclass(frozen=True)
class Rule:
    kind: str = "trust"
    trust_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    value: Any
    mode: str = OVERRIDE_PINNED
    until: datetime | None = None
    source_fingerprint: str = ""  # fingerprint of the candidates when the override was made
    override_id: int | None = None


@dataclass(frozen=True)
class Decision:
    value: Any
    rule: str
    system: str | None = None
    source_record_id: int | None = None
    source_updated_at: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def fingerprint(candidates: list[Candidate]) -> str:
    """Identifies what the sources say for an attribute, to tell when they have changed."""
    material = sorted((c.system, c.source_record_id, json.dumps(c.value, sort_keys=True, default=str))
                      for c in candidates)
    return hashlib.sha1(json.dumps(material).encode()).hexdigest()[:16]


def override_alive(override: Override, candidates: list[Candidate], now: datetime) -> bool:
    if override.mode == OVERRIDE_UNTIL_DATE:
        return override.until is None or now < override.until
    if override.mode == OVERRIDE_UNTIL_SOURCE_CHANGE:
        return fingerprint(candidates) == override.source_fingerprint
    return True


def _trust_rank(rule: Rule, system: str) -> int:
    try:
        return rule.trust_order.index(system)
    except ValueError:
        return len(rule.trust_order)


def _newest_first(candidate: Candidate) -> str:
    return candidate.source_updated_at or _EPOCH


def decide(candidates: list[Candidate], rule: Rule, override: Override | None = None,
           now: datetime | None = None) -> Decision:
    """The golden value of one attribute from its candidates under `rule`."""
    if override is not None and override_alive(override, candidates, now or datetime.now()):
        return Decision(override.value, "steward override", details={"override_id": override.override_id,
                                                                      "mode": override.mode})
    present = [c for c in candidates if c.value not in (None, "")]
    if not present:
        return Decision(None, rule.kind)
    if len(present) == 1:
        winner = present[0]
    elif rule.kind == "frequent":
        winner = present[_most_frequent(present, [c.value for c in present], rule)]
    else:
        winner = min(present, key=_ranking(rule))
    return Decision(winner.value, rule.kind, winner.system, winner.source_record_id, winner.source_updated_at)


@dataclass(frozen=True)
class Contributor:
    """One source record as survivorship weighs it for all attributes at once."""

    values: dict[str, Any]
    system: str
    source_record_id: int
    source_updated_at: str | None
    completeness: int = 0


def decide_attributes(contributors: list[Contributor], rules: dict[str, Rule]) -> dict[str, int | None]:
    """For each attribute of `rules` (attribute -> its rule), the index of the contributor whose value
    survives, or None when none has one: what `decide` answers attribute by attribute when no
    override applies. A rule's order of the contributors does not depend on the attribute, so the
    contributors are ranked once per rule rather than once per attribute."""
    orders: dict[Rule, list[int]] = {}
    winners: dict[str, int | None] = {}
    for name, rule in rules.items():
        present = [i for i, c in enumerate(contributors) if c.values.get(name) not in (None, "")]
        if len(present) <= 1:
            winners[name] = present[0] if present else None
        elif rule.kind == "frequent":
            winners[name] = present[_most_frequent([contributors[i] for i in present],
                                                   [contributors[i].values[name] for i in present], rule)]
        else:
            order = orders.get(rule)
            if order is None:
                key = _ranking(rule)
                order = orders[rule] = sorted(range(len(contributors)), key=lambda i: key(contributors[i]))
            has_value = set(present)
            winners[name] = next(i for i in order if i in has_value)
    return winners


def _ranking(rule: Rule):
    """Sort key of a candidate (or contributor) under a `trust`, `recent` or `complete` rule: the
    first wins. Ties fall through to trust order, newest, lowest source record id, so keys are unique."""
    def tie_break(c):
        return (_trust_rank(rule, c.system), _invert(_newest_first(c)), c.source_record_id)

    if rule.kind == "recent":
        return lambda c: (_invert(_newest_first(c)), _trust_rank(rule, c.system), c.source_record_id)
    if rule.kind == "complete":
        return lambda c: (-c.completeness, *tie_break(c))
    return tie_break


def _most_frequent(present: list, values: list[Any], rule: Rule) -> int:
    """Which of `present` (each with its value in `values`) says what most of them say; ties by
    trust order, newest, lowest source record id."""
    said = [json.dumps(value, sort_keys=True, default=str) for value in values]
    counts = Counter(said)
    tie_break = _ranking(rule)  # a `frequent` rule ranks as `trust` does
    return min(range(len(present)), key=lambda i: (-counts[said[i]], *tie_break(present[i])))


@lru_cache(maxsize=1 << 16)  # one contributor's timestamp, for each of a record's attributes
def _invert(timestamp: str) -> tuple[int, ...]:
    """Sort key that puts later ISO timestamps first."""
    return tuple(-ord(ch) for ch in timestamp)


@dataclass(frozen=True)
class Source:
    """One contributor of a golden record as survivorship reads it: its values (references
    resolved to golden ids) and where they come from."""

    source_record_id: int
    system: str
    source_id: str
    values: dict[str, Any]
    source_updated_at: str | None
    completeness: int = 0


@dataclass(frozen=True)
class Survival:
    """What survivorship makes of a golden record: its values and packed lineage, and whether
    that lineage says what the stored one said."""

    values: dict[str, Any]
    lineage: dict[str, Any]
    lineage_same: bool


def survive(sources: list[Source], rules: dict[str, Rule], *, overrides: dict[str, Override | None],
            previous: dict[str, Any] | None, new: bool, now: datetime) -> Survival:
    """The one survivorship entry point: each attribute's golden value from `sources` under its
    rule (`rules`: attribute -> rule), a live steward override beating the rule, with lineage.

    `overrides`: the attributes a steward had overridden (None where it ended now); `previous`:
    the stored lineage (None for a new golden record). The cases that need no override are
    answered by the shorter ways below; all three agree on what they answer."""
    decided_at = now.isoformat()
    if new and len(sources) == 1 and not overrides:
        return _one_source(sources[0], rules, decided_at)
    if not overrides and (not previous or "attributes" in previous):
        return _by_rule(sources, rules, previous, decided_at)
    return _attribute_by_attribute(sources, rules, overrides, previous, now)


def _one_source(source: Source, rules: dict[str, Rule], decided_at: str) -> Survival:
    """A new golden record with one contributor and no override (most of an initial load): every
    rule picks that contributor's value, so the decisions are written down directly."""
    decided = {name: (rule.kind, None if source.values.get(name) in (None, "") else source.values[name])
               for name, rule in rules.items()}
    lineage = lineage_pack_one_source(decided, source.source_record_id,
                                      [source.system, source.source_id, source.source_updated_at], decided_at)
    return Survival({name: value for name, (_rule, value) in decided.items()}, lineage, False)


def _by_rule(sources: list[Source], rules: dict[str, Rule], previous: dict[str, Any] | None,
             decided_at: str) -> Survival:
    """Decided by rule alone (no override; lineage packed or none yet): each rule ranks the
    contributors once, and the stored lineage is compared packed."""
    contributors = [Contributor(s.values, s.system, s.source_record_id, s.source_updated_at, s.completeness)
                    for s in sources]
    values, decided = {}, {}
    for name, index in decide_attributes(contributors, rules).items():
        winner = None if index is None else contributors[index]
        values[name] = None if winner is None else winner.values[name]
        decided[name] = (rules[name].kind, None if winner is None else winner.source_record_id, values[name])
    provenance = {s.source_record_id: [s.system, s.source_id, s.source_updated_at] for s in sources}
    lineage, same = lineage_repack(decided, provenance, previous, decided_at)
    return Survival(values, lineage, same)


def candidates_of(sources: list[Source], attribute: str) -> list[Candidate]:
    """What each contributor says of one attribute."""
    return [Candidate(s.values.get(attribute), s.system, s.source_record_id, s.source_updated_at, s.completeness)
            for s in sources]


def _attribute_by_attribute(sources: list[Source], rules: dict[str, Rule], overrides: dict[str, Override | None],
                            previous: dict[str, Any] | None, now: datetime) -> Survival:
    """The general way: attribute by attribute with `decide`, lineage entries compared unpacked
    (an attribute whose decision is unchanged keeps its decision time)."""
    decided_at = now.isoformat()
    source_ids = {s.source_record_id: s.source_id for s in sources}
    before = lineage_unpack(previous)
    values, lineage = {}, {}
    for name, rule in rules.items():
        decision = decide(candidates_of(sources, name), rule, overrides.get(name), now)
        values[name] = decision.value
        entry = {"value": decision.value, "rule": decision.rule, "system": decision.system,
                 "source_record_id": decision.source_record_id,
                 "source_id": source_ids.get(decision.source_record_id),
                 "source_updated_at": decision.source_updated_at, **decision.details}
        was = before.get(name, {})
        same = {k: v for k, v in was.items() if k != "decided_at"} == entry
        entry["decided_at"] = was.get("decided_at") if same and was else decided_at
        lineage[name] = entry
    return Survival(values, lineage_pack(lineage, decided_at), lineage == before)
