"""The seam between the ingestion pipeline and whatever decides "same thing".

The pipeline hands a matcher standardized, validated records of one domain and gets back, for
each, the golden record to link to, or a group key saying which new records of the batch are one
new golden record, plus review candidates for stewards. settings.CONCORD_MATCHER names the class.
`HubMatcher` (matching.matcher) is the default; `ExactKeyMatcher` here is the simple one:
equality on normalized keys, with no model.

A matcher is made for a batch with that batch's configuration (mdm.configuration), whose
`matcher` part is what the matcher class's `batch_configuration(domain)` read when the batch
began (its model): `current_matcher(configuration)`. Made without one, it reads as it goes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MatchInput:
    ref: int  # position in the batch, echoed back
    system: str
    source_id: str
    attributes: dict[str, Any]  # standardized canonical values; references already resolved to golden ids
    object_type: str = ""
    # The matcher's own `prepare(domain, values)` result for this record, made before references
    # were resolved (possibly in another process); None when there is none.
    prepared: Any = None

    @property
    def source_key(self) -> str:
        """How steward decisions name a source record: system:object_type:source_id."""
        return f"{self.system}:{self.object_type}:{self.source_id}"


@dataclass
class ReviewCandidate:
    golden_id: str
    score: float
    contributions: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)  # per field: {"level", "weight"}


@dataclass
class MatchOutcome:
    ref: int
    golden_id: str | None = None  # link to this existing golden record
    group: str | None = None  # new records sharing a group become one new golden record
    score: float = 0.0
    rule: str = ""  # which rule or model decided, for the cross-reference
    review: list[ReviewCandidate] = field(default_factory=list)
    system: str = ""  # the incoming record's system, echoed back
    # Why it links where it does: per field, the agreement level reached and its weight (log2
    # Bayes factor), the model's view also where a steward's decision or the record's own golden
    # record decided; empty for matchers that do not score.
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)


class Matcher(Protocol):
    """Besides these, a matcher may offer `prepare(domain, values) -> picklable`: what it can work
    out from a record's own standardized values with no database (standard forms, keys). The
    pipeline calls it ahead of time and hands the result back in MatchInput.prepared. It may offer
    `matches_within_a_system(domain) -> bool`: False where it never links two records of one
    system (taken as True when absent); `load_finished(domain, acting_user=) -> str`, called when
    a load (a file, a sync run) is over, to settle it (what it did, to report); and
    `golden_merged(domain, survivor_id, acting_user=)`, called after two golden records became one;
    and, as a class or static method, `batch_configuration(domain) -> Any`: what it reads once per
    ingestion batch before the batch writes (kept in BatchConfiguration.matcher)."""

    configuration: Any  # the batch's BatchConfiguration, or None outside a batch

    def match(self, domain: str, records: list[MatchInput]) -> list[MatchOutcome]: ...

    def golden_changed(self, domain: str, golden_ids: list[str], created: Collection[str] = (),
                       records: Collection[Any] | None = None) -> None:
        """Called after golden records were created or changed, inside the same transaction;
        `created` are those of `golden_ids` that are new; `records` the saved instances, when the
        caller holds them."""


_LEGAL_SUFFIXES = re.compile(
    r"\b(inc|incorporated|corp|corporation|llc|ltd|limited|plc|gmbh|ag|sa|sas|sarl|bv|nv|pty|pvt|co|company)\b"
)


def normalized_name(value: str) -> str:
    """Case, accents, punctuation and legal suffixes folded: "ACME, Inc." -> "acme"."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text.replace(".", ""))
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())


def match_keys(domain: str, attributes: dict[str, Any]) -> list[str]:
    """Keys under which two records of a domain are taken as the same, strongest first."""
    keys = []
    if domain == "customer":
        if attributes.get("tax_id") and attributes.get("country"):
            keys.append(f"tax:{attributes['country']}:{attributes['tax_id']}")
        if attributes.get("name"):
            keys.append(f"name:{attributes.get('country') or ''}:{normalized_name(attributes['name'])}")
    elif domain == "contract" and attributes.get("number"):
        keys.append(f"number:{str(attributes['number']).strip().upper()}")
    elif domain == "project":
        if attributes.get("code"):
            keys.append(f"code:{str(attributes['code']).strip().upper()}")
        elif attributes.get("name"):
            keys.append(f"name:{attributes.get('customer') or ''}:{normalized_name(attributes['name'])}")
    elif domain == "resource":
        # The work email names one person in every system; the employee number where both keep it.
        if attributes.get("email"):
            keys.append(f"email:{str(attributes['email']).strip().lower()}")
        if attributes.get("employee_number"):
            keys.append(f"employee:{str(attributes['employee_number']).strip().upper()}")
    return keys


class ExactKeyMatcher:
    """Links a record to the golden record sharing one of its normalized keys."""

    def __init__(self, configuration: Any = None) -> None:
        self.configuration = configuration

    def match(self, domain: str, records: list[MatchInput]) -> list[MatchOutcome]:
        from mdm.models import golden_model

        model = golden_model(domain)
        keys_by_ref = {record.ref: match_keys(domain, record.attributes) for record in records}
        wanted = {key for keys in keys_by_ref.values() for key in keys}
        known: dict[str, str] = {}
        if wanted:
            for chunk in _chunks(sorted(wanted), 500):
                # Status is checked here, not in SQL: a status condition can lure the planner off the key index.
                rows = model.objects.filter(match_key__in=chunk).values_list("match_key", "id", "record_status")
                known.update((key, golden_id) for key, golden_id, status in rows if status == "active")
                rows = model.objects.filter(alt_match_key__in=chunk).values_list("alt_match_key", "id", "record_status")
                for key, golden_id, status in rows:
                    if status == "active":
                        known.setdefault(key, golden_id)
        outcomes = []
        batch_groups: dict[str, str] = {}
        for record in records:
            keys = keys_by_ref[record.ref]
            outcome = MatchOutcome(ref=record.ref)
            hit = next((key for key in keys if key in known), None)
            if hit:
                outcome.golden_id, outcome.score, outcome.rule = known[hit], 1.0, f"exact {hit.split(':')[0]}"
            elif keys:
                group = next((batch_groups[key] for key in keys if key in batch_groups), keys[0])
                for key in keys:
                    batch_groups.setdefault(key, group)
                outcome.group, outcome.rule = group, "new"
            outcomes.append(outcome)
        return outcomes

    def golden_changed(self, domain: str, golden_ids: list[str], created: Collection[str] = (),
                       records: Collection[Any] | None = None) -> None:
        """Keep this matcher's keys on the golden rows (match_key, alt_match_key). Only this matcher
        pays for them: the hub matcher keeps its own blocking index."""
        from mdm.models import golden_model
        from mdm.services.golden import golden_values

        model = golden_model(domain)
        records = []
        for chunk in _chunks(list(dict.fromkeys(golden_ids)), 500):
            for record in model.objects.filter(pk__in=chunk):
                keys = match_keys(domain, golden_values(record))
                record.match_key = keys[0] if keys else ""
                record.alt_match_key = keys[1] if len(keys) > 1 else ""
                records.append(record)
        model.objects.bulk_update(records, ["match_key", "alt_match_key"], batch_size=500)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@lru_cache(maxsize=4)
def _matcher_class(path: str):
    return import_string(path)


def matcher_class() -> type[Matcher]:
    """The class settings.CONCORD_MATCHER names."""
    return _matcher_class(settings.CONCORD_MATCHER)


def current_matcher(configuration: Any = None) -> Matcher:
    """The matcher, for a batch applying `configuration` (mdm.configuration) or for one call."""
    return matcher_class()(configuration)
