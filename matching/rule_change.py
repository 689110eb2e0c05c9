"""A threshold change (maybe with the model fitted again) previewed before it applies.

`rule_preview_start` stores what a steward proposes and computes what a batch re-match with it
would do (resolution.domain_preview: merges, splits, golden records before and after, pairs for
review, with examples to open). Domains up to CONCORD_MATCH_INLINE_RECORDS source records are
computed at once, in the request; larger ones in a Celery task, the RulePreview row saying how far
it got. `rule_change_apply` stores the thresholds (or the model fitted again) and re-matches the
domain in batch the same way. Whether a steward may apply or must ask the council is the
console's business (stewardship.match_rules): this module applies what it is given.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.engine import FellegiSunterModel
from matching.model_store import domain_model
from matching.models import MatchModel, RulePreview
from matching.resolution import Preview, domain_preview, domain_resolve, model_fit, source_record_count, source_rows
from matching.teaching import model_key
from mdm.models import CrossReference, golden_model

log = logging.getLogger(__name__)

EXAMPLES = 50  # kept per kind in a preview's result; the console shows the first ten its user may see
_LABEL = {"customer": "name", "contract": "title", "project": "name", "resource": "name"}


def thresholds_checked(upper, lower) -> tuple[float, float]:
    """Two probabilities with 0 < lower ≤ upper < 1, or a ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    values = {}
    for name, raw in (("upper", upper), ("lower", lower)):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            errors[name] = ["enter a probability between 0 and 1, e.g. 0.9"]
            continue
        if not 0 < value < 1:
            errors[name] = ["a threshold lies strictly between 0 and 1"]
        values[name] = value
    if not errors and values["lower"] > values["upper"]:
        errors["lower"] = ["the review threshold cannot be above the link threshold"]
    if errors:
        raise ValidationError(errors)
    return values["upper"], values["lower"]


def runs_inline(domain: str) -> bool:
    """Small domains are previewed and re-matched in the request; large ones in a Celery task."""
    limit = settings.CONCORD_MATCH_INLINE_RECORDS
    return source_record_count(domain, up_to=limit) <= limit


# --- previewing ----------------------------------------------------------------------------------

class _Discard(Exception):
    """Carries a model out of a transaction that is rolled back."""


def _fitted_without_storing(domain: str, *, upper: float, lower: float) -> FellegiSunterModel:
    """The model the hub would fit on the current data (resolution.model_fit, whatever it learns
    from), stored in a transaction that is then rolled back: a preview changes nothing."""
    try:
        with transaction.atomic():
            _refit(domain, upper=upper, lower=lower)
            raise _Discard(domain_model(domain))
    except _Discard as kept:
        return kept.args[0]


def proposed_model(domain: str, *, upper: float, lower: float, refit: bool) -> FellegiSunterModel:
    if refit:
        return _fitted_without_storing(domain, upper=upper, lower=lower)
    return dataclasses.replace(domain_model(domain), upper=upper, lower=lower)  # a copy: the model is shared


@transaction.atomic
def rule_preview_start(*, domain: str, upper, lower, refit: bool = False, acting_user=None) -> RulePreview:
    """Store the proposal and compute its preview: now for a small domain, else in a task."""
    upper, lower = thresholds_checked(upper, lower)
    preview = RulePreview.objects.create(domain=domain, upper=upper, lower=lower, refit=bool(refit),
                                         model_key=model_key(domain_model(domain)), requested_by=acting_user)
    if runs_inline(domain):
        return rule_preview_run(preview.pk)
    from matching.tasks import rule_preview_task

    transaction.on_commit(lambda: rule_preview_task.delay(preview.pk))
    return preview


def rule_preview_run(preview_id: int) -> RulePreview:
    """Compute a stored proposal's preview once (a re-delivered task finds it done)."""
    preview = RulePreview.objects.get(pk=preview_id)
    if preview.status != RulePreview.Status.RUNNING:
        return preview
    try:
        model = proposed_model(preview.domain, upper=preview.upper, lower=preview.lower, refit=preview.refit)
        result = preview_summary(preview.domain, domain_preview(preview.domain, model), model)
    except ValidationError as error:
        return _finished(preview, RulePreview.Status.FAILED, error=" ".join(error.messages))
    except Exception as error:  # said on the page, and logged with its traceback
        log.exception("preview %s of %s failed", preview.pk, preview.domain)
        return _finished(preview, RulePreview.Status.FAILED, error=f"{type(error).__name__}: {error}")
    return _finished(preview, RulePreview.Status.DONE, result=result)


