"""Reads: violations by age and owner, scores over time, and the figures /metrics and the
operations dashboard show (the same numbers in both)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.utils import timezone

from mdm.choices import Domain
from mdm.permissions import access_of, golden_records_visible_to, restrict
from operations.registry import Figure, dashboard_viewer, read_once
from quality.models import QualityScore, ScoreScope, Violation, ViolationStatus
from quality.services import golden_score

# Age buckets of open violations: (label, younger than).
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("under_1d", timedelta(days=1)), ("1d_7d", timedelta(days=7)), ("7d_30d", timedelta(days=30)),
    ("over_30d", None),
)
AGE_LABELS = {"under_1d": "under a day", "1d_7d": "1–7 days", "7d_30d": "7–30 days", "over_30d": "over 30 days"}
GROUP_OWNER = "stewards"  # an open violation nobody was given: the domain's steward group owns it


def age_bucket_bounds(label: str) -> tuple[timedelta | None, timedelta | None]:
    """(at least, younger than) of an age bucket; LookupError for an unknown label."""
    lower = None
    for name, upper in AGE_BUCKETS:
        if name == label:
            return lower, upper
        lower = upper
    raise LookupError(f"unknown age {label!r}; expected one of {', '.join(name for name, _ in AGE_BUCKETS)}")


def _violations(viewer=None):
    """Every violation, or those of the golden records `viewer` may see."""
    return Violation.objects.all() if viewer is None else restrict(Violation.objects.all(), viewer)


def _domains(viewer=None) -> list[str]:
    return list(Domain.values) if viewer is None else access_of(viewer).domains("view")


def open_by_rule(viewer=None) -> list[dict]:
    return list(_violations(viewer).filter(status=ViolationStatus.OPEN)
                .values("domain", "rule__code", "severity").annotate(count=Count("id")).order_by("domain", "rule__code"))


@read_once
def open_by_age_and_owner(now=None, viewer=None) -> dict[tuple[str, str], int]:
    """(age bucket, owner username or 'stewards') -> open violations, in one grouped query."""
    now = now or timezone.now()
    buckets = {}
    lower = None
    for name, upper in AGE_BUCKETS:
        condition = Q()
        if lower is not None:
            condition &= Q(opened_at__lte=now - lower)
        if upper is not None:
            condition &= Q(opened_at__gt=now - upper)
        buckets[name] = Count("id", filter=condition) if condition else Count("id")
        lower = upper
    counts: dict[tuple[str, str], int] = {}
    for row in _violations(viewer).filter(status=ViolationStatus.OPEN).values("owner__username").annotate(**buckets):
        for name in buckets:
            if row[name]:
                counts[(name, row["owner__username"] or GROUP_OWNER)] = row[name]
    return counts


@read_once
def resolution_times(viewer=None) -> dict[str, tuple[int, float]]:
    """domain -> (violations closed by a steward or by re-evaluation, mean seconds from open to close)."""
    duration = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
    rows = (_violations(viewer).filter(status__in=[ViolationStatus.RESOLVED, ViolationStatus.WAIVED],
                                     resolved_at__isnull=False)
            .values("domain").annotate(count=Count("id"), mean=Avg(duration)))
    return {row["domain"]: (row["count"], row["mean"].total_seconds() if row["mean"] else 0.0) for row in rows}


@read_once
def latest_scores(viewer=None) -> list[QualityScore]:
    """The newest snapshot row of each (scope, domain, system) (of the domains `viewer` may view),
    in one query."""
    newest = (QualityScore.objects.filter(scope=OuterRef("scope"), domain=OuterRef("domain"), system=OuterRef("system"))
              .order_by("-taken_at").values("taken_at")[:1])
    latest: dict[tuple[str, str, str], QualityScore] = {}
    for score in (QualityScore.objects.filter(domain__in=_domains(viewer), taken_at=Subquery(newest))
                  .order_by("id")):
        latest[(score.scope, score.domain, score.system)] = score  # the last written of a snapshot
    return sorted(latest.values(), key=lambda s: (s.domain, s.scope, s.system))


def score_history(limit: int = 30) -> dict[tuple[str, str], list[QualityScore]]:
    """(domain, system or '') -> snapshots, oldest first, the last `limit` of each."""
    history: dict[tuple[str, str], list[QualityScore]] = defaultdict(list)
    taken = list(QualityScore.objects.order_by("-taken_at").values_list("taken_at", flat=True).distinct()[:limit])
    for score in QualityScore.objects.filter(taken_at__in=taken).order_by("taken_at", "id"):
        history[(score.domain, score.system)].append(score)
    return dict(history)


@read_once
def live_golden_scores(viewer=None) -> dict[str, tuple[int, int]]:
    """domain -> (live golden records, passing), over every record or those `viewer` may see."""
    if viewer is None:
        return {domain: golden_score(domain) for domain in Domain.values}
    return {domain: golden_score(domain, golden_records_visible_to(viewer, domain)) for domain in _domains(viewer)}


def figures(viewer=None) -> list[Figure]:
    """The figures /metrics exposes (and the dashboard section shows); for a dashboard `viewer`,
    over what they may see."""
    by_rule = Figure("concord_quality_open_violations", "Open data-quality violations by domain, rule and severity.",
                     samples=[({"domain": r["domain"], "rule": r["rule__code"], "severity": r["severity"]},
                               float(r["count"])) for r in open_by_rule(viewer)])
    by_age = Figure("concord_quality_open_violations_by_age",
                    "Open data-quality violations by age bucket and owner (a username, or 'stewards').",
                    samples=[({"age": age, "owner": owner}, float(count))
                             for (age, owner), count in sorted(open_by_age_and_owner(viewer=viewer).items())])
    golden = Figure("concord_quality_score", "Share of live golden records without an open violation.",
                    samples=[({"domain": domain}, passing / total if total else 1.0)
                             for domain, (total, passing) in live_golden_scores(viewer).items()])
    systems = Figure("concord_quality_source_score",
                     "Share of a system's source records passing every rule (latest quality check).",
                     samples=[({"domain": s.domain, "system": s.system}, s.score)
                              for s in latest_scores(viewer) if s.scope == ScoreScope.SYSTEM])
    times = resolution_times(viewer)
    resolution = Figure("concord_quality_resolution_seconds_mean",
                        "Mean time from a violation opening to its resolution or waiver, in seconds.",
                        samples=[({"domain": domain}, mean) for domain, (_, mean) in sorted(times.items())])
    closed = Figure("concord_quality_violations_closed", "Violations closed (resolved or waived) so far.",
                    kind="counter", samples=[({"domain": domain}, float(count))
                                             for domain, (count, _) in sorted(times.items())])
    return [by_rule, by_age, golden, systems, resolution, closed]


def dashboard_context(request) -> dict:
    """The dashboard section, over what the viewing user may see."""
    viewer = dashboard_viewer(request)
    by_age = open_by_age_and_owner(viewer=viewer)
    owners = sorted({owner for _, owner in by_age})
    return {
        "quality_scores": [(domain, total, passing, passing / total if total else 1.0)
                           for domain, (total, passing) in live_golden_scores(viewer).items()],
        "quality_source_scores": [s for s in latest_scores(viewer) if s.scope == ScoreScope.SYSTEM],
        "quality_age_rows": [(owner, [by_age.get((age, owner), 0) for age, _ in AGE_BUCKETS]) for owner in owners],
        "quality_age_labels": [AGE_LABELS[age] for age, _ in AGE_BUCKETS],
        "quality_resolution": sorted(resolution_times(viewer).items()),
    }
