"""Applying a previewed threshold change, governed: by the policy file's [governance]
match_rules, a steward of the domain applies it at once, or asks the council, whose approval
applies it (the same four-eyes path as governed overrides and merges)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from matching.model_store import domain_model
from matching.models import RulePreview
from matching.rule_change import rule_change_apply
from matching.teaching import model_key
from stewardship import policy
from stewardship.extensions import CouncilAction, council_action_register, council_request_raise
from stewardship.models import ChangeRequest, ChangeStatus

ACTION = "match_rules"
KIND = "match_rule"


def _preview_ready(preview_id: int, domain: str) -> RulePreview:
    preview = RulePreview.objects.filter(pk=preview_id, domain=domain).first()
    if preview is None or preview.status != RulePreview.Status.DONE:
        raise ValidationError({"preview": ["no finished preview with that id for this domain"]})
    if preview.model_key != model_key(domain_model(domain)):
        raise ValidationError({"preview": ["the domain's model changed since this preview (refitted after a load, or "
                                           "other thresholds applied): preview the change again"]})
    return preview


def match_rules_request(*, domain: str, preview_id: int, acting_user, reason: str) -> ChangeRequest | str:
    """Apply the previewed change now, or ask the council; returns the request or what was done."""
    preview = _preview_ready(preview_id, domain)
    if policy.match_rules_need_approval(domain):
        waiting = ChangeRequest.objects.filter(status=ChangeStatus.PENDING, domain=domain, payload__action=ACTION).first()
        if waiting is not None:
            raise ValidationError({"preview": [f"a threshold change of {domain} already waits for the council "
                                               f"(change request #{waiting.pk})"]})
        payload = {"upper": preview.upper, "lower": preview.lower, "refit": preview.refit, "preview_id": preview.pk}
        return council_request_raise(kind=KIND, action=ACTION, domain=domain, golden_id="", payload=payload,
                                     reason=reason, acting_user=acting_user)
    return rule_change_apply(domain=domain, upper=preview.upper, lower=preview.lower, refit=preview.refit,
                             acting_user=acting_user, reason=reason)


def _approved(*, request: ChangeRequest, acting_user, reason: str) -> None:
    p = request.payload
    rule_change_apply(domain=request.domain, upper=p["upper"], lower=p["lower"], refit=bool(p.get("refit")),
                      acting_user=acting_user, reason=reason)


def _summary(payload: dict) -> str:
    refit = ", with the model fitted again on the current data" if payload.get("refit") else ""
    return f"set the match thresholds to link ≥ {payload.get('upper'):g}, review ≥ {payload.get('lower'):g}{refit}"


def register() -> None:
    council_action_register(CouncilAction(action=ACTION, apply=_approved, summary=_summary))
