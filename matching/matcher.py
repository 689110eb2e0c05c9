"""The hub's matcher: the pure engine behind mdm's matcher seam (settings.CONCORD_MATCHER).

It looks a batch's records up in the persistent blocking index (matching.index), scores their
candidate pairs in one vectorised call, decides each record with the stewards' verdicts
(engine.decisions.choose), and turns doubtful pairs into MatchCandidates for review. Loads that
make a fit due are planned and settled in batch (matching.resolution). Incremental ingestion and
a batch re-match score through the same engine, so they reach the same answer on the same data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

import numpy as np

from matching.engine import SCHEMAS, FellegiSunterModel
from matching.engine.comparisons import KINDS
from matching.engine.decisions import Candidate, Choice, choose
from matching.engine.scoring import score_arrays
from matching.forms import (
    batch_forms,
    candidate_forms,
    engine_columns,
    engine_record,
    forms_worked_out,
    prepared_forms_remembered,
)
from matching.index import MAX_BLOCK_SIZE, blocking_index_statistics, index_golden_records, indexed_keys
from matching.model_store import domain_model
from matching.models import CandidateStatus, MatchCandidate
from matching.resolution import (
    SYSTEM_UNIQUE_DOMAINS,
    active_plan,
    customer_merged,
    domain_resolve,
    load_plan,
    plan_finish,
    planned_domains,
    refit_due,
    source_record_count,
)
from matching.verdicts import remembered_verdicts, source_keys_of
from mdm.configuration import BatchConfiguration
from mdm.matchers import MatchInput, MatchOutcome, ReviewCandidate
from mdm.models import GoldenRecord


def _candidates_read(domain: str, keys: list[list[str]]) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """(key -> golden ids holding it, golden id -> standard forms) for a batch's blocking keys;
    keys held by more than MAX_BLOCK_SIZE golden records are skipped, as in batch."""
    golden_by_key: dict[str, list[str]] = defaultdict(list)
    hashes: dict[str, int] = {}
    for key, golden_id, hashed in indexed_keys(domain, {key for record_keys in keys for key in record_keys}):
        golden_by_key[key].append(golden_id)
        hashes[golden_id] = hashed
    golden_rows = candidate_forms(domain, {g: hashes[g] for ids in golden_by_key.values()
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
        scored = score_arrays(SCHEMAS[domain], model, engine_columns(domain, left), engine_columns(domain, right_rows), li, ri) \
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

class HubMatcher:
    """Implements mdm.matchers.Matcher with the Fellegi–Sunter engine."""

    def __init__(self, configuration: BatchConfiguration | None = None) -> None:
        self.configuration = configuration

    @staticmethod
    def batch_configuration(domain: str) -> FellegiSunterModel:
        """Read when an ingestion batch begins, before it writes: the domain's model; and the
        blocking index's planner statistics are brought up to date (the index grows several rows
        a record in a bulk load and the batch's lookups read it)."""
        blocking_index_statistics(domain)
        return domain_model(domain)

    def _model(self, domain: str) -> FellegiSunterModel:
        held = self.configuration.matcher if self.configuration is not None else None
        return held if held is not None else domain_model(domain)

    def prepare(self, domain: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        """Engine values, standard forms and blocking keys of standardized canonical values, before
        references are resolved: pure, so a CSV import works it out in its reading process."""
        raw = engine_record(domain, "", values)
        return raw, *forms_worked_out(domain, raw)

    def match(self, domain: str, records: list[MatchInput]) -> list[MatchOutcome]:
        """Each record against the golden records and the earlier records of the batch it shares a
        blocking key with, scored in one vectorised call, then decided (engine.decisions.choose).
        Records a load plan covers (matching.resolution.load_plan) go where it says."""
        plan = active_plan(domain, records[0].system) if records else None
        if plan is not None and all(r.source_key in plan.targets for r in records):
            prepared_forms_remembered(domain, records)
            return [_planned(plan, record) for record in records]
        model = self._model(domain)
        forms = [batch_forms(domain, record) for record in records]
        golden_by_key, golden_rows = _candidates_read(domain, [keys for _, keys in forms])
        verdicts = remembered_verdicts({r.source_key for r in records})
        # What is read of the candidates' contributors: for contracts and projects every
        # contributor's system; otherwise only the batch's own keys and the stewards' verdicts.
        golden_keys = source_keys_of(golden_rows, among=None if domain in SYSTEM_UNIQUE_DOMAINS else
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
        """Keep the blocking index equal to the golden records' current values (its statistics
        were kept up when the batch began; outside a batch, here)."""
        in_batch = self.configuration is not None and self.configuration.matcher is not None
        index_golden_records(domain, golden_ids, created=created, records=records, statistics_fresh=in_batch)

    def load_plan(self, domain: str, system: str, incoming: list[tuple[str, dict[str, Any]]]) -> str:
        """Before a load known whole: plan it in batch when it makes a fit due (matching.resolution)."""
        plan = load_plan(domain, system, incoming)
        return "" if plan is None else (f"{domain}: {len(plan.targets)} records planned in batch"
                                        f"{' with the model refitted on the data' if plan.refitted else ''}")

    def load_finished(self, domain: str, *, acting_user=None) -> str:
        """After a load: a planned one settles what its plan says of the records held before it;
        otherwise, when the domain's model is due a fit on its data (matching.resolution
        .refit_due), it is fitted and the whole domain re-matched in batch with it."""
        plans = planned_domains(domain)
        if plans:
            return "; ".join(plan_finish(plan, acting_user=acting_user).describe() for plan in plans)
        if not refit_due(domain, source_record_count(domain)):
            return ""
        return domain_resolve(domain, refit=True, acting_user=acting_user).describe()

    def golden_merged(self, domain: str, survivor_id: str, *, acting_user=None) -> None:
        """After a merge: a customer's contracts and projects are matched again (they follow it)."""
        if domain == "customer":
            customer_merged(survivor_id, acting_user=acting_user)
