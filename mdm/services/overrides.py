"""Steward overrides: a value that beats survivorship for as long as the steward chose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mdm.canonical import REFERENCES, attribute_names, required_missing, steward_value
from mdm.choices import GoldenStatus, OverrideMode
from mdm.models import AttributeOverride, domain_of_golden_id, golden_model
from mdm.services.golden import golden_records_recompute, golden_values
from mdm.services.locks import golden_records_lock, steward_change
from mdm.standardize import InvalidValue


def override_value_check(*, golden_id: str, attribute: str, value: Any) -> Any:
    """The value an override of `attribute` would set, standardized and validated as a source
    value is, but strictly (mdm.canonical.steward_value); a ValidationError naming the field
    otherwise. Writes nothing: a request for the council is checked with it before it is filed."""
    domain, record = _golden(golden_id)
    return _standardized(domain, attribute, value, record)


def _golden(golden_id: str, *, lock: bool = False):
    try:
        domain = domain_of_golden_id(golden_id)
    except LookupError as error:
        raise ValidationError({"golden_id": [str(error)]}) from None
    if lock:
        record = golden_records_lock(domain, [golden_id]).get(golden_id)
    else:
        record = golden_model(domain).objects.filter(pk=golden_id).first()
    if record is None:
        raise ValidationError({"golden_id": [f"no golden record {golden_id}"]})
    return domain, record


def _standardized(domain: str, attribute: str, value: Any, record) -> Any:
    if attribute not in attribute_names(domain):
        raise ValidationError({"attribute": [f"{domain} has no attribute {attribute!r}"]})
    targets = {golden: target for _ref, golden, target in REFERENCES[domain]}
    if attribute in targets:
        standardized = _reference(targets[attribute], value, record)
    else:
        try:
            standardized = steward_value(domain, attribute, value, {"country": getattr(record, "country", None)})
        except InvalidValue as error:
            raise ValidationError({"value": [str(error)]}) from None
    missing = required_missing(domain, {**golden_values(record), attribute: standardized})
    if attribute in missing or (domain == "project" and attribute in ("code", "name") and missing):
        raise ValidationError({"value": [next(iter(missing.values()))]})
    return standardized


def _reference(target: str, value: Any, record) -> str | None:
    """A steward's reference is a golden id of the target domain, of an active record."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError({"value": [f"expected a {target} golden id"]})
    golden_id = value.strip().upper()
    status = golden_model(target).objects.filter(pk=golden_id).values_list("record_status", flat=True).first()
    if status is None:
        raise ValidationError({"value": [f"no {target} golden record {value!r}"]})
    if status != GoldenStatus.ACTIVE:
        raise ValidationError({"value": [f"{golden_id} is {status}, not active"]})
    if golden_id == record.pk:
        raise ValidationError({"value": ["a golden record cannot point at itself"]})
    return golden_id


@steward_change
def override_set(*, golden_id: str, attribute: str, value: Any, mode: str = OverrideMode.PINNED,
                 until: datetime | None = None, reason: str, acting_user) -> AttributeOverride:
    """Pin `attribute` of a golden record to `value` (standardized like any source value, strictly)."""
    domain, record = _golden(golden_id, lock=True)  # first, as every steward change (mdm.services.locks)
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


@steward_change
def override_remove(*, override_id: int, reason: str, acting_user) -> AttributeOverride:
    found = AttributeOverride.objects.filter(pk=override_id, is_active=True).values_list("golden_id", flat=True).first()
    if found is not None:
        _golden(found, lock=True)  # the golden record first, as every steward change
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