def _finished(preview: RulePreview, status: str, *, result: dict | None = None, error: str = "") -> RulePreview:
    RulePreview.objects.filter(pk=preview.pk, status=RulePreview.Status.RUNNING).update(
        status=status, result=result or {}, error=error, finished_at=timezone.now())
    preview.refresh_from_db()
    return preview


def preview_summary(domain: str, preview: Preview, model: FellegiSunterModel) -> dict[str, Any]:
    """A preview as plain JSON: the counts, and examples of merges and splits to open."""
    moved = {source_record_id: (golden_id, f"{system}:{source_id}") for source_record_id, golden_id, system, source_id
             in CrossReference.objects.filter(source_record_id__in=list(preview.moves)).values_list(
                 "source_record_id", "golden_id", "source_record__system__name", "source_record__source_id")}
    leaving: dict[str, list[str]] = defaultdict(list)
    moved_to_existing = 0
    for source_record_id, target in sorted(preview.moves.items()):
        if target.startswith("new:"):
            golden_id, source_key = moved[source_record_id]
            leaving[golden_id].append(source_key)
        else:
            moved_to_existing += 1
    merges = preview.merges[:EXAMPLES]
    splits = sorted(leaving.items())[:EXAMPLES]
    labels = _labels(domain, {g for pair in merges for g in pair} | {g for g, _ in splits})
    return {
        "records": preview.records, "golden_before": preview.golden_before, "golden_after": preview.golden_after,
        "merges": len(preview.merges), "splits": preview.splits, "moves": len(preview.moves),
        "moved_to_existing": moved_to_existing, "review_pairs": preview.review_pairs,
        "upper": model.upper, "lower": model.lower, "model_key": model_key(model),
        "merge_examples": [{"survivor": s, "survivor_label": labels.get(s, ""), "merged": m,
                            "merged_label": labels.get(m, "")} for m, s in merges],
        "split_examples": [{"golden_id": g, "label": labels.get(g, ""), "leaving": sources}
                           for g, sources in splits],
    }


def _labels(domain: str, golden_ids: set[str]) -> dict[str, str]:
    return {pk: label or "" for pk, label in golden_model(domain).objects.filter(pk__in=golden_ids)
            .values_list("pk", _LABEL[domain])}


# --- applying ------------------------------------------------------------------------------------

def thresholds_store(domain: str, *, upper: float, lower: float) -> MatchModel:
    """The domain's thresholds on its stored model (the one in use stored first, when the domain
    still uses the shipped or the untrained one)."""
    stored = MatchModel.objects.select_for_update().filter(domain=domain).first()
    if stored is None:
        return MatchModel.objects.create(domain=domain, parameters=domain_model(domain).to_dict(), fitted_on=0,
                                         upper_threshold=upper, lower_threshold=lower)
    stored.upper_threshold, stored.lower_threshold = upper, lower
    stored.save(update_fields=["upper_threshold", "lower_threshold"])  # not refitted: fitted_at stays
    return stored


def _refit(domain: str, *, upper: float, lower: float) -> MatchModel:
    """Fit the domain's model on its current source records and store it with these thresholds."""
    if model_fit(domain, source_rows(domain)) is None:
        raise ValidationError({"refit": ["the records give too few candidate pairs to fit a model on"]})
    return thresholds_store(domain, upper=upper, lower=lower)


def rule_change_apply(*, domain: str, upper, lower, refit: bool = False, acting_user=None, reason: str = "") -> str:
    """Store the thresholds (with the model fitted again on the current data when `refit`), then
    re-match the domain in batch: at once for a small domain, else in a task. Returns what was done."""
    upper, lower = thresholds_checked(upper, lower)
    reason = reason or f"match thresholds set to {upper:g} / {lower:g}"
    with transaction.atomic():
        if refit:
            _refit(domain, upper=upper, lower=lower)
        else:
            thresholds_store(domain, upper=upper, lower=lower)
        if runs_inline(domain):
            return domain_resolve(domain, refit=False, acting_user=acting_user, reason=reason).describe()
        from matching.tasks import domain_rematch_task

        user_id = getattr(acting_user, "pk", None)
        transaction.on_commit(lambda: domain_rematch_task.delay(domain, user_id, reason))
    return f"{domain}: thresholds stored; the re-match of {source_record_count(domain)} source records runs in the background"
