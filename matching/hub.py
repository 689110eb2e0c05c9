"""The hub's matcher: the pure engine behind mdm's matcher seam (settings.CONCORD_MATCHER).

It keeps a persistent blocking index (BlockingKey rows per golden record), scores a batch's
candidate pairs in one vectorised call, honours stewards' remembered decisions, and turns doubtful
pairs into MatchCandidates for review. Incremental ingestion and a full re-match use the same
scoring, so they reach the same answer on the same data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache
from hashlib import blake2b
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from matching.engine import SCHEMAS, FellegiSunterModel, blocking_keys, standardize_fields, standardize_record
from matching.engine.comparisons import KINDS
from matching.engine.decisions import Candidate, Choice, choose
from matching.engine.scoring import score_arrays
from matching.models import BlockingKey, CandidateStatus, MatchCandidate, MatchDecision, MatchModel
from mdm.bulk import delete_rows, insert_rows
from mdm.matchers import MatchInput, MatchOutcome, ReviewCandidate
from mdm.models import CrossReference, GoldenRecord, golden_model
from mdm.planner_statistics import statistics_refresh
from mdm.read_ahead import read_once

# A key shared by more golden records than this tells little (a switchboard number, a generic city
# and first word): it is skipped rather than turned into hundreds of comparisons. The batch engine
# skips the same keys, so incremental and batch matching reach the same answer.
MAX_BLOCK_SIZE = SCHEMAS["customer"].max_block_size
# A system keeps its own contracts and projects unique (numbers, codes): two of them from one system
# are two things, however alike. Customers are different: CRM duplicates are the common case.
SYSTEM_UNIQUE_DOMAINS = {"contract", "project"}


def engine_record(domain: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Golden or source attributes in the engine's field names."""
    record = {"id": record_id}
    for name in SCHEMAS[domain].inputs:
        record[name] = attributes.get("customer" if name == "customer_id" else name)
    return record


