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

    # Stable ordering for ties: trust order, then newest, then lowest source record id.
    def tie_break(c: Candidate):
        return (_trust_rank(rule, c.system), _invert(_newest_first(c)), c.source_record_id)

    if len(present) == 1:
        winner = present[0]
    elif rule.kind == "recent":
        winner = min(present, key=lambda c: (_invert(_newest_first(c)), _trust_rank(rule, c.system),
                                             c.source_record_id))
    elif rule.kind == "complete":
        winner = min(present, key=lambda c: (-c.completeness, *tie_break(c)))
    elif rule.kind == "frequent":
        counts = Counter(json.dumps(c.value, sort_keys=True, default=str) for c in present)
        winner = min(present, key=lambda c: (-counts[json.dumps(c.value, sort_keys=True, default=str)],
                                             *tie_break(c)))
    else:
        winner = min(present, key=tie_break)
    return Decision(winner.value, rule.kind, winner.system, winner.source_record_id, winner.source_updated_at)


@lru_cache(maxsize=1 << 16)  # one contributor's timestamp, for each of a record's attributes
def _invert(timestamp: str) -> tuple[int, ...]:
    """Sort key that puts later ISO timestamps first."""
    return tuple(-ord(ch) for ch in timestamp)
