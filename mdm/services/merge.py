"""Merge two golden records into one, and undo it.

The survivor keeps its id; the merged record stays readable (status "merged", `merged_into`) so
its id never dangles. Unmerge moves back exactly the cross-references and relationships the merge
moved, so the original ids and references return; history shows both steps.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from mdm.choices import GoldenStatus
from mdm.matchers import current_matcher
from mdm.models import Contract, CrossReference, Customer, MergeEvent, Project, domain_of_golden_id, golden_model
from mdm.services.golden import golden_records_recompute

# Which relationship fields point at each domain: (model, field).
_POINTERS = {
    "customer": [(Customer, "parent"), (Contract, "customer"), (Project, "customer")],
    "contract": [(Project, "contract")],
    "project": [],
}


@transaction.atomic
def golden_record_merge(*, survivor_id: str, merged_id: str, acting_user, reason: str,
                        linked_by: str = "steward merge") -> MergeEvent:
    """`linked_by`: who joined them, as the moved cross-references will say (a steward, or a
    re-match: records a steward joined are never parted by a later re-match)."""
    if not reason.strip():
        raise ValidationError({"reason": ["say why these records are the same"]})
    if survivor_id == merged_id:
        raise ValidationError({"merged_id": ["a golden record cannot be merged into itself"]})
    domain = domain_of_golden_id(survivor_id)
    if domain_of_golden_id(merged_id) != domain:
        raise ValidationError({"merged_id": ["both golden records must be of the same domain"]})
    model = golden_model(domain)
    records = {r.id: r for r in model.objects.select_for_update().filter(pk__in=[survivor_id, merged_id])}
    for golden_id in (survivor_id, merged_id):
        if golden_id not in records:
            raise ValidationError({"golden_id": [f"no golden record {golden_id}"]})
        if records[golden_id].record_status != GoldenStatus.ACTIVE:
            raise ValidationError({"golden_id": [f"{golden_id} is {records[golden_id].record_status}, not active"]})
    survivor, merged = records[survivor_id], records[merged_id]

    xrefs = list(CrossReference.objects.filter(golden_id=merged_id))
    for xref in xrefs:
        xref.golden_id = survivor_id
        xref.linked_by = linked_by
    bulk_update_with_history(xrefs, CrossReference, ["golden_id", "linked_by"], default_user=acting_user,
                             default_change_reason=f"merged {merged_id} into {survivor_id}: {reason}")
    repointed: dict[str, list] = {}
    for related, field in _POINTERS[domain]:
        rows = list(related.objects.filter(**{f"{field}_id": merged_id}).exclude(pk=survivor_id))
        for row in rows:
            setattr(row, f"{field}_id", survivor_id)
            row.revision += 1
        if rows:
            bulk_update_with_history(rows, related, [field, "revision"], default_user=acting_user,
                                     default_change_reason=f"re-pointed: {merged_id} merged into {survivor_id}")
            repointed[f"{related.domain}.{field}"] = [row.pk for row in rows]
            _reindex(related.domain, [row.pk for row in rows])

    merged.record_status, merged.merged_into = GoldenStatus.MERGED, survivor_id
    merged.revision += 1
    merged._change_reason = f"merged into {survivor_id}: {reason}"
    merged.save()
    _reindex(domain, [merged_id])  # a merged record is no one's match candidate any more
    event = MergeEvent.objects.create(domain=domain, survivor_id=survivor_id, merged_id=merged_id,
                                      moved_xrefs=[x.id for x in xrefs], repointed=repointed, reason=reason,
                                      acting_user=acting_user)
    golden_records_recompute(domain, [survivor.id], acting_user=acting_user, force=True,
                             reason=f"merged {merged_id} into {survivor_id}: {reason}")
    merged_hook = getattr(current_matcher(), "golden_merged", None)
    if merged_hook is not None:  # e.g. the records that follow a customer are matched again
        merged_hook(domain, survivor_id, acting_user=acting_user)
    return event


@transaction.atomic
def golden_record_unmerge(*, merged_id: str, acting_user, reason: str) -> MergeEvent:
    if not reason.strip():
        raise ValidationError({"reason": ["say why the merge was wrong"]})
    event = (MergeEvent.objects.select_for_update().filter(merged_id=merged_id, undone_at__isnull=True)
             .order_by("-created_at", "-id").first())
    if event is None:
        raise ValidationError({"merged_id": [f"{merged_id} is not merged into another golden record"]})
    domain, survivor_id = event.domain, event.survivor_id
    model = golden_model(domain)
    merged = model.objects.select_for_update().get(pk=merged_id)

    xrefs = list(CrossReference.objects.filter(pk__in=event.moved_xrefs, golden_id=survivor_id))
    for xref in xrefs:
        xref.golden_id = merged_id
        xref.linked_by = "steward unmerge"
    bulk_update_with_history(xrefs, CrossReference, ["golden_id", "linked_by"], default_user=acting_user,
                             default_change_reason=f"unmerged {merged_id} from {survivor_id}: {reason}")
    models_by_key = {f"{related.domain}.{field}": (related, field) for related, field in _POINTERS[domain]}
    for key, ids in event.repointed.items():
        related, field = models_by_key[key]
        # Only rows still pointing at the survivor go back: a later steward change stands.
        rows = list(related.objects.filter(pk__in=ids, **{f"{field}_id": survivor_id}))
        for row in rows:
            setattr(row, f"{field}_id", merged_id)
            row.revision += 1
        if rows:
            bulk_update_with_history(rows, related, [field, "revision"], default_user=acting_user,
                                     default_change_reason=f"restored: {merged_id} unmerged from {survivor_id}")
            _reindex(related.domain, [row.pk for row in rows])

    merged.record_status, merged.merged_into = GoldenStatus.ACTIVE, ""
    merged.revision += 1
    merged._change_reason = f"unmerged from {survivor_id}: {reason}"
    merged.save()
    event.undone_at, event.undone_by, event.undo_reason = timezone.now(), acting_user, reason
    event.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    golden_records_recompute(domain, [survivor_id], acting_user=acting_user, force=True,
                             reason=f"unmerged {merged_id} from {survivor_id}: {reason}")
    golden_records_recompute(domain, [merged_id], acting_user=acting_user,
                             reason=f"unmerged {merged_id} from {survivor_id}: {reason}")
    _reindex(domain, [merged_id])  # a candidate again, even where recomputing changed nothing
    return event


def _reindex(domain: str, golden_ids: list[str]) -> None:
    """Tell the matcher of golden records changed here outside survivorship (status, re-pointed
    references), so its index holds their current values, and none for a merged record."""
    current_matcher().golden_changed(domain, golden_ids)
