"""The hub's named bulk writers: what ingestion, survivorship and the outbox write, by name.

Each writer takes rows as the model names them ({attname: value}, or model instances) and writes
them through the bulk writers (mdm.db.bulk): the columns come from the model's fields, so a new
field needs no change here and no caller counts positions. Other apps write their own tables the
same way through `rows_write` (matching's blocking keys, quality's violations).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db import models

from mdm.db.bulk import insert_history, insert_objects, new_rows, rows_write, update_objects
from mdm.models import CrossReference, OutboxMessage, OutboxPayload, SourceRecord, SourceRecordVersion

# The columns a newer version of a source record replaces.
SOURCE_RECORD_VERSION_FIELDS = ["payload", "canonical", "source_updated_at", "source_version", "content_hash",
                                "received_at", "is_deleted", "correlation_id"]


def source_records_write(values: Sequence[dict[str, Any]], *, ids: Sequence[int] | None = None
                         ) -> list[SimpleNamespace]:
    """New source records; returns them as plain rows carrying their ids (`ids`: drawn ahead by
    reserve_ids, else read back)."""
    rows = new_rows(SourceRecord, values, ids=ids)
    insert_objects(rows, model=SourceRecord)
    return rows


def source_records_update(records: Sequence[Any]) -> None:
    """The new version of each held source record (its SOURCE_RECORD_VERSION_FIELDS)."""
    update_objects(records, SOURCE_RECORD_VERSION_FIELDS, model=SourceRecord)


def source_record_versions_write(versions: Sequence[SourceRecordVersion]) -> None:
    """History of source records; a version already kept (a re-delivery) is skipped."""
    insert_objects(versions, model=SourceRecordVersion, on_conflict_ignore=True)


def cross_references_write(values: Sequence[dict[str, Any]], *, acting_user, reason: str,
                           ids: Sequence[int] | None = None) -> None:
    """New cross-references, with their history rows."""
    rows = new_rows(CrossReference, values, ids=ids)
    insert_objects(rows, model=CrossReference)
    insert_history(CrossReference, rows, user=acting_user, reason=reason)


def golden_records_write(model: type[models.Model], records: Sequence[Any], *, acting_user, reason: str,
                         when: datetime) -> None:
    """New golden records (unsaved instances), with their history rows."""
    insert_objects(records)
    insert_history(model, records, user=acting_user, reason=reason, when=when)


def golden_records_update(model: type[models.Model], records: Sequence[Any], fields: Sequence[str], *,
                          acting_user, reason: str, when: datetime) -> None:
    """`fields` of saved golden records, with their history rows."""
    update_objects(records, fields, model=model)
    insert_history(model, records, user=acting_user, reason=reason, when=when, history_type="~")


def outbox_payloads_write(values: Sequence[dict[str, Any]], *, skip_existing: bool = False) -> None:
    """Outbound documents, one per golden revision; `skip_existing`: a revision written already."""
    rows_write(OutboxPayload, values, skip_existing=skip_existing)


def outbox_messages_write(values: Sequence[dict[str, Any]], *, skip_existing: bool = False) -> None:
    """Outbound messages; `skip_existing`: a message whose idempotency key is held is left out."""
    rows_write(OutboxMessage, values, skip_existing=skip_existing)
