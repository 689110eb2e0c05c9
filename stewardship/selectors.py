"""Reads for the console: the home page's queues and the golden record page. No writes. (Search:
stewardship.search; the golden-record browser: stewardship.golden_browser; queues:
stewardship.queues.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from matching.models import CandidateStatus, LabelRequest, MatchCandidate
from mdm.canonical import REFERENCES, attribute_names
from mdm.choices import GoldenStatus, OutboxStatus, QuarantineStatus
from mdm.lineage import lineage_unpack
from mdm.models import (
    AttributeOverride,
    Contract,
    CrossReference,
    Customer,
    GoldenRecord,
    MergeEvent,
    OutboxMessage,
    Project,
    QuarantinedRecord,
    golden_model,
)
from mdm.permissions import access_of, can, restrict
from mdm.selectors import sources_of
from stewardship.conf import sla_hours
from stewardship.models import ChangeRequest, ChangeStatus


@dataclass
class Queue:
    key: str
    title: str
    url_name: str
    total: int = 0
    by_domain: dict[str, int] = field(default_factory=dict)
    oldest: Any = None
    overdue: int = 0


def _queue(queue: Queue, queryset, time_field: str, deadline) -> Queue:
    for row in queryset.values("domain").annotate(n=Count("id"), oldest=Min(time_field),
                                                    late=Count("id", filter=Q(**{f"{time_field}__lt": deadline}))):
        queue.by_domain[row["domain"]] = queue.by_domain.get(row["domain"], 0) + row["n"]
        queue.total += row["n"]
        queue.overdue += row["late"]
        if queue.oldest is None or row["oldest"] < queue.oldest:
            queue.oldest = row["oldest"]
    return queue


def home_queues(user) -> list[Queue]:
    """What waits for `user`: match review (theirs or unassigned), exceptions, council approvals."""
    deadline = timezone.now() - timedelta(hours=sla_hours())
    candidates = restrict(MatchCandidate.objects.filter(status=CandidateStatus.OPEN), user, "change").filter(
        Q(assigned_to=user) | Q(assigned_to__isnull=True))
    quarantine = restrict(QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN), user, "change")
    dead = restrict(OutboxMessage.objects.filter(status=OutboxStatus.DEAD), user, "change")
    approvals = restrict(ChangeRequest.objects.filter(status=ChangeStatus.PENDING), user, "approve").exclude(
        requested_by=user)
    exceptions = _queue(Queue("exceptions", "Exceptions", "stewardship:exceptions"), quarantine, "created_at", deadline)
    _queue(exceptions, dead, "created_at", deadline)
    questions = restrict(LabelRequest.objects.filter(answer=""), user, "change")
    queues = [
        _queue(Queue("match", "Match review", "stewardship:match_queue"), candidates, "created_at", deadline),
        exceptions,
    ]
    if questions.exists():  # the teach queue is asked for, not owed: it shows when questions wait
        queues.append(_queue(Queue("teach", "Teach the model", "stewardship:teach_queue"), questions, "created_at",
                             deadline))
    if access_of(user).domains("approve"):
        queues.append(_queue(Queue("council", "Council approvals", "stewardship:council"), approvals, "created_at",
                             deadline))
    return queues


def recent_changes(user, limit: int = 12) -> list:
    """The latest steward changes (history rows with a user) to golden records the user may see."""
    rows = []
    for domain in access_of(user).domains("view"):
        model = golden_model(domain)
        visible = restrict(model.objects.all(), user, "view").values("pk")
        rows += list(model.history.filter(history_user__isnull=False, id__in=visible)
                     .select_related("history_user").order_by("-history_date")[:limit])
    return sorted(rows, key=lambda row: row.history_date, reverse=True)[:limit]


@dataclass
class AttributeRow:
    name: str
    value: Any
    lineage: dict[str, Any]
    sources: list[tuple[Any, Any, bool]]  # (cross-reference, its value, is the winner)
    override: AttributeOverride | None
    conflict: bool
    is_reference: bool = False
    out_of_scope: bool = False  # a reference to a record the viewer may not open


def golden_attribute_rows(record: GoldenRecord, xrefs: list[CrossReference],
                          overrides: dict[str, AttributeOverride]) -> list[AttributeRow]:
    """Per attribute: the golden value, the lineage that chose it, and every source's value."""
    from mdm.services.golden import golden_values

    values = golden_values(record)
    entries = lineage_unpack(record.lineage)
    references = {golden: (ref, target) for ref, golden, target in REFERENCES[record.domain]}
    resolved = _references_resolved(record.domain, xrefs)
    rows = []
    for name in attribute_names(record.domain):
        lineage = entries.get(name, {})
        sources = []
        for xref in xrefs:
            canonical = xref.source_record.canonical
            if name in references:
                # A source names a related record by its own id: show the golden record it resolves to.
                raw = canonical.get(references[name][0])
                value = resolved.get((xref.source_record.system_id, references[name][1], raw)) if raw else None
                value = value or (f"{raw} (not linked)" if raw else None)
            else:
                value = canonical.get(name)
            winner = lineage.get("source_record_id") == xref.source_record_id
            sources.append((xref, value, winner))
        distinct = {str(v).casefold() for _x, v, _w in sources if v not in (None, "")}
        rows.append(AttributeRow(name=name, value=values.get(name), lineage=lineage, sources=sources,
                                 override=overrides.get(name), conflict=len(distinct) > 1,
                                 is_reference=name in references))
    return rows


