"""Evaluating the rules against golden and source records, keeping violations in step, scoring.

`golden_records_evaluate` is the one place violations are opened and closed by evaluation: the
ingestion receiver (every golden-record change) and `quality_check` (on demand, daily) both call
it. It works in bulk: a fixed number of queries per batch, whatever the batch size.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mdm.canonical import REFERENCES
from mdm.choices import Domain, GoldenStatus
from mdm.configuration import BatchConfiguration
from mdm.db.bulk import rows_write
from mdm.listing import BulkOutcome
from mdm.models import GoldenRecord, SourceRecord, golden_model
from mdm.permissions import users_who_may
from mdm.services.golden import golden_values, golden_values_read, reference_targets
from quality.models import QualityRule, QualityScore, ScoreScope, Violation, ViolationStatus
from quality.rules import Related, Rule, RuleError, cross_domain_targets, evaluate

log = logging.getLogger(__name__)
CHUNK = 900  # ids per IN (...) list: under SQLite's parameter limit
NOTE_MAX = 500
BATCH_RULES = "quality_rules"  # the active rules, in an ingestion batch's configuration (quality.apps)


def active_rules() -> dict[str, list[Rule]]:
    """Active rules by domain, compiled. A rule that no longer compiles (edited badly outside the
    admin form) is left out and logged, so one bad row does not stop ingestion."""
    by_domain: dict[str, list[Rule]] = defaultdict(list)
    for row in QualityRule.objects.filter(is_active=True):
        try:
            by_domain[row.domain].append(row.compiled())
        except RuleError as error:
            log.error("quality rule %s skipped: %s", row.code, error)
    return by_domain


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _related(rules: list[Rule], values: Iterable[dict[str, Any]]) -> Related:
    """The live golden records cross-domain rules point at: one query per target domain."""
    related = Related()
    for target, ids in cross_domain_targets(rules, values).items():
        related.records[target] = golden_values_read(target, ids)
    return related


@dataclass
class EvaluationResult:
    evaluated: int = 0
    failing: int = 0
    opened: int = 0
    closed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def merge(self, other: EvaluationResult) -> None:
        self.evaluated += other.evaluated
        self.failing += other.failing
        self.opened += other.opened
        self.closed += other.closed
        for code, count in other.by_rule.items():
            self.by_rule[code] = self.by_rule.get(code, 0) + count


def _owners(domain: str, countries: dict[str, str]) -> dict[str, int | None]:
    """Owner of each golden record's new violations: the steward scoped to the domain (for a
    customer, one whose countries include the customer's, before one scoped to all countries);
    None when no steward is scoped — the domain's steward group owns it. One query."""
    from stewardship.models import StewardScope

    scopes = list(StewardScope.objects.filter(domain=domain, user__is_active=True, user__groups__name="steward")
                  .order_by("user__username").values_list("user_id", "countries").distinct())
    everywhere = next((user_id for user_id, scope_countries in scopes if not scope_countries), None)
    by_country: dict[str, int] = {}
    for user_id, scope_countries in scopes:
        for country in scope_countries:
            by_country.setdefault(str(country).upper(), user_id)
    return {golden_id: by_country.get(country, everywhere) for golden_id, country in countries.items()}


