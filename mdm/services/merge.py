"""Merge two golden records into one, and undo it.

The survivor keeps its id; the merged record stays readable (status "merged", `merged_into`) so
its id never dangles. Merges chain: X merged into Y, then Y into Z, leaves X → Y → Z, and X's
source records at Z, the head of the chain.

Unmerge gives a record back what it held when it was merged, wherever that lives now: the
cross-references its merge moved and the related records it re-pointed, taken from the head of
its survivor's chain. What a later unmerge already took back (a record merged into X before X was
merged, and unmerged since) stays where it went, and a later steward change stands. So at every
moment each active golden record holds exactly its own source records and those of the records
merged into it, directly or down a chain; history shows every step.

Every path locks the golden records it touches first, in one order (mdm.services.locks).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from mdm.choices import GoldenStatus
from mdm.matchers import current_matcher
from mdm.models import Contract, CrossReference, Customer, MergeEvent, Project, domain_of_golden_id, golden_model
from mdm.services.golden import golden_records_recompute
from mdm.services.locks import ConcurrentChange, golden_records_lock, steward_change

# Which relationship fields point at each domain: (model, field).
_POINTERS = {
    "customer": [(Customer, "parent"), (Contract, "customer"), (Project, "customer")],
    "contract": [(Project, "contract")],
    "project": [],
    "resource": [],
}
_ATTEMPTS = 3  # to lock what an unmerge touches while concurrent merges keep extending the chain


@steward_change
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
    # Child customers the merge re-points are golden records of this domain too: locked in the same order.
    records = golden_records_lock(domain, [survivor_id, merged_id, *_pointing_here(domain, merged_id)])
    for golden_id in (survivor_id, merged_id):
        if golden_id not in records:
            raise ValidationError({"golden_id": [f"no golden record {golden_id}"]})
        if records[golden_id].record_status != GoldenStatus.ACTIVE:
            raise ValidationError({"golden_id": [f"{golden_id} is {records[golden_id].record_status}, not active"]})
    merged = records[merged_id]

    xrefs = list(CrossReference.objects.filter(golden_id=merged_id).order_by("pk"))
    _xrefs_move(xrefs, survivor_id, linked_by, acting_user, f"merged {merged_id} into {survivor_id}: {reason}")
    repointed: dict[str, list] = {}
    for related, field in _POINTERS[domain]:
        rows = _locked(related.objects.filter(**{f"{field}_id": merged_id}).exclude(pk=survivor_id))
        if rows:
            _repoint(related, field, rows, survivor_id, acting_user,
                     f"re-pointed: {merged_id} merged into {survivor_id}")
            repointed[f"{related.domain}.{field}"] = [row.pk for row in rows]

    merged.record_status, merged.merged_into = GoldenStatus.MERGED, survivor_id
    merged.revision += 1
    merged._change_reason = f"merged into {survivor_id}: {reason}"
    merged._history_user = acting_user
    merged.save()
    _reindex(domain, [merged_id])  # a merged record is no one's match candidate any more
    event = MergeEvent.objects.create(domain=domain, survivor_id=survivor_id, merged_id=merged_id,
                                      moved_xrefs=[x.id for x in xrefs], repointed=repointed, reason=reason,
                                      acting_user=acting_user)
    golden_records_recompute(domain, [survivor_id], acting_user=acting_user, force=True,
                             reason=f"merged {merged_id} into {survivor_id}: {reason}")
    merged_hook = getattr(current_matcher(), "golden_merged", None)
    if merged_hook is not None:  # e.g. the records that follow a customer are matched again
        merged_hook(domain, survivor_id, acting_user=acting_user)
    return event


@steward_change
def golden_record_unmerge(*, merged_id: str, acting_user, reason: str) -> MergeEvent:
    """Undo the merge of `merged_id`: it is active again with what it held when it was merged
    (see the module's docstring), taken back from the head of its survivor's chain. Refused with
    a reason when none of that is there to give back."""
    if not reason.strip():
        raise ValidationError({"reason": ["say why the merge was wrong"]})
    domain = domain_of_golden_id(merged_id)
    event, head, merged = _unmerge_locked(domain, merged_id)
    survivor_id = event.survivor_id
    xrefs = list(CrossReference.objects.filter(pk__in=event.moved_xrefs, golden_id=head).order_by("pk"))
    if event.moved_xrefs and not xrefs:
        raise ValidationError({"merged_id": [
            f"none of the source records {merged_id} held when it was merged are in {head} any more: "
            "there is nothing to give back, so it stays merged"]})
    where = survivor_id if head == survivor_id else f"{survivor_id} (now in {head})"
    _xrefs_move(xrefs, merged_id, "steward unmerge", acting_user, f"unmerged {merged_id} from {where}: {reason}")
    models_by_key = {f"{related.domain}.{field}": (related, field) for related, field in _POINTERS[domain]}
    for key, ids in event.repointed.items():
        related, field = models_by_key[key]
        # Only rows still pointing where the merge sent them go back: a later steward change stands.
        rows = _locked(related.objects.filter(pk__in=ids, **{f"{field}_id": head}))
        if rows:
            _repoint(related, field, rows, merged_id, acting_user, f"restored: {merged_id} unmerged from {where}")

    merged.record_status, merged.merged_into = GoldenStatus.ACTIVE, ""
    merged.revision += 1
    merged._change_reason = f"unmerged from {where}: {reason}"
    merged._history_user = acting_user
    merged.save()
    event.undone_at, event.undone_by, event.undo_reason = timezone.now(), acting_user, reason
    event.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    golden_records_recompute(domain, [head], acting_user=acting_user, force=True,
                             reason=f"unmerged {merged_id} from {where}: {reason}")
    golden_records_recompute(domain, [merged_id], acting_user=acting_user, reason=f"unmerged from {where}: {reason}")
    _reindex(domain, [merged_id])  # a candidate again, even where recomputing changed nothing
    return event


def _unmerge_locked(domain: str, merged_id: str):
    """The merge to undo, the head of its survivor's chain and the merged record, with every
    golden record on the way locked in one order. A merge committed while waiting for the locks
    may have lengthened the chain: then the new head is locked too, a few times at most."""
    locked: dict = {}
    for _attempt in range(_ATTEMPTS):
        event = _open_merge(merged_id)
        chain = _chain_from(domain, event.survivor_id)
        children = [pk for key, pks in event.repointed.items() if key.startswith(f"{domain}.") for pk in pks]
        locked.update(golden_records_lock(domain, {merged_id, *chain, *children}))
        event = _open_merge(merged_id, lock=True)  # as it is now that the records are held
        chain = _chain_from(domain, event.survivor_id)
        if set(chain) <= locked.keys():
            return event, chain[-1], locked[merged_id]
    raise ConcurrentChange(f"{merged_id}'s survivor kept being merged while it was unmerged; nothing was changed: "
                           "try again")


def _open_merge(merged_id: str, *, lock: bool = False) -> MergeEvent:
    query = MergeEvent.objects.filter(merged_id=merged_id, undone_at__isnull=True).order_by("-created_at", "-id")
    event = (query.select_for_update() if lock else query).first()
    if event is None:
        raise ValidationError({"merged_id": [f"{merged_id} is not merged into another golden record"]})
    return event


def _chain_from(domain: str, golden_id: str) -> list[str]:
    """`golden_id` and the records it was merged into, one after the other, up to the head: the
    first that is not merged (Y, Z for Y merged into Z)."""
    model = golden_model(domain)
    chain = [golden_id]
    while True:
        status, merged_into = model.objects.filter(pk=chain[-1]).values_list("record_status", "merged_into").first()
        if status != GoldenStatus.MERGED or not merged_into or merged_into in chain:
            return chain
        chain.append(merged_into)


def _pointing_here(domain: str, golden_id: str) -> list[str]:
    """Golden records of the same domain that point at `golden_id` (a customer's children)."""
    return [pk for related, field in _POINTERS[domain] if related.domain == domain
            for pk in related.objects.filter(**{f"{field}_id": golden_id}).values_list("pk", flat=True)]


def _locked(query) -> list:
    """Related golden records, locked in primary-key order before they are re-pointed."""
    return list(query.order_by("pk").select_for_update(no_key=True))


def _xrefs_move(xrefs: list[CrossReference], golden_id: str, linked_by: str, acting_user, reason: str) -> None:
    for xref in xrefs:
        xref.golden_id = golden_id
        xref.linked_by = linked_by
    bulk_update_with_history(xrefs, CrossReference, ["golden_id", "linked_by"], default_user=acting_user,
                             default_change_reason=reason)


def _repoint(related, field: str, rows: list, golden_id: str, acting_user, reason: str) -> None:
    for row in rows:
        setattr(row, f"{field}_id", golden_id)
        row.revision += 1
    bulk_update_with_history(rows, related, [field, "revision"], default_user=acting_user,
                             default_change_reason=reason)
    _reindex(related.domain, [row.pk for row in rows])


def _reindex(domain: str, golden_ids: list[str]) -> None:
    """Tell the matcher of golden records changed here outside survivorship (status, re-pointed
    references), so its index holds their current values, and none for a merged record."""
    current_matcher().golden_changed(domain, golden_ids)
