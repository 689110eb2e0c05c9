"""Resolution: a domain's golden records made to agree with a batch clustering of its source records.

Incremental matching decides one new record at a time against the golden records already there.
After a load it is settled again in batch, with the model fitted on the data itself (EM per
blocking rule, u from random pairs, the data's own term frequencies): every source record of the
domain is scored against its candidates, clustered without chaining, and the golden records are
regrouped to match (engine.regroup) through the same services stewards use — merges, and moves of
single source records. What stewards decided holds: a verdict between two source records ties or
parts them whatever the model says, and records a steward put together stay together.

The hub refits as a domain grows (CONCORD_MATCH_REFIT_GROWTH) and re-resolves then; contracts
and projects are resolved again whenever their customers were (they follow their customers).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction

from matching.engine import SCHEMAS, TooFewPairs, deduplicate, train
from matching.engine.regroup import regroup
from matching.forms import engine_record
from matching.model_store import domain_model, model_store, thresholds_of
from matching.models import CandidateStatus, MatchCandidate, MatchDecision, MatchModel
from mdm.canonical import REFERENCES
from mdm.models import CrossReference, golden_model
from mdm.services.golden import reference_targets
from mdm.services.locks import domain_serialized
from mdm.services.merge import golden_record_merge
from mdm.services.relink import source_records_relink

log = logging.getLogger(__name__)
_resolving: ContextVar[bool] = ContextVar("concord_resolving", default=False)

SYSTEM_UNIQUE_DOMAINS = {"contract", "project"}
# Links a steward made: the records they joined stay together, whatever a model says later.
_STEWARD_LINKS = ("steward", "council")


@dataclass
class SourceRows:
    """The live source records of a domain, as the engine reads them and as the hub holds them."""

    domain: str
    ids: list[int] = field(default_factory=list)
    golden: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # system:object_type:source_id, as verdicts name them
    linked_by: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # engine records, id = source record id

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.records, columns=["id", *SCHEMAS[self.domain].inputs])


@dataclass
class Resolution:
    domain: str
    records: int = 0
    refitted: bool = False
    merges: int = 0
    moves: int = 0
    review_candidates: int = 0

    def describe(self) -> str:
        fitted = "model refitted on the data; " if self.refitted else ""
        return (f"{self.domain}: {fitted}{self.records} source records re-matched in batch: "
                f"{self.merges} merges, {self.moves} moved, {self.review_candidates} pairs for review")


def source_rows(domain: str, customers: set[str] | None = None, *, values: bool = True) -> SourceRows:
    """Every linked, live source record of the domain (or only those whose golden record belongs
    to one of these customers). `values=False`: where each is linked, without its values (no
    engine records; reading and decoding every record's values was most of the read)."""
    query = CrossReference.objects.filter(domain=domain, source_record__is_deleted=False)
    if customers is not None:
        query = query.filter(golden_id__in=golden_model(domain).objects.filter(customer_id__in=customers)
                             .values("id"))
    columns = ["source_record_id", "golden_id", "linked_by", "source_record__system_id", "source_record__system__name",
               "source_record__object_type", "source_record__source_id"]
    if not values:
        return _links_only(domain, query.values_list(*columns).order_by("source_record_id"))
    rows = list(query.values_list(*columns, "source_record__canonical").order_by("source_record_id"))
    wanted = {(row[3], target, row[7][ref]) for row in rows for ref, _golden, target in REFERENCES[domain]
              if row[7].get(ref)}
    targets = reference_targets(wanted) if wanted else {}
    out = SourceRows(domain)
    for source_record_id, golden_id, linked_by, system_id, system, object_type, source_id, canonical in rows:
        values = dict(canonical)
        for ref, golden, target in REFERENCES[domain]:
            values[golden] = targets.get((system_id, target, canonical.get(ref) or ""))
        out.ids.append(source_record_id)
        out.golden.append(golden_id)
        out.systems.append(system)
        out.keys.append(f"{system}:{object_type}:{source_id}")
        out.linked_by.append(linked_by or "")
        out.records.append(_engine_input(domain, source_record_id, values))
    return out


def _links_only(domain: str, rows) -> SourceRows:
    out = SourceRows(domain)
    for source_record_id, golden_id, linked_by, _system_id, system, object_type, source_id in rows:
        out.ids.append(source_record_id)
        out.golden.append(golden_id)
        out.systems.append(system)
        out.keys.append(f"{system}:{object_type}:{source_id}")
        out.linked_by.append(linked_by or "")
    return out


def _engine_input(domain: str, source_record_id: int, values: dict[str, Any]) -> dict[str, Any]:
    record = engine_record(domain, source_record_id, values)
    for name in SCHEMAS[domain].inputs:
        record.setdefault(name, values.get(name))
    return record


# --- fitting -------------------------------------------------------------------------------------

def source_record_count(domain: str, *, up_to: int | None = None) -> int:
    """The domain's live source records; given `up_to`, counting stops past it (a question of
    "more than so many?" need not count a large domain's every record)."""
    records = CrossReference.objects.filter(domain=domain, source_record__is_deleted=False).order_by()
    return (records if up_to is None else records[:up_to + 1]).count()


def refit_due(domain: str, records: int) -> bool:
    """A domain's model is fitted again when it has none fitted on its data, or grew by
    CONCORD_MATCH_REFIT_GROWTH since, once it holds CONCORD_MATCH_FIT_MIN_RECORDS records."""
    if records < settings.CONCORD_MATCH_FIT_MIN_RECORDS:
        return False
    stored = MatchModel.objects.filter(domain=domain).values_list("fitted_on", flat=True).first()
    return stored is None or records >= stored * (1 + settings.CONCORD_MATCH_REFIT_GROWTH)


def model_fit(domain: str, rows: SourceRows) -> MatchModel | None:
    """Fit the domain's model on its source records and store it, stewards' verdicts taken as
    labels; None when the records give too few candidate pairs to learn from (one system's
    contracts alone)."""
    try:
        model = train(rows.frame(), SCHEMAS[domain], apart=apart_by_system(domain, rows), answers=_decided(rows),
                      systems=rows.systems, **thresholds_of(domain))
    except TooFewPairs as error:
        log.info("%s: not fitted: %s", domain, error)
        return None
    return model_store(domain, model, len(rows.ids))


def apart_by_system(domain: str, rows: SourceRows) -> np.ndarray | None:
    """One system's contracts and projects are never paired: it numbers them apart."""
    if domain not in SYSTEM_UNIQUE_DOMAINS:
        return None
    names = {name: k for k, name in enumerate(sorted(set(rows.systems)))}
    return np.fromiter((names[s] for s in rows.systems), dtype=np.int64, count=len(rows.systems))


# --- resolving -----------------------------------------------------------------------------------

def domain_resolve(domain: str, *, refit: bool | None = None, customers: set[str] | None = None,
                   acting_user=None, reason: str = "") -> Resolution:
    """Re-match the domain's source records in batch and regroup its golden records to agree.
    `refit`: fit the model on the data first (None: when due, see refit_due); `customers`: only
    the contracts or projects of these customers."""
    with domain_serialized(domain):  # read, decide and write before another batch reads
        rows = source_rows(domain, customers)
        result = Resolution(domain, records=len(rows.ids))
        if len(rows.ids) < 2:
            return result
        refit = bool(refit or (refit is None and customers is None and refit_due(domain, len(rows.ids))))
        clusters, pairs, result.refitted = _batch_clusters(domain, rows, refit=refit)
        token = _resolving.set(True)
        try:
            with transaction.atomic():
                final = _apply(domain, rows, clusters, acting_user, reason or "re-matched in batch")
                result.merges, result.moves = final.merges, final.moves
                result.review_candidates = _review(domain, dict(zip(rows.ids, rows.systems, strict=True)),
                                                   final.golden_of, pairs)
        finally:
            _resolving.reset(token)
    if domain == "customer" and result.merges + result.moves:
        for follower in SYSTEM_UNIQUE_DOMAINS:
            domain_resolve(follower, acting_user=acting_user, reason="their customers were re-matched")
    log.info(result.describe())
    return result


@dataclass
class Preview:
    """What re-matching a domain with a model would do, before anything is applied."""

    domain: str
    records: int
    merges: list[tuple[str, str]]  # (merged, survivor) golden ids
    moves: dict[int, str]  # source record id -> golden id or "new:<cluster>"
    review_pairs: int  # pairs the model would send to review
    golden_before: int
    golden_after: int

    @property
    def splits(self) -> int:
        """Golden records that would give up source records to a new golden record."""
        return len({target for target in self.moves.values() if target.startswith("new:")})


def domain_preview(domain: str, model=None) -> Preview:
    """What domain_resolve would do with `model` (the domain's own when None): merges, moves and
    review pairs, computed in batch and applied to nothing (a rule or threshold change previewed)."""
    rows = source_rows(domain)
    model = model or domain_model(domain)
    if len(rows.ids) < 2:
        return Preview(domain, len(rows.ids), [], {}, 0, len(set(rows.golden)), len(set(rows.golden)))
    clusters, pairs, _ = _batch_clusters(domain, rows, model)
    created = _created_at(domain, rows.golden)
    plan = regroup(rows.golden, clusters, lambda g: (created.get(g), g))
    return Preview(domain, len(rows.ids), plan.merges, {rows.ids[row]: t for row, t in plan.moves.items()},
                   int((pairs["decision"] == "review").sum()), len(set(rows.golden)), len(set(clusters)))


def _batch_clusters(domain: str, rows: SourceRows, model=None, *, refit: bool = False
                    ) -> tuple[list, pd.DataFrame, bool]:
    """Each source record's cluster (in rows' order), the scored pairs, and whether the model was
    fitted (and stored) on the way, from one batch match: `refit` fits it on these records, with
    the stewards' verdicts as labels, sharing the candidate pairs and their comparison."""
    decided = _decided(rows)
    options = {"apart": apart_by_system(domain, rows), "decided": decided, "systems": rows.systems}
    matched = None
    if refit:
        try:
            matched = deduplicate(rows.frame(), SCHEMAS[domain], None, answers=decided, **options,
                                  **thresholds_of(domain))
            model_store(domain, matched.model, len(rows.ids))
        except TooFewPairs as error:
            log.info("%s: not fitted: %s", domain, error)
    refitted = matched is not None
    if matched is None:
        matched = deduplicate(rows.frame(), SCHEMAS[domain], model or domain_model(domain), **options)
    return matched.clusters["cluster"].tolist(), matched.pairs, refitted  # clusters in the frame's order


# --- planned loads -------------------------------------------------------------------------------
# A load that makes a fit due is planned whole before any of it is written (a file import, whose
# records are all known up front): the model is fitted on the records already in the hub and the
# file's together, all of them are matched in batch, and each incoming record is then linked
# where its cluster says as ingestion reaches it — no candidate lookups, no golden record made
# only to be merged away. load_finished settles what the plan says of records already held.

@dataclass
class LoadPlan:
    domain: str
    system: str
    targets: dict[str, str]  # incoming source key -> golden id, or "plan:<cluster>" for a new one
    labels: dict[str, Any]  # source key (held and incoming) -> cluster
    pairs: pd.DataFrame  # the batch's scored pairs, ids as source keys
    refitted: bool
    created: dict[str, str] = field(default_factory=dict)  # "plan:<cluster>" -> the golden id made for it

    def target_of(self, source_key: str) -> tuple[str | None, str | None]:
        """(golden id to link to, group for a new golden record) for a planned record."""
        target = self.targets[source_key]
        if not target.startswith("plan:"):
            return target, None
        return self.created.get(target), target


_PLANS: dict[tuple[str, str], LoadPlan] = {}


def active_plan(domain: str, system: str) -> LoadPlan | None:
    return _PLANS.get((domain, system))


def planned_domains(domain: str) -> list[LoadPlan]:
    """The plans waiting for a domain's load to finish (one per system loading it)."""
    return [plan for (planned, _system), plan in list(_PLANS.items()) if planned == domain]


def load_plan(domain: str, system: str, incoming: list[tuple[str, dict[str, Any]]]) -> LoadPlan | None:
    """Plan a load of `incoming` (source key, canonical values with references resolved) when it
    makes a fit due; None (and nothing planned) otherwise."""
    rows = source_rows(domain)
    known = set(rows.keys)
    incoming = [(key, values) for key, values in incoming if key not in known]  # new versions match as usual
    if not incoming or not refit_due(domain, len(rows.ids) + len(incoming)):
        return None
    keys = rows.keys + [key for key, _ in incoming]
    held = SourceRows(domain, rows.ids + [None] * len(incoming), rows.golden + [None] * len(incoming),
                      rows.systems + [system] * len(incoming), keys, rows.linked_by + [""] * len(incoming),
                      [dict(record, id=key) for key, record in zip(rows.keys, rows.records, strict=True)]
                      + [_engine_input(domain, key, values) for key, values in incoming])
    clusters, pairs, refitted = _batch_clusters(domain, held, refit=True)
    plan = LoadPlan(domain, system, _planned_targets(rows, clusters, keys[len(rows.ids):]),
                    dict(zip(keys, clusters, strict=True)), pairs, refitted)
    _PLANS[(domain, system)] = plan
    return plan


def _planned_targets(rows: SourceRows, clusters: list, incoming_keys: list[str]) -> dict[str, str]:
    """Each incoming record's cluster's golden record: the one holding most of its records already
    held (the senior one on a tie), or a new one for the cluster."""
    held: dict[Any, Counter] = defaultdict(Counter)
    for golden_id, label in zip(rows.golden, clusters, strict=False):
        held[label][golden_id] += 1
    created = _created_at(rows.domain, rows.golden)
    targets = {}
    for key, label in zip(incoming_keys, clusters[len(rows.ids):], strict=True):
        counts = held.get(label)
        targets[key] = min(counts, key=lambda g: (-counts[g], created.get(g), g)) if counts else f"plan:{label}"
    return targets


def plan_finish(plan: LoadPlan, *, acting_user=None) -> Resolution:
    """After a planned load: what the plan says of the records held before it (two golden records
    that are one, a record in the wrong one) applied, and its doubtful pairs sent to review."""
    _PLANS.pop((plan.domain, plan.system), None)
    with domain_serialized(plan.domain):  # the records as they are now, not before another batch wrote
        rows = source_rows(plan.domain, values=False)  # the plan holds their values
        unplanned = iter(range(-1, -len(rows.ids) - 1, -1))  # records the plan did not see keep their place
        clusters = [plan.labels.get(key, ("unplanned", next(unplanned))) for key in rows.keys]
        result = Resolution(plan.domain, records=len(rows.ids), refitted=plan.refitted)
        token = _resolving.set(True)
        try:
            with transaction.atomic():
                final = _apply(plan.domain, rows, clusters, acting_user, "re-matched in batch with the load")
                result.merges, result.moves = final.merges, final.moves
                golden_of = {key: final.golden_of[i] for key, i in zip(rows.keys, rows.ids, strict=True)}
                result.review_candidates = _review(plan.domain, dict(zip(rows.keys, rows.systems, strict=True)),
                                                   golden_of, plan.pairs)
        finally:
            _resolving.reset(token)
    if plan.domain == "customer" and result.merges + result.moves:
        for follower in SYSTEM_UNIQUE_DOMAINS:
            domain_resolve(follower, acting_user=acting_user, reason="their customers were re-matched")
    log.info(result.describe())
    return result


def customer_merged(survivor_id: str, *, acting_user=None) -> None:
    """Contracts and projects follow their customers: once two customers are one, their
    contracts and projects are matched again among themselves."""
    if _resolving.get():
        return  # a batch re-match of customers re-matches their followers once it is done
    for follower in SYSTEM_UNIQUE_DOMAINS:
        domain_resolve(follower, customers={survivor_id}, acting_user=acting_user,
                       reason=f"their customer {survivor_id} was merged")


def _decided(rows: SourceRows) -> list[tuple[int, int, float]]:
    """Pairs decided outside the model, as row pairs: stewards' verdicts (1 same, 0 not), and the
    records a steward put together in one golden record (tied to each other)."""
    row_of = {key: k for k, key in enumerate(rows.keys)}
    decided = []
    for key_a, key_b, verdict in MatchDecision.objects.filter(key_a__any=set(rows.keys)).values_list(
            "key_a", "key_b", "verdict"):
        if key_b in row_of:
            decided.append((row_of[key_a], row_of[key_b], 1.0 if verdict == MatchDecision.Verdict.MATCH else 0.0))
    steward_held: dict[str, list[int]] = defaultdict(list)
    for k, (golden_id, linked_by) in enumerate(zip(rows.golden, rows.linked_by, strict=True)):
        if linked_by.startswith(_STEWARD_LINKS):
            steward_held[golden_id].append(k)
    for golden_id, tied in steward_held.items():
        others = [k for k, g in enumerate(rows.golden) if g == golden_id] if len(tied) == 1 else tied
        decided.extend((others[0], k, 1.0) for k in others[1:])
    return decided


def _created_at(domain: str, golden_ids: list[str | None]) -> dict[str, Any]:
    """When each of these golden records was made (seniority decides which of two survives)."""
    ids = {golden_id for golden_id in golden_ids if golden_id is not None}
    return dict(golden_model(domain).objects.filter(pk__any=ids).values_list("id", "created_at"))


@dataclass
class _Applied:
    merges: int
    moves: int
    golden_of: dict[int, str]  # source record id -> golden id afterwards


def _apply(domain: str, rows: SourceRows, clusters: list, acting_user, reason: str) -> _Applied:
    created = _created_at(domain, rows.golden)
    plan = regroup(rows.golden, clusters, lambda g: (created.get(g), g))
    moves = {rows.ids[row]: target for row, target in plan.moves.items()}
    new_ids = source_records_relink(domain=domain, moves=moves, acting_user=acting_user, reason=reason) \
        if moves else {}
    for merged, survivor in plan.merges:
        golden_record_merge(survivor_id=survivor, merged_id=merged, acting_user=acting_user, reason=reason,
                            linked_by="re-match")
    golden_of = {source_record_id: new_ids.get(plan.targets[label], plan.targets[label])
                 for source_record_id, label in zip(rows.ids, clusters, strict=True)}
    return _Applied(len(plan.merges), len(plan.moves), golden_of)


def _review(domain: str, system_of: dict, golden_of: dict, pairs: pd.DataFrame) -> int:
    """Doubtful pairs between two golden records become match candidates; open candidates the
    model made that no longer stand are superseded.

    Two golden records that each hold a record of one system are proposed only if those records
    are at least doubtful about each other too: joining them claims that system holds a
    duplicate, which its own records must bear out (as clustering asks, see engine.clustering)."""
    doubtful = pairs[pairs["decision"] == "review"]
    contributions = [c for c in doubtful.columns if c.startswith("contribution_")]
    considered = {frozenset((a, b)) for a, b in zip(pairs["left_id"].tolist(), pairs["right_id"].tolist(),
                                                    strict=True)}
    held: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for source_record_id, golden_id in golden_of.items():
        held[golden_id][system_of[source_record_id]].append(source_record_id)
    best: dict[tuple[str, str], tuple[float, dict]] = {}
    for row in doubtful.itertuples(index=False):
        a, b = golden_of.get(row.left_id), golden_of.get(row.right_id)
        if a is None or b is None or a == b or not _borne_out(held[a], held[b], considered):
            continue
        pair = (a, b) if a < b else (b, a)
        if pair not in best or row.probability > best[pair][0]:
            best[pair] = (float(row.probability), {c.removeprefix("contribution_"): round(float(getattr(row, c)), 3)
                                                   for c in contributions})
    open_ = MatchCandidate.objects.filter(domain=domain, status=CandidateStatus.OPEN, assigned_to__isnull=True)
    standing = {(a, b) for a, b in open_.values_list("golden_id_a", "golden_id_b")}
    stale = [pk for pk, a, b in open_.values_list("pk", "golden_id_a", "golden_id_b")
             if (min(a, b), max(a, b)) not in best]
    MatchCandidate.objects.filter(pk__in=stale).update(status=CandidateStatus.SUPERSEDED)
    fresh = [MatchCandidate(domain=domain, golden_id_a=a, golden_id_b=b, score=round(p, 4), contributions=c,
                            rule="re-match", status=CandidateStatus.OPEN)
             for (a, b), (p, c) in best.items() if (a, b) not in standing and (b, a) not in standing]
    MatchCandidate.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(best)


def _borne_out(a: dict[str, list], b: dict[str, list], considered: set[frozenset]) -> bool:
    """For every system both golden records hold records of, some pair of those records scored
    at least doubtful (`considered`: the pairs the batch reported, at or above the lower threshold)."""
    return all(any(frozenset((x, y)) in considered for x in a[system] for y in b[system])
               for system in a.keys() & b.keys())