def golden_records_evaluate(domain: str, records: list[GoldenRecord], *, rules: dict[str, list[Rule]] | None = None,
                            now: datetime | None = None, follow: bool = True,
                            values: dict[str, dict[str, Any]] | None = None,
                            created: Collection[str] = ()) -> EvaluationResult:
    """Evaluate `records` (golden records of `domain`) and make their violations say so: open one
    per failing rule (never a second open one), close those that no longer fail, leave waived ones.

    `follow`: also re-evaluate records of other domains whose cross-domain rules point at these
    (a contract expiring opens the violation of the active project that relies on it).
    `values`: golden_values by id, when at hand. `created`: those of `records` created in this
    transaction: they hold no violations yet and nothing points at them yet, so neither is looked up."""
    rules = active_rules() if rules is None else rules
    now = now or timezone.now()
    result = EvaluationResult(evaluated=len(records))
    if not records:
        return result
    domain_rules = rules.get(domain, [])
    live = [record for record in records if record.record_status == GoldenStatus.ACTIVE]
    known = values or {}
    values = [(record.pk, known.get(record.pk) or golden_values(record)) for record in live]
    findings = evaluate(domain_rules, values, _related(domain_rules, (v for _, v in values))) if domain_rules else []
    result.failing = len({finding.record for finding in findings})
    failing = {(finding.rule, finding.record): finding for finding in findings}
    created = set(created)
    ids = [record.pk for record in records if record.pk not in created]
    held, result.closed = _violations_settle(domain_rules, records, ids, failing, now)
    new = [finding for key, finding in failing.items() if key not in held]
    result.opened = _violations_open(domain, domain_rules, live, new, now)
    codes = {rule.key: rule.code for rule in domain_rules}
    for finding in findings:
        result.by_rule[codes[finding.rule]] = result.by_rule.get(codes[finding.rule], 0) + 1
    if follow:
        _dependants_evaluate(domain, ids, rules, now)
    return result


def _violations_settle(domain_rules: list[Rule], records: list[GoldenRecord], ids: list[str],
                       failing: dict[tuple[int, str], Any], now: datetime) -> tuple[set[tuple[int, str]], int]:
    """Close the open violations of `ids` that no longer fail, saying why; returns the (rule,
    golden id) pairs still held (open, or waived by a steward: nothing new to open) and how many closed."""
    held: set[tuple[int, str]] = set()
    active_keys = {rule.key for rule in domain_rules}
    statuses = {record.pk: record.record_status for record in records}
    to_close: dict[str, list[int]] = defaultdict(list)  # why -> violation ids
    for chunk in _chunks(ids):
        rows = Violation.objects.filter(golden_id__in=chunk, status__in=[ViolationStatus.OPEN, ViolationStatus.WAIVED])
        for pk, rule_id, golden_id, status in rows.values_list("pk", "rule_id", "golden_id", "status"):
            key = (rule_id, golden_id)
            if key in failing:
                held.add(key)
            elif status == ViolationStatus.OPEN:
                why = ("rule switched off" if rule_id not in active_keys
                       else f"golden record {statuses[golden_id]}" if statuses[golden_id] != GoldenStatus.ACTIVE
                       else "passes on re-evaluation")
                to_close[why].append(pk)
    for why, pks in to_close.items():
        for chunk in _chunks(pks):
            Violation.objects.filter(pk__in=chunk, status=ViolationStatus.OPEN).update(
                status=ViolationStatus.RESOLVED, resolved_at=now, note=why)
    return held, sum(len(pks) for pks in to_close.values())


def _violations_open(domain: str, domain_rules: list[Rule], live: list[GoldenRecord], new: list[Any],
                     now: datetime) -> int:
    """Open a violation for each new finding, owned by the steward scoped to its record."""
    if not new:
        return 0
    severities = {rule.key: rule.severity for rule in domain_rules}
    countries = {record.pk: getattr(record, "country", "") or "" for record in live}
    owners = _owners(domain, {finding.record: countries.get(finding.record, "") for finding in new})
    violations_write([
        {"rule_id": finding.rule, "domain": domain, "golden_id": finding.record, "attribute": finding.attribute,
         "message": finding.message[:500], "severity": severities[finding.rule],
         "owner_id": owners.get(finding.record), "opened_at": now}
        for finding in new])
    return len(new)


def violations_write(rows: list[dict[str, Any]]) -> None:
    """New violations ({attname: value}); one already open for the same rule and record is skipped."""
    rows_write(Violation, rows, skip_existing=True)


def _dependants_evaluate(domain: str, ids: list[str], rules: dict[str, list[Rule]], now: datetime) -> None:
    """Re-evaluate the records of other domains whose cross-domain rules point at `ids`."""
    for other, other_rules in rules.items():
        pointing = [rule for rule in other_rules if rule.kind == "cross_domain" and rule.target_domain == domain]
        if other == domain or not pointing:
            continue
        dependants: dict[str, GoldenRecord] = {}
        for rule in pointing:
            for chunk in _chunks(ids):
                query = golden_model(other).objects.filter(**{f"{rule.attribute}_id__in": chunk})
                dependants.update({record.pk: record for record in query})
        if dependants:
            golden_records_evaluate(other, list(dependants.values()), rules=rules, now=now, follow=False)


