"""Console settings, read from Django settings with defaults (the lead owns config/)."""

import os

from django.conf import settings


def sla_hours() -> int:
    """Service-level target for a waiting task, in hours (CONCORD_STEWARD_SLA_HOURS, default 48)."""
    return int(getattr(settings, "CONCORD_STEWARD_SLA_HOURS", os.environ.get("CONCORD_STEWARD_SLA_HOURS", 48)))
