"""Move source records between golden records: what a re-match does when it finds that a golden
record holds two things (a split) or that part of one belongs with another.

Whole golden records that join another go through golden_record_merge (their ids then point at
the survivor); this moves single cross-references, with history, creating golden records where a
group of source records needs one of its own, and re-applies survivorship to every record touched.
"""

from __future__ import annotations

from django.db import transaction

from mdm.db.bulk import insert_history, update_objects
from mdm.models import CrossReference, golden_model
from mdm.services.golden import golden_records_recompute
from mdm.services.ingest import unused_golden_ids


@transaction.atomic
def source_records_relink(*, domain: str, moves: dict[int, str], acting_user, reason: str,
                          linked_by: str = "re-match") -> dict[str, str]:
    """Link each source record (by id) to its target: a golden id, or a group name starting with
    "new:" that source records moving together into a new golden record share. Returns the new
    golden id given to each group."""
    model = golden_model(domain)
    groups = sorted({target for target in moves.values() if target.startswith("new:")})
    new_ids = dict(zip(groups, unused_golden_ids(model, len(groups)), strict=True))
    xrefs = list(CrossReference.objects.select_for_update().filter(source_record_id__any=set(moves))
                 .order_by("pk"))
    touched: dict[str, None] = {}
    changed = []
    for xref in xrefs:
        target = new_ids.get(moves[xref.source_record_id], moves[xref.source_record_id])
        if target == xref.golden_id:
            continue
        touched[xref.golden_id] = None
        touched[target] = None
        xref.golden_id, xref.linked_by = target, linked_by
        changed.append(xref)
    # Written as ingestion writes, through the one door for bulk writes (mdm.db.bulk) rather than
    # bulk_update's CASE WHEN over every row (docs/benchmarks.md, "Initial loads at enterprise size").
    update_objects(changed, ["golden_id", "linked_by"], model=CrossReference)
    insert_history(CrossReference, changed, user=acting_user, reason=reason, history_type="~")
    created = set(new_ids.values())
    golden_records_recompute(domain, list(touched), new_records={g: model(id=g) for g in created},
                             acting_user=acting_user, reason=reason, force=True)
    return new_ids