def golden_changed_receiver(sender, *, domain: str, records: list[GoldenRecord], changed: list[str] | None = None,
                            created: list[str] | None = None, values: dict[str, dict[str, Any]] | None = None,
                            configuration: BatchConfiguration | None = None, **kwargs) -> None:
    """mdm.signals.golden_records_changed: evaluate the batch inside the same transaction, with
    the rules the batch read when it began (`configuration`), else those active now."""
    if not settings.CONCORD_QUALITY_ON_INGEST:
        return
    now = timezone.now()
    rules = configuration.extras.get(BATCH_RULES) if configuration is not None else None
    golden_records_evaluate(domain, records, rules=rules, now=now, values=values, created=created or ())
    if changed:
        # A merge saves the merged record without a signal and recomputes the survivor: the
        # merged record's violations close with it (one UPDATE; never for brand-new records).
        # Looked up first: almost always none (an ingestion page changes hundreds of records), and an
        # UPDATE joining violations to that lookup was planned per page on a growing table.
        for chunk in _chunks(changed):
            merged = list(golden_model(domain).objects.filter(merged_into__in=chunk).values_list("pk", flat=True))
            if merged:
                Violation.objects.filter(domain=domain, status=ViolationStatus.OPEN, golden_id__in=merged).update(
                    status=ViolationStatus.RESOLVED, resolved_at=now, note="merged into another golden record")


# --- On demand: every record, and the scores ---------------------------------------------------

