"""The rules file (config/quality_rules.toml) into the database, like mdm.policy does for survivorship.

The file is versioned with the code; the database holds the working copy that the admin edits.
`quality_rules_load` adds missing rules and, with reset=True, makes the database match the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from mdm.canonical import attribute_names
from mdm.choices import Domain
from quality.rules import RuleError, rule_from

_COLUMNS = {"kind", "attribute", "severity", "description", "is_active"}


def rules_file() -> Path:
    return Path(settings.CONCORD_QUALITY_RULES_FILE)


def read_rules(path: Path | None = None) -> tuple[int, list[dict[str, Any]]]:
    """(version, rule rows) from the file; every rule is checked. Raises RuleError naming the bad one."""
    path = path or rules_file()
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    version = int(data.pop("version", 0))
    rows = []
    attributes = {domain: attribute_names(domain) for domain in Domain.values}
    for domain, rules in data.items():
        if domain not in Domain.values or not isinstance(rules, dict):
            raise RuleError(f"{path}: unknown domain {domain!r}; expected one of {', '.join(Domain.values)}")
        for name, spec in rules.items():
            code = f"{domain}.{name}"
            params = {key: value for key, value in spec.items() if key not in _COLUMNS}
            row = {"code": code, "domain": domain, "kind": spec.get("kind", ""), "attribute": spec.get("attribute", ""),
                   "params": params, "severity": spec.get("severity", "error"),
                   "description": spec.get("description", ""), "is_active": bool(spec.get("is_active", True))}
            rule_from(key=code, code=code, domain=domain, kind=row["kind"], attribute=row["attribute"],
                      params=params, severity=row["severity"], attributes=attributes)
            rows.append(row)
    return version, rows


@transaction.atomic
def quality_rules_load(*, path: Path | None = None, reset: bool = False) -> dict[str, int]:
    """Write the rules file into the database. Returns counts of rules added and reset."""
    from quality.models import QualityRule

    version, rows = read_rules(path)
    counts = {"added": 0, "reset": 0}
    for row in rows:
        code = row.pop("code")
        defaults = {**row, "rules_version": version}
        if reset:
            _, created = QualityRule.objects.update_or_create(code=code, defaults=defaults)
        else:
            _, created = QualityRule.objects.get_or_create(code=code, defaults=defaults)
        if created:
            counts["added"] += 1
        elif reset:
            counts["reset"] += 1
    return counts


def seed_rules_after_migrate(sender, **kwargs) -> None:
    quality_rules_load(reset=False)
