"""Steward overrides: a value that beats survivorship for as long as the steward chose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mdm.canonical import ATTRIBUTES, REFERENCES, attribute_names
from mdm.choices import OverrideMode
from mdm.models import AttributeOverride, domain_of_golden_id, golden_model
from mdm.services.golden import golden_records_recompute
from mdm.standardize import InvalidValue


def _standardized(domain: str, attribute: str, value: Any, record) -> Any:
    if attribute in {golden for _ref, golden, _target in REFERENCES[domain]}:
        target = next(t for _r, g, t in REFERENCES[domain] if g == attribute)
        if value and not golden_model(target).objects.filter(pk=value).exists():
            raise ValidationError({"value": [f"no {target} golden record {value!r}"]})
        return value or None
    spec = next(a for a in ATTRIBUTES[domain] if a.name == attribute)
    context = {"country": getattr(record, "country", None)}
    try:
        return spec.standardize(value, context)
    except InvalidValue as error:
        raise ValidationError({"value": [str(error)]}) from None


@transaction.atomic
def override_set(*, golden_id: str, attribute: str, value: Any, mode: str = OverrideMode.PINNED,
                 until: datetime | None = None, reason: str, acting_user) -> AttributeOverride:
    """Pin `attribute` of a golden record to `value` (standardized like any source value)."""
    domain = domain_of_golden_id(golden_id)
    record = golden_model(domain).objects.filter(pk=golden_id).first()
    if record is None:
        raise ValidationError({"golden_id": [f"no golden record {golden_id}"]})
    if attribute not in attribute_names(domain):
        raise ValidationError({"attribute": [f"{domain} has no attribute {attribute!r}"]})
    if mode not in OverrideMode.values:
        raise ValidationError({"mode": [f"expected one of {', '.join(OverrideMode.values)}"]})
    if mode == OverrideMode.UNTIL_DATE and (until is None or until <= timezone.now()):
        raise ValidationError({"until": ["an override until a date needs a date in the future"]})
    if not reason.strip():
        raise ValidationError({"reason": ["say why the sources are wrong"]})
    standardized = _standardized(domain, attribute, value, record)
    for previous in AttributeOverride.objects.filter(golden_id=golden_id, attribute=attribute, is_active=True):
        previous.is_active = False
        previous._change_reason = f"replaced by a new override: {reason}"
        previous.save()
    override = AttributeOverride(domain=domain, golden_id=golden_id, attribute=attribute, value=standardized,
                                 mode=mode, until=until if mode == OverrideMode.UNTIL_DATE else None,
                                 reason=reason, created_by=acting_user)
    override._change_reason = reason
    override._history_user = acting_user
    override.save()
    golden_records_recompute(domain, [golden_id], acting_user=acting_user,
                             reason=f"steward override of {attribute}: {reason}")
    return override


@transaction.atomic
def override_remove(*, override_id: int, reason: str, acting_user) -> AttributeOverride:
    override = AttributeOverride.objects.select_for_update().filter(pk=override_id, is_active=True).first()
    if override is None:
        raise ValidationError({"override": ["no live override with that id"]})
    override.is_active = False
    override._change_reason = reason or "removed by a steward"
    override._history_user = acting_user
    override.save()
    golden_records_recompute(override.domain, [override.golden_id], acting_user=acting_user,
                             reason=f"override of {override.attribute} removed: {reason}")
    return override


def overrides_expire(*, now: datetime | None = None) -> int:
    """End overrides whose date has passed; recomputing their records ends them and restores the
    survivorship value (see golden._live_override)."""
    now = now or timezone.now()
    due = AttributeOverride.objects.filter(is_active=True, mode=OverrideMode.UNTIL_DATE, until__lte=now)
    by_domain: dict[str, list[str]] = {}
    for domain, golden_id in due.values_list("domain", "golden_id"):
        by_domain.setdefault(domain, []).append(golden_id)
    for domain, golden_ids in by_domain.items():
        with transaction.atomic():
            golden_records_recompute(domain, golden_ids, reason="steward override expired", now=now)
    return sum(len(ids) for ids in by_domain.values())