def _source_values(domain: str, rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Source records' canonical values, with references resolved to golden ids the way the hub
    resolves them (the same system's source id -> its cross-reference)."""
    wanted = {(row["system_id"], target, row["canonical"][ref]) for row in rows
              for ref, _golden, target in REFERENCES[domain] if row["canonical"].get(ref)}
    targets = reference_targets(wanted) if wanted else {}
    values = []
    for row in rows:
        canonical = dict(row["canonical"])
        for ref, golden, target in REFERENCES[domain]:
            canonical[golden] = targets.get((row["system_id"], target, canonical.get(ref) or ""))
        values.append((row["pk"], canonical))
    return values


def source_scores(domain: str, rules: list[Rule], batch_size: int = 2000) -> dict[str, tuple[int, int]]:
    """system name -> (source records, passing every rule) over live source records of `domain`."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    query = (SourceRecord.objects.filter(domain=domain, is_deleted=False).order_by("pk")
             .values("pk", "system_id", "system__name", "canonical"))
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        values = _source_values(domain, batch)
        findings = evaluate(rules, values, _related(rules, (v for _, v in values))) if rules else []
        failing = {finding.record for finding in findings}
        for row in batch:
            counts[row["system__name"]][0] += 1
            counts[row["system__name"]][1] += row["pk"] not in failing

    for row in query.iterator(chunk_size=batch_size):
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
            batch = []
    if batch:
        flush()
    return {system: (total, passing) for system, (total, passing) in counts.items()}


def golden_score(domain: str, records=None) -> tuple[int, int]:
    """(live golden records, those without an open violation), over all of the domain's or over
    `records` (a queryset of them, e.g. those a steward may see). A waived violation is accepted."""
    live = (golden_model(domain).objects.all() if records is None else records).filter(
        record_status=GoldenStatus.ACTIVE)
    total = live.count()
    failing = (Violation.objects.filter(domain=domain, status=ViolationStatus.OPEN, golden_id__in=live.values("pk"))
               .values("golden_id").distinct().count())
    return total, total - failing


@dataclass
class CheckSummary:
    domains: dict[str, EvaluationResult] = field(default_factory=dict)
    scores: list[QualityScore] = field(default_factory=list)


def quality_check(*, domain: str | None = None, batch_size: int = 2000) -> CheckSummary:
    """Evaluate every golden record (of `domain`, or of all domains), close violations of records no
    longer live, then snapshot the scores per domain and per source system."""
    if domain is not None and domain not in Domain.values:
        raise LookupError(f"unknown domain {domain!r}; expected one of {', '.join(Domain.values)}")
    rules = active_rules()
    summary = CheckSummary()
    now = timezone.now()
    for name in [domain] if domain else Domain.values:
        model = golden_model(name)
        result = EvaluationResult()
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for chunk in _chunks(ids, batch_size):
            with transaction.atomic():
                result.merge(golden_records_evaluate(name, list(model.objects.filter(pk__in=chunk)), rules=rules,
                                                     now=now, follow=False))
        # Violations of golden records that are gone altogether, or of rules switched off.
        orphans = Violation.objects.filter(domain=name, status=ViolationStatus.OPEN).exclude(
            golden_id__in=model.objects.values("pk"))
        result.closed += orphans.update(status=ViolationStatus.RESOLVED, resolved_at=now, note="golden record gone")
        result.closed += Violation.objects.filter(domain=name, status=ViolationStatus.OPEN).exclude(
            rule__in=[rule.key for rule in rules.get(name, [])]).update(
            status=ViolationStatus.RESOLVED, resolved_at=now, note="rule switched off")
        summary.domains[name] = result
        total, passing = golden_score(name)
        summary.scores.append(QualityScore(taken_at=now, scope=ScoreScope.GOLDEN, domain=name, system="",
                                           records=total, passing=passing, score=passing / total if total else 1.0))
        for system, (total, passing) in sorted(source_scores(name, rules.get(name, []), batch_size).items()):
            summary.scores.append(QualityScore(taken_at=now, scope=ScoreScope.SYSTEM, domain=name, system=system,
                                               records=total, passing=passing,
                                               score=passing / total if total else 1.0))
    QualityScore.objects.bulk_create(summary.scores)
    return summary


# --- Steward actions ---------------------------------------------------------------------------

def _note_checked(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": ["say why"]})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [f"keep it to {NOTE_MAX} characters ({len(note)} now)"]})
    return note


@transaction.atomic
def violation_close(*, violation_id: int, status: str, note: str, acting_user) -> Violation:
    """A steward resolves (fixed at the source) or waives (an accepted exception) an open violation.
    A resolved violation that still fails opens again at the next evaluation; a waived one does not."""
    if status not in (ViolationStatus.RESOLVED, ViolationStatus.WAIVED):
        raise ValidationError({"status": ["resolve or waive"]})
    note = _note_checked(note, required=status == ViolationStatus.WAIVED)
    violation = Violation.objects.select_for_update().get(pk=violation_id)
    if violation.status != ViolationStatus.OPEN:
        raise ValidationError({"status": [f"this violation is already {violation.status}"]})
    violation.status, violation.resolved_at, violation.resolved_by = status, timezone.now(), acting_user
    violation.note = note
    violation._history_user = acting_user
    violation._change_reason = f"{status}: {note}" if note else status
    violation.save()
    return violation


@transaction.atomic
def violation_resolve(*, violation_id: int, note: str, acting_user) -> Violation:
    """A steward says the problem is fixed: the record is evaluated against the rule again, and the
    violation closes only if it now passes. If the data has not changed, the violation stays open
    and the steward is told what still fails — resolving is not waiving."""
    violation = Violation.objects.select_for_update().select_related("rule").get(pk=violation_id)
    if violation.status != ViolationStatus.OPEN:
        raise ValidationError({"status": [f"this violation is already {violation.status}"]})
    record = golden_model(violation.domain).objects.filter(pk=violation.golden_id).first()
    if record is not None and record.record_status == GoldenStatus.ACTIVE:
        try:
            rule = violation.rule.compiled()
        except RuleError:
            rule = None
        values = golden_values(record)
        findings = evaluate([rule], [(record.pk, values)], _related([rule], [values])) if rule else []
        if findings:
            raise ValidationError({"status": [
                f"{violation.rule.code} still fails on {violation.golden_id}: {findings[0].message}. The record has "
                "not changed: fix it (or its source) first, or waive the violation with a reason."]})
    return violation_close(violation_id=violation.pk, status=ViolationStatus.RESOLVED,
                           note=note or "fixed: passes the rule again", acting_user=acting_user)


def violation_assignees(violation: Violation) -> list:
    """Who may be given the violation: the users who may change its golden record (its domain
    and, for a customer, its country: mdm.permissions.users_who_may)."""
    return violations_assignees([violation])[violation.pk]


def violations_assignees(violations) -> dict[int, list]:
    """violation_assignees for a page of violations: their customers' countries read in one query,
    the users asked once per domain and country."""
    customers = [v.golden_id for v in violations if v.domain == Domain.CUSTOMER]
    countries = dict(golden_model(Domain.CUSTOMER).objects.filter(pk__in=customers).values_list("pk", "country")
                     .order_by()) if customers else {}
    memo: dict[tuple[str, tuple[str, ...]], list] = {}
    found = {}
    for violation in violations:
        country = countries.get(violation.golden_id) if violation.domain == Domain.CUSTOMER else None
        key = (violation.domain, (country,) if country else ())
        if key not in memo:
            memo[key] = users_who_may("change", *key)
        found[violation.pk] = memo[key]
    return found


@transaction.atomic
def violation_reassign(*, violation_id: int, owner_id: int | None, acting_user) -> Violation:
    """Give an open violation to another steward (or back to the domain's steward group: None)."""
    violation = Violation.objects.select_for_update().get(pk=violation_id)
    if violation.status != ViolationStatus.OPEN:
        raise ValidationError({"owner": [f"this violation is already {violation.status}"]})
    owner = None
    if owner_id is not None:
        owner = next((user for user in violation_assignees(violation) if user.pk == owner_id), None)
        if owner is None:
            raise ValidationError({"owner": ["choose an active steward or council member who may change this "
                                             "record (its domain and, for a customer, its country)"]})
    violation.owner = owner
    violation._history_user = acting_user
    violation._change_reason = f"reassigned to {owner.get_username() if owner else 'the stewards'}"
    violation.save()
    return violation


# --- Several at once -------------------------------------------------------------------------------

def violations_bulk_outcome(*, items: list[Violation], verb: str, owner_id: int | None = None):
    """What a bulk action on violations will do, said before it does it."""
    outcome = BulkOutcome(verb, len(items))
    outcome.items = [f"#{v.pk} {v.rule.code} on {v.golden_id}: {v.message[:80]}" for v in items[:BulkOutcome.ITEMS_SHOWN]]
    n = len(items)
    plural = "s" if n != 1 else ""
    if verb == "waive":
        outcome.sentences = [f"{n} violation{plural} will be waived with your note: accepted exceptions, not opened "
                             "again while the rule and the record stay as they are."]
    elif verb == "reassign":
        owner = get_user_model().objects.filter(pk=owner_id).first() if owner_id else None
        outcome.sentences = [f"{n} violation{plural} will be given to "
                             f"{owner.get_username() if owner else 'the stewards as a group'}."]
    else:
        outcome.sentences = [f"{n} violation{plural} will be checked again against their rules: those whose record "
                             "now passes close as resolved, the others stay open and say what still fails."]
    return outcome


def violations_bulk_apply(*, items: list[Violation], verb: str, note: str, owner_id: int | None,
                          acting_user) -> tuple[int, list[str]]:
    """Each violation through the service for one, each in its own transaction. (done, failures)"""
    done, failed = 0, []
    for violation in items:
        try:
            if verb == "waive":
                violation_close(violation_id=violation.pk, status=ViolationStatus.WAIVED, note=note,
                                acting_user=acting_user)
            elif verb == "reassign":
                violation_reassign(violation_id=violation.pk, owner_id=owner_id, acting_user=acting_user)
            else:
                violation_resolve(violation_id=violation.pk, note=note, acting_user=acting_user)
            done += 1
        except ValidationError as exc:
            failed.append(f"#{violation.pk}: {' '.join(exc.messages)}")
    return done, failed
