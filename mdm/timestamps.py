"""One reading of the timestamps systems send: ISO 8601 with `Z`, an offset (`+00:00` or `+0000`),
a space or a `T` between date and time, up to seven digits of fractions — and without an offset,
UTC. Connectors, watermarks, invoices and the operations dashboard read moments through it;
ingestion's strict standardizer (mdm.standardize.timestamp) too, adding its reasons for refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def moment(value: str | datetime) -> datetime:
    """An aware datetime; ValueError for text that is not an ISO 8601 moment."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def moment_or_none(value: Any) -> datetime | None:
    """The moment `value` names, or None for a blank, a non-string or text that names none (a
    system's field read leniently: a bad stamp is no stamp, not a failed page)."""
    if isinstance(value, datetime):
        return moment(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return moment(value)
    except ValueError:
        return None
