"""Console actions. Each one checks governance, then calls the mdm / matching service that owns the
change; history is written there, with the acting user and the reason."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from matching.models import CandidateStatus, MatchCandidate
from matching.services import match_candidate_accept
from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage, domain_of_golden_id
from mdm.services.merge import golden_record_merge
from mdm.services.overrides import override_set
from stewardship import policy
from stewardship.extensions import council_action
from stewardship.models import ChangeKind, ChangeRequest, ChangeStatus

logger = logging.getLogger(__name__)

# A reason is a sentence or two, kept with the change in history; a pasted document is refused.
REASON_MAX = 500


def reason_checked(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) > REASON_MAX:
        raise ValidationError({field: [f"keep it to {REASON_MAX} characters ({len(text)} now): "
                                       "a sentence or two is enough"]})
    return text


def _change_request(*, kind: str, domain: str, golden_id: str, payload: dict[str, Any], reason: str,
                    acting_user) -> ChangeRequest:
    if not reason.strip():
        raise ValidationError({"reason": ["say why"]})
    reason = reason_checked(reason)
    request = ChangeRequest(kind=kind, domain=domain, golden_id=golden_id, payload=payload, reason=reason,
                            requested_by=acting_user)
    request._history_user = acting_user
    request._change_reason = f"requested: {reason}"
    request.save()
    return request


@transaction.atomic
def override_request(*, golden_id: str, attribute: str, value: Any, mode: str, until: datetime | None,
                     reason: str, acting_user):
    """Override now, or — for governed attributes — ask the council. Returns the override or the request."""
    domain = domain_of_golden_id(golden_id)
    if policy.override_needs_approval(domain, attribute):
        if ChangeRequest.objects.filter(golden_id=golden_id, status=ChangeStatus.PENDING,
                                        payload__action="override", payload__attribute=attribute).exists():
            raise ValidationError({"attribute": [f"a change of {attribute} already waits for the council"]})
        if mode == "until_date" and (until is None or until <= timezone.now()):
            raise ValidationError({"until": ["an override until a date needs a date in the future"]})
        payload = {"action": "override", "attribute": attribute, "value": value, "mode": mode,
                   "until": until.isoformat() if until else None}
        return _change_request(kind=ChangeKind.OVERRIDE, domain=domain, golden_id=golden_id, payload=payload,
                               reason=reason, acting_user=acting_user)
    return override_set(golden_id=golden_id, attribute=attribute, value=value, mode=mode, until=until,
                        reason=reason, acting_user=acting_user)


@transaction.atomic
def merge_request(*, survivor_id: str, merged_id: str, reason: str, acting_user, candidate_id: int | None = None):
    """Merge now (through the match candidate when there is one), or ask the council when policy says so."""
    domain = domain_of_golden_id(survivor_id)
    if policy.merge_needs_approval(domain, survivor_id, merged_id):
        waiting = ChangeRequest.objects.filter(status=ChangeStatus.PENDING, payload__action="merge")
        if (waiting.filter(payload__survivor_id=survivor_id, payload__merged_id=merged_id).exists()
                or waiting.filter(payload__survivor_id=merged_id, payload__merged_id=survivor_id).exists()):
            raise ValidationError({"merged_id": ["this merge already waits for the council"]})
        payload = {"action": "merge", "survivor_id": survivor_id, "merged_id": merged_id,
                   "candidate_id": candidate_id}
        return _change_request(kind=ChangeKind.MERGE, domain=domain, golden_id=survivor_id, payload=payload,
                               reason=reason, acting_user=acting_user)
    if candidate_id is not None:
        return match_candidate_accept(candidate_id=candidate_id, acting_user=acting_user, reason=reason)
    return golden_record_merge(survivor_id=survivor_id, merged_id=merged_id, acting_user=acting_user, reason=reason)


def candidate_accept(*, candidate_id: int, acting_user, reason: str = ""):
    candidate = MatchCandidate.objects.filter(pk=candidate_id).first()
    if candidate is None or candidate.status != CandidateStatus.OPEN:
        raise ValidationError({"candidate": ["no open match candidate with that id"]})
    reason = reason or f"match accepted (score {candidate.score:.2f})"
    return merge_request(survivor_id=candidate.golden_id_a, merged_id=candidate.golden_id_b, reason=reason,
                         acting_user=acting_user, candidate_id=candidate.pk)


@transaction.atomic
def candidate_assign(*, candidate_id: int, assignee, acting_user) -> int:
    """Claim (assignee = acting_user) or assign an open candidate. The row lock makes two claims
    at once safe; history says who claimed or assigned it."""
    candidate = (MatchCandidate.objects.select_for_update()
                 .filter(pk=candidate_id, status=CandidateStatus.OPEN).first())
    if candidate is None:
        raise ValidationError({"candidate": ["no open match candidate with that id"]})
    candidate.assigned_to = assignee
    candidate._history_user = acting_user
    if assignee is None:
        candidate._change_reason = "unassigned"
    elif assignee.pk == acting_user.pk:
        candidate._change_reason = "claimed"
    else:
        candidate._change_reason = f"assigned to {assignee.get_username()}"
    candidate.save(update_fields=["assigned_to"])
    return 1


@transaction.atomic
def change_request_approve(*, request_id: int, acting_user, comment: str = "") -> ChangeRequest:
    """Four-eyes: the requester cannot approve. Applies the change through the owning service, with a
    reason naming who asked and who approved."""
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != ChangeStatus.PENDING:
        raise ValidationError({"request": ["no pending change request with that id"]})
    if request.requested_by_id == acting_user.pk:
        raise PermissionDenied("Four-eyes rule: you asked for this change, someone else must approve it.")
    reason = (f"{request.reason} (change request #{request.pk}: requested by "
              f"{request.requested_by.get_username()}, approved by {acting_user.get_username()})")
    p = request.payload
    if p["action"] == "override":
        until = parse_datetime(p["until"]) if p.get("until") else None
        override_set(golden_id=request.golden_id, attribute=p["attribute"], value=p["value"], mode=p["mode"],
                     until=until, reason=reason, acting_user=acting_user)
    elif p["action"] == "merge":
        if p.get("candidate_id"):
            match_candidate_accept(candidate_id=p["candidate_id"], acting_user=acting_user, reason=reason)
        else:
            golden_record_merge(survivor_id=p["survivor_id"], merged_id=p["merged_id"], acting_user=acting_user,
                                reason=reason)
    elif council_action(p.get("action")) is not None:  # a kind another room registered (stewardship.extensions)
        council_action(p["action"]).apply(request=request, acting_user=acting_user, reason=reason)
    else:
        raise ValidationError({"payload": [f"unknown action {p.get('action')!r}"]})
    request.status, request.decided_by, request.decided_at, request.comment = (
        ChangeStatus.APPROVED, acting_user, timezone.now(), comment)
    request._history_user = acting_user
    request._change_reason = f"approved: {comment}" if comment else "approved"
    request.save()
    return request


@transaction.atomic
def change_request_reject(*, request_id: int, acting_user, comment: str) -> ChangeRequest:
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != ChangeStatus.PENDING:
        raise ValidationError({"request": ["no pending change request with that id"]})
    if request.requested_by_id == acting_user.pk:
        raise PermissionDenied("Four-eyes rule: you asked for this change; withdraw it instead of deciding it.")
    if not comment.strip():
        raise ValidationError({"comment": ["say why the change is rejected"]})
    request.status, request.decided_by, request.decided_at, request.comment = (
        ChangeStatus.REJECTED, acting_user, timezone.now(), comment)
    request._history_user = acting_user
    request._change_reason = f"rejected: {comment}"
    request.save()
    extra = council_action(request.payload.get("action"))
    if extra is not None and extra.reject is not None:
        extra.reject(request=request, acting_user=acting_user, comment=comment)
    return request


@transaction.atomic
def outbox_replay(*, message_id: int, acting_user) -> OutboxMessage:
    """Send a dead-lettered outbound message again through connectors' replay (pending, attempts
    reset, due now), and note on the message who replayed it — it has no history table of its own."""
    from connectors.delivery import outbox_replay as connectors_outbox_replay

    message = OutboxMessage.objects.select_for_update().filter(pk=message_id, status=OutboxStatus.DEAD).first()
    if message is None or not connectors_outbox_replay(ids=[message_id]):
        raise ValidationError({"message": ["no dead outbound message with that id"]})
    note = f"[replayed by {acting_user.get_username()} at {timezone.now().isoformat(timespec='seconds')}]"
    OutboxMessage.objects.filter(pk=message_id).update(last_error=f"{message.last_error}\n{note}".strip())
    logger.info("outbox message %s replayed by %s", message_id, acting_user.get_username())
    return OutboxMessage.objects.get(pk=message_id)


@transaction.atomic
def change_request_withdraw(*, request_id: int, acting_user) -> ChangeRequest:
    """The requester takes back a pending request; nobody else can."""
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != ChangeStatus.PENDING:
        raise ValidationError({"request": ["no pending change request with that id"]})
    if request.requested_by_id != acting_user.pk:
        raise PermissionDenied("Only the steward who asked can withdraw a request.")
    request.status, request.decided_by, request.decided_at = ChangeStatus.WITHDRAWN, acting_user, timezone.now()
    request._history_user = acting_user
    request._change_reason = "withdrawn"
    request.save()
    return request
