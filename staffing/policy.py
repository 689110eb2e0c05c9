"""Where staffing changes go, from config/staffing.toml (versioned with the code)."""

from __future__ import annotations

import tomllib
from functools import cache

from django.conf import settings


@cache
def staffing_policy() -> dict:
    with open(settings.CONCORD_STAFFING_POLICY_FILE, "rb") as handle:
        policy = tomllib.load(handle)
    policy.setdefault("psa", "tryton")
    policy.setdefault("weeks", 8)
    policy.setdefault("team_to", [])
    timesheets = policy.setdefault("timesheets", {})
    timesheets.setdefault("grace_days", 2)
    timesheets.setdefault("weeks_back", 8)
    timesheets.setdefault("billing_to", "")
    policy.setdefault("margins", {}).setdefault("floors", {"default": 0.25})
    return policy