def _references_resolved(domain: str, xrefs: list[CrossReference]) -> dict[tuple[int, str, str], str]:
    """(system id, target domain, source id) -> golden id, for the references the sources make."""
    wanted: dict[tuple[int, str], set[str]] = {}
    for xref in xrefs:
        for ref, _golden, target in REFERENCES[domain]:
            raw = xref.source_record.canonical.get(ref)
            if raw:
                wanted.setdefault((xref.source_record.system_id, target), set()).add(str(raw))
    found = {}
    for (system_id, target), source_ids in wanted.items():
        for source_id, golden_id in CrossReference.objects.filter(
                domain=target, source_record__system_id=system_id,
                source_record__source_id__in=source_ids).values_list("source_record__source_id", "golden_id"):
            found[(system_id, target, source_id)] = golden_id
    return found


def _related_one(user, record: GoldenRecord | None) -> tuple[GoldenRecord | None, bool]:
    """(the related record, or None when there is none or it is out of the user's scope; out of scope?)"""
    if record is None or can(user, "view", record.domain, record):
        return record, False
    return None, True


def _related_many(user, queryset, limit: int = 100) -> tuple[list[GoldenRecord], int]:
    """(the related records the user may see, how many others are out of the user's scope)"""
    visible = restrict(queryset, user, "view")
    return list(visible[:limit]), queryset.count() - visible.count()


def _relations(user, record: GoldenRecord) -> dict[str, Any]:
    """The records related to this one. Its own contracts and projects are part of its page; other
    customers (parent, children) and the customer or contract it belongs to are named only when
    they are in the user's scope, else only counted (`<name>_hidden`)."""
    if isinstance(record, Customer):
        return {"contracts": list(record.contracts.all()[:100]), "projects": list(record.projects.all()[:100]),
                **_scoped("parent", _related_one(user, record.parent)),
                **_scoped("children", _related_many(user, record.children.filter(record_status=GoldenStatus.ACTIVE)))}
    if isinstance(record, Contract):
        return {"projects": list(record.projects.all()[:100]), **_scoped("customer", _related_one(user, record.customer))}
    if isinstance(record, Project):
        return {**_scoped("customer", _related_one(user, record.customer)),
                **_scoped("contract", _related_one(user, record.contract))}
    return {}


def _scoped(name: str, related: tuple[Any, Any]) -> dict[str, Any]:
    shown, hidden = related
    return {name: shown, f"{name}_hidden": hidden}


def golden_page(record: GoldenRecord, user) -> dict[str, Any]:
    """What the golden record page shows `user` (who may view the record itself)."""
    xrefs = list(sources_of(record.id))
    overrides = {o.attribute: o for o in AttributeOverride.objects.filter(golden_id=record.id, is_active=True)
                 .select_related("created_by")}
    relations = _relations(user, record)
    rows = golden_attribute_rows(record, xrefs, overrides)
    for row in rows:
        row.out_of_scope = row.is_reference and relations.get(f"{row.name}_hidden", False)
    return {
        "xrefs": xrefs,
        "rows": rows,
        "overrides": list(overrides.values()),
        "merged_here": list(MergeEvent.objects.filter(survivor_id=record.id, undone_at__isnull=True)
                            .select_related("acting_user")),
        "merge_event": MergeEvent.objects.filter(merged_id=record.id, undone_at__isnull=True).first(),
        "requests": list(ChangeRequest.objects.filter(golden_id=record.id).select_related("requested_by",
                                                                                         "decided_by")[:20]),
        **relations,
    }


def visible_examples(user, domain: str, result: dict) -> dict:
    """A rule preview's first ten merges and splits whose golden records the user may see."""
    ids = {e[k] for e in result.get("merge_examples", []) for k in ("survivor", "merged")}
    ids |= {e["golden_id"] for e in result.get("split_examples", [])}
    visible = set(restrict(golden_model(domain).objects.filter(pk__in=ids), user, "view").values_list("pk", flat=True))
    merges = [e for e in result.get("merge_examples", []) if e["survivor"] in visible and e["merged"] in visible]
    splits = [e for e in result.get("split_examples", []) if e["golden_id"] in visible]
    return {"merges": merges[:10], "splits": splits[:10]}
