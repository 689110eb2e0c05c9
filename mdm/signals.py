"""What the hub tells the rest of the house, without knowing who listens.

`golden_records_changed` is sent inside the transaction that created or changed golden records
(ingestion, merge, unmerge, overrides — everything ends in `golden_records_recompute`). Receivers
(data-quality rules, orchestration) must work in bulk: one send can carry a whole import batch.
"""

from django.dispatch import Signal

# kwargs: domain (str), created (list[str] golden ids), changed (list[str] golden ids),
#         records (list[GoldenRecord], the saved instances of created + changed),
#         values (dict golden id -> golden_values(record), already worked out for these records)
golden_records_changed = Signal()