def standardized_record(domain: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """engine_record, standardized once: keys and scores of a batch then reuse it."""
    return standardize_record(SCHEMAS[domain], engine_record(domain, record_id, attributes))


# Standard forms and blocking keys by a record's engine values. Ingestion works them out for each
# new source record to match it (maybe in a reading process), then indexes the golden record it
# created, whose values are most often the same, and meets that golden record again as a match
# candidate: those later times they are found here. Both are pure functions of the values, so a
# hit is always right; the memo is bounded and simply cleared when full.
_FORMS_MEMO: dict[tuple, tuple[dict[str, Any], list[str]]] = {}
_FORMS_MEMO_SIZE = 100_000
_FIELD_NAMES = {domain: schema.inputs for domain, schema in SCHEMAS.items()}


def _values_key(domain: str, record: dict[str, Any]) -> tuple:
    # Blank and missing standardize alike (golden records store "" where a source sent nothing).
    return (domain, *[None if value == "" else value for value in map(record.get, _FIELD_NAMES[domain])])


def _remember(memo_key: tuple, standardized: dict[str, Any], keys: list[str]) -> None:
    if len(_FORMS_MEMO) >= _FORMS_MEMO_SIZE:
        _FORMS_MEMO.clear()
    _FORMS_MEMO[memo_key] = (standardized, keys)


def values_hash(domain: str, raw: dict[str, Any]) -> int:
    """64 bits of BLAKE2b over a record's engine values (as _values_key sees them), signed: stored
    with the blocking keys made from them, it names the standard forms a candidate would have."""
    return int.from_bytes(blake2b(repr(_values_key(domain, raw)).encode(), digest_size=8).digest(), "big",
                          signed=True)


# Standard forms of golden records met as candidates, by values_hash. A load against a filled hub
# meets the same candidates page after page (~30 per record; a page of customers reads half the
# golden records of a firm-sized hub): the index tells each one's values hash, and a known hash
# needs neither the record's row nor standardizing. Pure like the memo above: a hit is always
# right, whichever process wrote the index; bounded, cleared when full.
_CANDIDATE_FORMS: dict[int, dict[str, Any]] = {}
_CANDIDATE_FORMS_SIZE = 200_000


def _candidate_forms(domain: str, hashes: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Standard forms of candidate golden records (id -> values hash from the index): from memory
    where the hash is known, the rest read (active records only) and remembered."""
    forms, unknown = {}, []
    for golden_id, hashed in hashes.items():
        known = _CANDIDATE_FORMS.get(hashed) if hashed else None
        if known is None:
            unknown.append(golden_id)
        else:
            forms[golden_id] = {**known, "id": golden_id}
    for golden_id, raw in (_golden_engine_records(domain, unknown) if unknown else {}).items():
        forms[golden_id] = standardized = forms_of(domain, raw)[0]
        if len(_CANDIDATE_FORMS) >= _CANDIDATE_FORMS_SIZE:
            _CANDIDATE_FORMS.clear()
        _CANDIDATE_FORMS[values_hash(domain, raw)] = standardized
    return forms


def forms_of(domain: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Standardized values (the id as given) and blocking keys of one record in engine field names."""
    memo_key = _values_key(domain, raw)
    found = _FORMS_MEMO.get(memo_key)
    if found is not None:
        return {**found[0], "id": raw.get("id")}, found[1]
    standardized, keys = _worked_out(domain, raw)
    _remember(memo_key, standardized, keys)
    return standardized, keys


def _worked_out(domain: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    standardized = standardize_record(SCHEMAS[domain], raw)
    return standardized, blocking_keys(domain, standardized, standardized=True)


def keys_of(domain: str, raw: dict[str, Any]) -> list[str]:
    """Blocking keys of one record given in engine field names (`raw`, before standardizing)."""
    return forms_of(domain, raw)[1]


def _columns(domain: str, records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Standardized records as the engine's column arrays."""
    schema = SCHEMAS[domain]
    names = [schema.id_field] + [f.name for f in schema.fields]
    columns = {}
    for name in names:
        column = np.empty(len(records), dtype=object)
        column[:] = [record.get(name) for record in records]
        columns[name] = column
    return columns


@lru_cache(maxsize=8)
def shipped_model(domain: str) -> FellegiSunterModel | None:
    """The model Concord ships for a domain (matching/default_models/), fitted on generated data."""
    path = Path(__file__).resolve().parent / "default_models" / f"{domain}.json"
    return FellegiSunterModel.from_dict(json.loads(path.read_text())) if path.exists() else None


@read_once
def domain_model(domain: str) -> FellegiSunterModel:
    """The model fitted on this hub's records; before any fit (or when the stored one no longer
    fits the schema), the one Concord ships; else untrained defaults."""
    row = MatchModel.objects.filter(domain=domain).first()
    model = FellegiSunterModel.from_dict(row.parameters) if row is not None else None
    if model is None or not model.fits(SCHEMAS[domain]):
        shipped = shipped_model(domain)
        return shipped if shipped is not None and shipped.fits(SCHEMAS[domain]) else \
            FellegiSunterModel.untrained(SCHEMAS[domain])
    model.upper, model.lower = row.upper_threshold, row.lower_threshold
    return model


def _golden_values(domain: str, golden_ids) -> dict[str, dict[str, Any]]:
    """Active golden records as standardized engine records."""
    return {golden_id: forms_of(domain, raw)[0] for golden_id, raw in _golden_engine_records(domain, golden_ids).items()}


def _golden_engine_records(domain: str, golden_ids) -> dict[str, dict[str, Any]]:
    """Active golden records in the engine's field names, not yet standardized."""
    model = golden_model(domain)
    rows = {}
    # Status is checked here, not in SQL: a status condition can lure the planner off the primary key.
    # Tuples, not dicts, and the engine record made in one step: a load matching against a filled
    # hub reads ~30 candidates per record. A set: Django walks a list's items one by one.
    for row in model.objects.filter(pk__any=set(golden_ids)).values_list(*_COLUMNS[domain], "record_status"):
        if row[-1] == "active":  # the status is last
            rows[row[0]] = _engine_row(domain, row[:-1])
    return rows


def _engine_row(domain: str, values) -> dict[str, Any]:
    """A golden record's _COLUMNS values, in that order, as an engine record (the engine's field
    names are the columns: `customer_id` holds the customer reference)."""
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in zip(_COLUMNS[domain], values, strict=True)}


# The golden record columns the engine reads: its fields, a customer reference by its column.
_COLUMNS = {domain: ["id", *schema.inputs] for domain, schema in SCHEMAS.items()}


@lru_cache(maxsize=1 << 16)  # a batch's keys are hashed to look them up, then again to index them
def key_hash(domain: str, key: str) -> int:
    """What the blocking index stores for a key: 64 bits of BLAKE2b over 'domain|key', signed."""
    return int.from_bytes(blake2b(f"{domain}|{key}".encode(), digest_size=8).digest(), "big", signed=True)


def _indexed(domain: str, keys: Collection[str]) -> list[tuple[str, str, int]]:
    """(key, golden id, values hash) rows of the blocking index for these keys."""
    by_hash = {key_hash(domain, key): key for key in keys}
    # One parameter (see mdm.lookups): a batch's ~16,000 keys in one index scan. A set, because
    # Django walks a list's items one by one to resolve expressions before the lookup sees it.
    rows = BlockingKey.objects.filter(key_hash__any=set(by_hash)).values_list("key_hash", "golden_id", "values_hash")
    return [(by_hash[hashed], golden_id, values) for hashed, golden_id, values in rows]


def _source_keys_of(golden_ids, among: set[str] | None = None) -> dict[str, set[str]]:
    """The source keys (system:object_type:source_id) each golden record holds: all of them, or
    only those `among` the given keys.

    A customer match needs only the latter — is a candidate the record itself (a re-match), or one
    a steward ruled on? — and reading them by source id is a handful of rows, where every
    contributor of every candidate (~30 per record in a load against a filled hub) cost a tenth
    of matching."""
    wanted = set(golden_ids)
    keys: dict[str, set[str]] = defaultdict(set)
    if among is None:
        query = CrossReference.objects.filter(golden_id__any=wanted)
    elif wanted and among:
        query = CrossReference.objects.filter(source_record__source_id__any={k.split(":", 2)[-1] for k in among})
    else:
        return keys
    rows = query.values_list("golden_id", "source_record__system__name", "source_record__object_type",
                             "source_record__source_id")
    for golden_id, system, object_type, source_id in rows:
        key = f"{system}:{object_type}:{source_id}"
        if golden_id in wanted and (among is None or key in among):
            keys[golden_id].add(key)
    return keys


def _remembered(source_keys: set[str]) -> dict[tuple[str, str], str]:
    """Steward verdicts touching any of these source keys: (key, key) both ways -> verdict."""
    verdicts: dict[tuple[str, str], str] = {}
    keys = list(source_keys)
    for a, b, verdict in (MatchDecision.objects.filter(key_a__any=keys).values_list("key_a", "key_b", "verdict")
                          .union(MatchDecision.objects.filter(key_b__any=keys)
                                 .values_list("key_a", "key_b", "verdict"))):
        verdicts[(a, b)] = verdicts[(b, a)] = verdict
    return verdicts


def _candidates_read(domain: str, keys: list[list[str]]) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """(key -> golden ids holding it, golden id -> standard forms) for a batch's blocking keys;
    keys held by more than MAX_BLOCK_SIZE golden records are skipped, as in batch."""
    golden_by_key: dict[str, list[str]] = defaultdict(list)
    hashes: dict[str, int] = {}
    for key, golden_id, hashed in _indexed(domain, {key for record_keys in keys for key in record_keys}):
        golden_by_key[key].append(golden_id)
        hashes[golden_id] = hashed
    golden_rows = _candidate_forms(domain, {g: hashes[g] for ids in golden_by_key.values()
                                            if len(ids) <= MAX_BLOCK_SIZE for g in ids})
    return golden_by_key, golden_rows


def _candidate_pairs(keys: list[list[str]], golden_by_key: dict[str, list[str]],
                     golden_rows: dict[str, dict[str, Any]]) -> list[tuple[int, tuple[str, Any]]]:
    """Each record against the golden records and the earlier batch records it shares a key
    with: (batch index, ("g", golden id) or ("b", index in batch))."""
    pairs: list[tuple[int, tuple[str, Any]]] = []
    earlier: dict[str, list[int]] = defaultdict(list)
    for i, record_keys in enumerate(keys):
        seen: set[tuple[str, Any]] = set()
        for key in record_keys:
            goldens = golden_by_key.get(key, [])
            if len(goldens) <= MAX_BLOCK_SIZE:
                seen.update(("g", g) for g in goldens if g in golden_rows)
            if len(earlier[key]) <= MAX_BLOCK_SIZE:
                seen.update(("b", j) for j in earlier[key])
            earlier[key].append(i)
        pairs.extend((i, target) for target in sorted(seen, key=str))
    return pairs


class _Scored:
    """A batch's candidate pairs scored in one vectorised call: the right side is the golden
    records, then the batch itself."""

    def __init__(self, domain, pairs, golden_order, scored, ri):
        self.domain, self.pairs, self.golden_order, self.scored, self.ri = domain, pairs, golden_order, scored, ri
        self.fields = [f.name for f in SCHEMAS[domain].compared]
        self.labels = [KINDS[f.kind].labels for f in SCHEMAS[domain].compared]

    @classmethod
    def of(cls, domain, model, left, golden_rows, pairs) -> _Scored:
        golden_order = list(golden_rows)
        golden_index = {g: k for k, g in enumerate(golden_order)}
        right_rows = [golden_rows[g] for g in golden_order] + left
        li = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
        ri = np.fromiter((golden_index[t] if kind == "g" else len(golden_order) + t for _, (kind, t) in pairs),
                         dtype=np.int64, count=len(pairs))
        scored = score_arrays(SCHEMAS[domain], model, _columns(domain, left), _columns(domain, right_rows), li, ri) \
            if pairs else None
        return cls(domain, pairs, golden_order, scored, ri)

    def deciding(self, records, verdicts, golden_keys, lower) -> dict[int, list]:
        """Per batch index, the (target, pair) worth deciding on: those scoring at least "review",
        and those a source key decides (a steward's verdict, a record meeting its own golden
        record). Against a filled hub the rest are most of the pairs, and are dropped in numpy."""
        by_record: dict[int, list] = defaultdict(list)
        if not self.pairs:
            return by_record
        relevant = {r.source_key for r in records} | {other for _, other in verdicts}
        keyed = np.fromiter((not golden_keys.get(g, set()).isdisjoint(relevant) for g in self.golden_order),
                            dtype=bool, count=len(self.golden_order))
        of_golden = self.ri < len(self.golden_order)
        decided_by_key = np.zeros(len(self.pairs), dtype=bool)
        decided_by_key[of_golden] = keyed[self.ri[of_golden]]
        decided_by_key[~of_golden] = bool(verdicts)  # a verdict between two records of the batch
        for k in np.flatnonzero((self.scored.probability >= lower) | decided_by_key).tolist():
            i, target = self.pairs[k]
            by_record[i].append((target, k))
        return by_record

    def candidate(self, k, target, record, records, verdicts, golden_keys) -> Candidate:
        kind, name = target
        target_keys = golden_keys.get(name, set()) if kind == "g" else {records[name].source_key}
        verdict = next((verdicts[(record.source_key, key)] for key in target_keys
                        if (record.source_key, key) in verdicts), None)
        return Candidate(target, float(self.scored.probability[k]), str(self.scored.rule[k]),
                         itself=record.source_key in target_keys, verdict=verdict,
                         same_system=any(key.startswith(f"{record.system}:") for key in target_keys),
                         evidence=self.evidence(k))

    def evidence(self, k) -> dict[str, dict[str, Any]]:
        """Per compared field: the agreement level reached and its weight (log2 Bayes factor)."""
        levels, weights = self.scored.levels[k], self.scored.contributions[k]
        return {name: {"level": "missing" if level < 0 else labels[level], "weight": round(float(weight), 3)}
                for name, labels, level, weight in zip(self.fields, self.labels, levels, weights, strict=True)}


def _planned(plan, record: MatchInput) -> MatchOutcome:
    golden_id, group = plan.target_of(record.source_key)
    return MatchOutcome(ref=record.ref, golden_id=golden_id, group=group if golden_id is None else None,
                        score=1.0, rule="planned in batch", system=record.system)


def _outcome(record: MatchInput, i: int, choice: Choice, resolved: dict) -> MatchOutcome:
    """The pipeline's MatchOutcome for a choice; records of the batch that match each other share
    a group (one new golden record)."""
    outcome = MatchOutcome(ref=record.ref)
    if choice.target is None:
        outcome.group, outcome.rule = f"new:{i}", "new"
        outcome.review = [ReviewCandidate(c.target[1], round(c.probability, 4),
                                          {name: e["weight"] for name, e in c.evidence.items()}, c.evidence)
                          for c in choice.review if c.target[0] == "g"]
        resolved[i] = (None, outcome.group)
        return outcome
    kind, target = choice.target
    outcome.score, outcome.rule, outcome.evidence = round(choice.probability, 4), choice.rule, choice.evidence
    golden_id, group = (target, None) if kind == "g" else resolved[target]
    outcome.golden_id, outcome.group = golden_id, group
    resolved[i] = (golden_id, group)
    return outcome


def _batch_forms(domain: str, record: MatchInput) -> tuple[dict[str, Any], list[str]]:
    """A batch record's standardized engine values and blocking keys: from its preparation, with
    the fields whose values changed since (a contract's customer reference, resolved since)
    standardized again, and its keys worked out again if any did."""
    raw = engine_record(domain, f"new:{record.ref}", record.attributes)
    if record.prepared is None:
        return forms_of(domain, raw)
    prepared_raw, standardized, keys = record.prepared
    memo_key, prepared_key = _values_key(domain, raw), _values_key(domain, prepared_raw)
    if memo_key != prepared_key:
        found = _FORMS_MEMO.get(memo_key)
        if found is not None:
            return {**found[0], "id": raw["id"]}, found[1]
        changed = [name for name, now, then in zip(_FIELD_NAMES[domain], memo_key[1:], prepared_key[1:], strict=True)
                   if now != then]
        standardized = standardize_fields(SCHEMAS[domain], standardized, raw, changed)
        if standardized is None:
            return forms_of(domain, raw)
        keys = blocking_keys(domain, standardized, standardized=True)
    _remember(memo_key, standardized, keys)
    return {**standardized, "id": raw["id"]}, keys


class HubMatcher:
    """Implements mdm.matchers.Matcher with the Fellegi–Sunter engine."""

    def prepare(self, domain: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        """Engine values, standard forms and blocking keys of standardized canonical values, before
        references are resolved: pure, so a CSV import works it out in its reading process."""
        raw = engine_record(domain, "", values)
        return raw, *_worked_out(domain, raw)

    def match(self, domain: str, records: list[MatchInput]) -> list[MatchOutcome]:
        """Each record against the golden records and the earlier records of the batch it shares a
        blocking key with, scored in one vectorised call, then decided (engine.decisions.choose).
        Records a load plan covers (matching.resolution.load_plan) go where it says."""
        from matching.resolution import active_plan

        plan = active_plan(domain, records[0].system) if records else None
        if plan is not None and all(r.source_key in plan.targets for r in records):
            return [_planned(plan, record) for record in records]
        model = domain_model(domain)
        forms = [_batch_forms(domain, record) for record in records]
        golden_by_key, golden_rows = _candidates_read(domain, [keys for _, keys in forms])
        verdicts = _remembered({r.source_key for r in records})
        # What is read of the candidates' contributors: for contracts and projects every
        # contributor's system; otherwise only the batch's own keys and the stewards' verdicts.
        golden_keys = _source_keys_of(golden_rows, among=None if domain in SYSTEM_UNIQUE_DOMAINS else
                                      {r.source_key for r in records} | {other for _, other in verdicts})
        pairs = _candidate_pairs([keys for _, keys in forms], golden_by_key, golden_rows)
        scored = _Scored.of(domain, model, [standardized for standardized, _ in forms], golden_rows, pairs)
        by_record = scored.deciding(records, verdicts, golden_keys, model.lower)
        outcomes: list[MatchOutcome] = []
        resolved: dict[int, tuple[str | None, str | None]] = {}  # batch index -> (golden id, group)
        for i, record in enumerate(records):
            candidates = [scored.candidate(k, target, record, records, verdicts, golden_keys)
                          for target, k in by_record.get(i, [])]
            choice = choose(candidates, upper=model.upper, lower=model.lower,
                            apart_within_system=domain in SYSTEM_UNIQUE_DOMAINS)
            outcomes.append(_outcome(record, i, choice, resolved))
        return outcomes

    def matches_within_a_system(self, domain: str) -> bool:
        return domain not in SYSTEM_UNIQUE_DOMAINS

    def linked(self, domain: str, results) -> None:
        """Open review candidates for doubtful pairs, between the existing and the new golden
        record; a load plan learns the golden records made for its clusters."""
        from matching.resolution import active_plan

        for outcome, golden_id, _source_record_id in results:
            if outcome.group and outcome.group.startswith("plan:"):
                plan = active_plan(domain, outcome.system)
                if plan is not None:
                    plan.created.setdefault(outcome.group, golden_id)
        candidates = [
            MatchCandidate(domain=domain, golden_id_a=review.golden_id, golden_id_b=golden_id, score=review.score,
                           contributions=review.contributions, rule="model", status=CandidateStatus.OPEN)
            for outcome, golden_id, _source_record_id in results for review in outcome.review
            if review.golden_id != golden_id]
        MatchCandidate.objects.bulk_create(candidates, ignore_conflicts=True)

    def golden_changed(self, domain: str, golden_ids: list[str], created: Collection[str] = (),
                       records: Collection[GoldenRecord] | None = None) -> None:
        """Keep the blocking index equal to the golden records' current values."""
        index_golden_records(domain, golden_ids, created=created, records=records)

    def load_plan(self, domain: str, system: str, incoming: list[tuple[str, dict[str, Any]]]) -> str:
        """Before a load known whole: plan it in batch when it makes a fit due (matching.resolution)."""
        from matching.resolution import load_plan

        plan = load_plan(domain, system, incoming)
        return "" if plan is None else (f"{domain}: {len(plan.targets)} records planned in batch"
                                        f"{' with the model refitted on the data' if plan.refitted else ''}")

    def load_finished(self, domain: str, *, acting_user=None) -> str:
        """After a load: a planned one settles what its plan says of the records held before it;
        otherwise, when the domain's model is due a fit on its data (matching.resolution
        .refit_due), it is fitted and the whole domain re-matched in batch with it."""
        # Imported here: resolution builds on this module (engine records, the domain's model).
        from matching.resolution import _PLANS, domain_resolve, plan_finish, refit_due, source_record_count

        plans = [plan for (planned, _system), plan in list(_PLANS.items()) if planned == domain]
        if plans:
            return "; ".join(plan_finish(plan, acting_user=acting_user).describe() for plan in plans)
        if not refit_due(domain, source_record_count(domain)):
            return ""
        return domain_resolve(domain, refit=True, acting_user=acting_user).describe()

    def golden_merged(self, domain: str, survivor_id: str, *, acting_user=None) -> None:
        """After a merge: a customer's contracts and projects are matched again (they follow it)."""
        from matching.resolution import customer_merged

        if domain == "customer":
            customer_merged(survivor_id, acting_user=acting_user)


@read_once
def blocking_index_statistics(domain: str) -> None:
    """The writer keeps the planner informed: the index grows ~8 rows a record in a bulk load and
    the next batch's lookups read it (see mdm.planner_statistics); a read-only match check does not.
    Read once per ingestion batch, before it writes (mdm.read_ahead)."""
    statistics_refresh({BlockingKey: ["key_hash", "golden_id"]}, fraction=1.0)


def index_golden_records(domain: str, golden_ids: list[str], created: Collection[str] = (),
                         records: Collection[GoldenRecord] | None = None) -> int:
    """Replace the blocking keys of these golden records. `records`: their saved instances, when the
    caller holds them all (ingestion does), so they are not read back."""
    blocking_index_statistics(domain)
    ids = list(dict.fromkeys(golden_ids))
    created = set(created)
    # A golden record created in this transaction has no keys yet: nothing to delete for it.
    known = [golden_id for golden_id in ids if golden_id not in created]
    delete_rows(BlockingKey, "golden_id", known)
    held = {record.pk: record for record in records or ()}
    if held.keys() >= set(ids):
        columns = attrgetter(*_COLUMNS[domain])
        engine_records = {golden_id: _engine_row(domain, columns(held[golden_id]))
                          for golden_id in ids if held[golden_id].record_status == "active"}
    else:
        engine_records = _golden_engine_records(domain, ids)
    rows = []
    for golden_id, record in engine_records.items():
        hashed = values_hash(domain, record)
        rows.extend([domain, key_hash(domain, key), golden_id, hashed] for key in keys_of(domain, record))
    insert_rows(BlockingKey._meta.db_table, ["domain", "key_hash", "golden_id", "values_hash"], rows)
    return len(rows)
