"""The golden-record policy file (config/policy.toml): systems, sync-back, survivorship, roles.

The file is versioned with the code; the database holds the working copy that the admin edits.
`policy_load` adds what is missing and, with reset=True, makes the database match the file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from mdm.choices import Domain
from mdm.survivorship import RULES, Rule

# Roles are groups; their model permissions say which domains they may read or change.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "steward": ["view", "change"],
    "council": ["view", "change", "approve"],
    "integration": ["view", "add", "change"],
    "auditor": ["view"],
}


def read_policy(path: Path | None = None) -> dict[str, Any]:
    path = path or settings.CONCORD_POLICY_FILE
    with open(path, "rb") as handle:
        policy = tomllib.load(handle)
    for domain, section in policy.get("survivorship", {}).items():
        if domain not in Domain.values:
            raise ValueError(f"{path}: unknown domain {domain!r} in [survivorship]")
        for attribute, rule in [("*", section), *section.get("attributes", {}).items()]:
            if rule.get("rule", "trust") not in RULES:
                raise ValueError(f"{path}: {domain}.{attribute}: unknown rule {rule.get('rule')!r}")
    _governance_checked(path, policy.get("governance", {}))
    return policy


GOVERNANCE_LEVELS = ("council", "steward")


def _governance_checked(path: Path, section: dict[str, Any]) -> None:
    for change, rule in section.items():
        for domain, level in (rule.items() if isinstance(rule, dict) else [("*", rule)]):
            if domain != "*" and domain not in Domain.values:
                raise ValueError(f"{path}: [governance] {change}: unknown domain {domain!r}")
            if level not in GOVERNANCE_LEVELS:
                raise ValueError(f"{path}: [governance] {change}: {level!r} is not one of {', '.join(GOVERNANCE_LEVELS)}")


def governance_of(change: str, domain: str) -> str:
    """Who applies `change` in `domain` by the policy file's [governance]: "council" (the
    default, also for a change the file does not name) or "steward"."""
    rule = read_policy().get("governance", {}).get(change, "council")
    return rule.get(domain, "council") if isinstance(rule, dict) else rule


@transaction.atomic
def policy_load(*, path: Path | None = None, reset: bool = False, systems: Collection[str] = ()) -> dict[str, int]:
    """Write the policy file into the database. Returns counts of rows created and updated.
    `systems`: systems to add although they wait to be connected (see `system_wanted`)."""
    from mdm.models import SourceSystem, SurvivorshipRule

    policy = read_policy(path)
    version = int(policy.get("version", 0))
    counts = {"systems": 0, "rules": 0, "updated": 0}
    for name, spec in policy.get("systems", {}).items():
        if not system_wanted(name, spec, systems):
            continue
        defaults = {"display_name": spec.get("display_name", name), "kind": spec["kind"],
                    "sync_back_domains": list(spec.get("sync_back", []))}
        if reset:
            _, created = SourceSystem.objects.update_or_create(name=name, defaults=defaults)
        else:
            _, created = SourceSystem.objects.get_or_create(name=name, defaults=defaults)
        counts["systems" if created else "updated"] += created or reset
    for domain, section in policy.get("survivorship", {}).items():
        default_order = list(section.get("trust_order", []))
        for attribute, spec in [("*", section), *section.get("attributes", {}).items()]:
            defaults = {"rule": spec.get("rule", "trust"), "trust_order": list(spec.get("trust_order", default_order)),
                        "policy_version": version}
            if reset:
                _, created = SurvivorshipRule.objects.update_or_create(domain=domain, attribute=attribute,
                                                                       defaults=defaults)
            else:
                _, created = SurvivorshipRule.objects.get_or_create(domain=domain, attribute=attribute,
                                                                    defaults=defaults)
            counts["rules" if created else "updated"] += created or reset
    roles_ensure()
    return counts


def sync_back_set(*, system: str, domains: Collection[str]) -> list[str]:
    """Which domains the hub writes back to `system` from now on, as an admin's edit of the
    system would say (kept by later loads; `load_policy --reset` puts the file's back). Messages
    already in the outbox stay as they are."""
    from mdm.models import SourceSystem

    unknown = sorted(set(domains) - set(Domain.values))
    if unknown:
        raise ValueError(f"unknown domain {', '.join(unknown)}; domains: {', '.join(Domain.values)}")
    wanted = [domain for domain in Domain.values if domain in set(domains)]
    if not SourceSystem.objects.filter(name=system).update(sync_back_domains=wanted):
        known = ", ".join(SourceSystem.objects.order_by("name").values_list("name", flat=True)) or "none"
        raise ValueError(f"unknown system {system!r}; known systems: {known}")
    return wanted


def system_wanted(name: str, spec: dict[str, Any], connecting: Collection[str] = ()) -> bool:
    """Whether a system of the policy file joins the hub now: always, unless it says
    `when_connected = true`; such a system joins once its connection is configured (its
    CONCORD_<NAME>_URL is set) or when named (`load_policy --system NAME`)."""
    if not spec.get("when_connected"):
        return True
    return name in connecting or bool(os.environ.get(f"CONCORD_{name.upper().replace('-', '_')}_URL"))


def roles_ensure() -> None:
    """Create the role groups with their per-domain model permissions."""
    from django.contrib.auth.models import Group, Permission

    for role, actions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [f"{action}_{domain}" for action in actions for domain in Domain.values]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="mdm", codename__in=codenames))


def rules_for(domain: str) -> tuple[Rule, dict[str, Rule]]:
    """(default rule, per-attribute rules) of a domain, from the database."""
    from mdm.models import SurvivorshipRule

    default = Rule()
    per_attribute: dict[str, Rule] = {}
    for row in SurvivorshipRule.objects.filter(domain=domain):
        rule = Rule(kind=row.rule, trust_order=tuple(row.trust_order))
        if row.attribute == "*":
            default = rule
        else:
            per_attribute[row.attribute] = rule
    return default, per_attribute


def seed_policy_after_migrate(sender, **kwargs) -> None:
    policy_load(reset=False)
