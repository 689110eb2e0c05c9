"""Stewardship and matching KPIs, as registry Figures over a rolling day: auto-match rate,
exception resolution time, steward throughput, and the open exceptions by age and owner.

Charted ones (`chart=True`) are snapshotted every 15 minutes into the KPI time series.
What the queries rely on (docs/operations.md): auto-links come from the cross-reference history
(`history_date` is indexed); review candidates, decisions and resolutions filter on the indexed
`status` of match candidates, change requests and quarantined records.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from matching.models import CandidateStatus, MatchCandidate
from mdm.choices import QuarantineStatus
from mdm.models import CrossReference, QuarantinedRecord
from mdm.permissions import restrict
from operations.registry import Figure
from stewardship.models import ChangeRequest, ChangeStatus

WINDOW = timedelta(hours=24)
# How a cross-reference was made when no matching rule linked it automatically: a new golden
# record, the record finding itself on a re-match, or a steward's hand.
NOT_AUTOMATIC = ("new", "itself", "steward decision", "steward merge", "steward unmerge")
DECIDED = (CandidateStatus.ACCEPTED, CandidateStatus.REJECTED)
RESOLVED = (QuarantineStatus.REPLAYED, QuarantineStatus.DISCARDED)
# Age buckets of open exceptions: (label, older than), youngest first.
AGE_BUCKETS = (("under_1d", timedelta(0)), ("1d_to_3d", timedelta(days=1)), ("3d_to_7d", timedelta(days=3)),
               ("over_7d", timedelta(days=7)))


def _seen(queryset, viewer):
    """Every row for /metrics; for a viewer, the rows about golden records they may see."""
    return queryset if viewer is None else restrict(queryset, viewer)


def auto_match_figures(now: datetime, viewer=None) -> list[Figure]:
    """Of the source records the matcher placed on an existing golden record or sent to a steward in
    the last day: how many it linked on its own."""
    since = now - WINDOW
    auto = dict(_seen(CrossReference.history.filter(history_type="+", history_date__gte=since), viewer)
                .exclude(linked_by__in=NOT_AUTOMATIC).values("domain").order_by()
                .annotate(n=Count("history_id")).values_list("domain", "n"))
    review = dict(_seen(MatchCandidate.objects.filter(created_at__gte=since), viewer).values("domain").order_by()
                  .annotate(n=Count("id")).values_list("domain", "n"))
    domains = sorted(set(auto) | set(review))
    return [
        Figure("concord_auto_match_rate", "Share of matching outcomes linked automatically rather than sent to "
               "review, over the last 24 hours.", unit="ratio", chart=True,
               samples=[({"domain": d}, auto.get(d, 0) / (auto.get(d, 0) + review.get(d, 0))) for d in domains]),
        Figure("concord_auto_linked_24h", "Source records linked to an existing golden record by a matching rule "
               "in the last 24 hours.", samples=[({"domain": d}, float(auto.get(d, 0))) for d in domains]),
        Figure("concord_sent_to_review_24h", "Match candidates opened for a steward in the last 24 hours.",
               samples=[({"domain": d}, float(review.get(d, 0))) for d in domains]),
    ]


def _mean_seconds(query, start: str, end: str) -> float | None:
    mean = query.aggregate(mean=Avg(ExpressionWrapper(F(end) - F(start), output_field=DurationField())))["mean"]
    return mean.total_seconds() if mean is not None else None


def resolution_figures(now: datetime, viewer=None) -> list[Figure]:
    since = now - WINDOW
    means = {
        "match_review": _mean_seconds(_seen(MatchCandidate.objects.filter(status__in=DECIDED, decided_at__gte=since),
                                            viewer), "created_at", "decided_at"),
        "quarantine": _mean_seconds(_seen(QuarantinedRecord.objects.filter(status__in=RESOLVED,
                                                                           resolved_at__gte=since), viewer),
                                    "created_at", "resolved_at"),
    }
    return [Figure("concord_exception_resolution_seconds", "Mean time from an exception opening to its "
                   "resolution, over those resolved in the last 24 hours.", unit="seconds", chart=True,
                   samples=[({"kind": kind}, mean) for kind, mean in means.items() if mean is not None])]


def throughput_figures(now: datetime, viewer=None) -> list[Figure]:
    """Decisions per steward in the last day: match candidates accepted or rejected, change requests
    approved or rejected, quarantined records replayed or discarded."""
    since = now - WINDOW
    counts: dict[tuple[int, str], int] = defaultdict(int)
    sources = (
        ("match", MatchCandidate.objects.filter(status__in=DECIDED, decided_at__gte=since), "decided_by_id"),
        ("change_request", ChangeRequest.objects.filter(
            status__in=[ChangeStatus.APPROVED, ChangeStatus.REJECTED], decided_at__gte=since), "decided_by_id"),
        ("quarantine", QuarantinedRecord.objects.filter(status__in=RESOLVED, resolved_at__gte=since),
         "resolved_by_id"),
    )
    for kind, query, who in sources:
        for user_id, n in _seen(query, viewer).exclude(**{who: None}).values(who).order_by().annotate(n=Count("id")).values_list(
                who, "n"):
            counts[(user_id, kind)] += n
    names = dict(get_user_model().objects.filter(pk__in={u for u, _ in counts}).values_list("pk", "username"))
    return [Figure("concord_steward_decisions_24h", "Decisions each steward made in the last 24 hours.",
                   unit="count", chart=True,
                   samples=[({"steward": names[u], "kind": kind}, float(n))
                            for (u, kind), n in sorted(counts.items(), key=lambda item: (names[item[0][0]],
                                                                                         item[0][1]))])]


def age_bucket(age: timedelta) -> str:
    label = AGE_BUCKETS[0][0]
    for name, older_than in AGE_BUCKETS:
        if age >= older_than:
            label = name
    return label


def open_exception_figures(now: datetime, viewer=None) -> list[Figure]:
    """Open match candidates (owner: the steward they are assigned to) and open quarantined records
    (nobody owns them until resolved), by age bucket."""
    cut = {name: now - older_than for name, older_than in AGE_BUCKETS}
    counts: dict[tuple[str, str, str], int] = defaultdict(int)

    def buckets(prefix: str = "") -> dict:
        names = [name for name, _ in AGE_BUCKETS]
        result = {}
        for i, name in enumerate(names):
            clause = Q(**{f"{prefix}created_at__lte": cut[name]})
            if i + 1 < len(names):
                clause &= Q(**{f"{prefix}created_at__gt": cut[names[i + 1]]})
            result[name] = Count("id", filter=clause)
        return result

    for row in (_seen(MatchCandidate.objects.filter(status=CandidateStatus.OPEN), viewer).values("assigned_to__username")
                .order_by().annotate(**buckets())):
        for name, _ in AGE_BUCKETS:
            counts[("match_review", name, row["assigned_to__username"] or "unassigned")] += row[name]
    row = _seen(QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN), viewer).aggregate(**buckets())
    for name, _ in AGE_BUCKETS:
        counts[("quarantine", name, "unassigned")] += row[name] or 0
    return [Figure("concord_open_exceptions", "Open exceptions by kind, age and owner.",
                   samples=[({"kind": kind, "age": age, "owner": owner}, float(n))
                            for (kind, age, owner), n in sorted(counts.items()) if n])]


def kpi_figures(viewer=None) -> list[Figure]:
    """Over everything (/metrics), or over what `viewer` may see (the dashboard)."""
    now = timezone.now()
    return [*auto_match_figures(now, viewer), *resolution_figures(now, viewer), *throughput_figures(now, viewer),
            *open_exception_figures(now, viewer)]
