"""Console actions. Each one checks governance, then calls the mdm / matching service that owns the
change; history is written there, with the acting user and the reason."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from matching.models import CandidateStatus, MatchCandidate, MatchDecision
from matching.services import decisions_remember, match_candidate_accept, match_candidate_reject, source_keys
from mdm.choices import OutboxStatus
from mdm.listing import BulkOutcome
from mdm.models import AttributeOverride, MergeEvent, OutboxMessage, domain_of_golden_id, golden_model
from mdm.permissions import users_who_may
from mdm.services.merge import golden_record_merge, golden_record_unmerge
from mdm.services.outbox import outbox_replay as outbox_messages_replay
from mdm.services.overrides import override_remove, override_set, override_value_check
from stewardship import policy
from stewardship.extensions import council_action
from stewardship.models import ChangeKind, ChangeRequest, ChangeStatus, SavedView

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
        _none_waiting(golden_id, attribute)
        if mode == "until_date" and (until is None or until <= timezone.now()):
            raise ValidationError({"until": ["an override until a date needs a date in the future"]})
        # The council decides on a value the hub can take: a bad one is refused now, not at approval.
        value = override_value_check(golden_id=golden_id, attribute=attribute, value=value)
        payload = {"action": "override", "attribute": attribute, "value": value, "mode": mode,
                   "until": until.isoformat() if until else None}
        return _change_request(kind=ChangeKind.OVERRIDE, domain=domain, golden_id=golden_id, payload=payload,
                               reason=reason, acting_user=acting_user)
    return override_set(golden_id=golden_id, attribute=attribute, value=value, mode=mode, until=until,
                        reason=reason, acting_user=acting_user)


def _none_waiting(golden_id: str, attribute: str) -> None:
    if ChangeRequest.objects.filter(golden_id=golden_id, status=ChangeStatus.PENDING,
                                    payload__action__in=["override", "override_remove"],
                                    payload__attribute=attribute).exists():
        raise ValidationError({"attribute": [f"a change of {attribute} already waits for the council"]})


@transaction.atomic
def override_remove_request(*, override_id: int, reason: str, acting_user):
    """Remove an override now, or — for governed attributes — ask the council: taking back a
    governed value is as governed as setting it. Returns the override or the request."""
    override = AttributeOverride.objects.filter(pk=override_id, is_active=True).first()
    if override is None:
        raise ValidationError({"override": ["no live override with that id"]})
    if not policy.override_needs_approval(override.domain, override.attribute):
        return override_remove(override_id=override_id, reason=reason, acting_user=acting_user)
    _none_waiting(override.golden_id, override.attribute)
    payload = {"action": "override_remove", "override_id": override.pk, "attribute": override.attribute,
               "value": override.value}
    return _change_request(kind=ChangeKind.OVERRIDE, domain=override.domain, golden_id=override.golden_id,
                           payload=payload, reason=reason, acting_user=acting_user)


@transaction.atomic
def unmerge_request(*, merged_id: str, reason: str, acting_user):
    """Unmerge now, or ask the council when the merge was the council's: undoing a governed change
    is governed too. Returns the merge event undone or the request."""
    event = MergeEvent.objects.filter(merged_id=merged_id, undone_at__isnull=True).order_by("-created_at", "-id").first()
    if event is None or _approval_of(event) is None:
        return golden_record_unmerge(merged_id=merged_id, acting_user=acting_user, reason=reason)
    if ChangeRequest.objects.filter(status=ChangeStatus.PENDING, payload__action="unmerge",
                                    payload__merged_id=merged_id).exists():
        raise ValidationError({"merged_id": [f"an unmerge of {merged_id} already waits for the council"]})
    payload = {"action": "unmerge", "merged_id": merged_id, "survivor_id": event.survivor_id,
               "merge_event_id": event.pk}
    return _change_request(kind=ChangeKind.UNMERGE, domain=event.domain, golden_id=merged_id, payload=payload,
                           reason=reason, acting_user=acting_user)


def _approval_of(event: MergeEvent) -> ChangeRequest | None:
    """The council's approval that made this merge, if it was the council's. Approvals name their
    merge event; one approved before they did is the approval of this pair decided as it was made."""
    legacy = Q(payload__merge_event_id__isnull=True, payload__survivor_id=event.survivor_id,
               payload__merged_id=event.merged_id, decided_at__gte=event.created_at)
    return (ChangeRequest.objects.filter(kind=ChangeKind.MERGE, status=ChangeStatus.APPROVED)
            .filter(Q(payload__merge_event_id=event.pk) | legacy).first())


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
    if assignee is not None:
        _assignee_checked(candidate, assignee)
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


def _assignee_checked(candidate: MatchCandidate, assignee) -> None:
    """A candidate goes only to someone who may decide it (a project steward gets no customer pair,
    a steward of DE no pair with a British customer)."""
    from stewardship.queues import pair_countries

    records = golden_model(candidate.domain).objects.in_bulk([candidate.golden_id_a, candidate.golden_id_b])
    countries = pair_countries(candidate, records)
    if assignee.pk not in {user.pk for user in users_who_may("change", candidate.domain, countries)}:
        where = f" in {', '.join(c for c in countries if c)}" if any(countries) else ""
        raise ValidationError({"assignee": [f"{assignee.get_username()} may not decide {candidate.domain} "
                                            f"pairs{where}"]})


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
    elif p["action"] == "override_remove":
        override_remove(override_id=p["override_id"], reason=reason, acting_user=acting_user)
    elif p["action"] == "merge":
        if p.get("candidate_id"):
            match_candidate_accept(candidate_id=p["candidate_id"], acting_user=acting_user, reason=reason)
        else:
            golden_record_merge(survivor_id=p["survivor_id"], merged_id=p["merged_id"], acting_user=acting_user,
                                reason=reason)
        # Named, so that undoing this merge is known to be the council's to decide.
        event = MergeEvent.objects.filter(merged_id=p["merged_id"], undone_at__isnull=True).order_by("-id").first()
        request.payload = {**p, "merge_event_id": event.pk}
    elif p["action"] == "unmerge":
        if not MergeEvent.objects.filter(pk=p["merge_event_id"], undone_at__isnull=True).exists():
            raise ValidationError({"request": [f"the merge of {p['merged_id']} this request undoes was undone "
                                               "already"]})
        golden_record_unmerge(merged_id=p["merged_id"], acting_user=acting_user, reason=reason)
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
    if request.payload.get("action") == "merge":
        _not_a_match_remember(request, acting_user=acting_user, comment=comment)
    extra = council_action(request.payload.get("action"))
    if extra is not None and extra.reject is not None:
        extra.reject(request=request, acting_user=acting_user, comment=comment)
    return request


def _not_a_match_remember(request: ChangeRequest, *, acting_user, comment: str) -> None:
    """A council "no" to a merge is a verdict on the pair: remembered for their source records as
    not a match (matching.models.MatchDecision), and the pair's open candidates closed as rejected,
    so the review queue does not offer the same merge again."""
    p = request.payload
    reason = f"the council rejected merging them (change request #{request.pk}): {comment}"
    pair = (Q(golden_id_a=p["survivor_id"], golden_id_b=p["merged_id"])
            | Q(golden_id_a=p["merged_id"], golden_id_b=p["survivor_id"]))
    candidates = list(MatchCandidate.objects.filter(pair, status=CandidateStatus.OPEN).values_list("pk", flat=True))
    for candidate_id in candidates:
        match_candidate_reject(candidate_id=candidate_id, acting_user=acting_user, reason=reason)
    if not candidates:
        decisions_remember(domain=request.domain, keys_a=source_keys(p["survivor_id"]),
                           keys_b=source_keys(p["merged_id"]), verdict=MatchDecision.Verdict.NOT_MATCH,
                           acting_user=acting_user, reason=reason)


@transaction.atomic
def outbox_replay(*, message_id: int, acting_user) -> OutboxMessage:
    """Send a dead-lettered outbound message again (pending, attempts reset, due now), and note on
    the message who replayed it — it has no history table of its own."""
    message = OutboxMessage.objects.select_for_update().filter(pk=message_id, status=OutboxStatus.DEAD).first()
    if message is None or not outbox_messages_replay(ids=[message_id]):
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


# --- Saved views of the golden-record browser ----------------------------------------------------

SAVED_VIEWS_MAX = 50  # per steward: a menu, not an archive


@transaction.atomic
def saved_view_save(*, user, name: str, domain: str, query: str) -> SavedView:
    """Save the browser's query under a name; saving under a name the steward used replaces it."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": ["give the view a name"]})
    if len(name) > 80:
        raise ValidationError({"name": [f"keep the name to 80 characters ({len(name)} now)"]})
    if len(query) > 2000:
        raise ValidationError({"query": ["this view has too many filters to keep"]})
    view, created = SavedView.objects.update_or_create(user=user, name=name,
                                                       defaults={"domain": domain, "query": query})
    if created and SavedView.objects.filter(user=user).count() > SAVED_VIEWS_MAX:
        raise ValidationError({"name": [f"you keep {SAVED_VIEWS_MAX} views already: delete one first"]})
    return view


def saved_view_delete(*, view_id: int, user) -> None:
    SavedView.objects.filter(pk=view_id, user=user).delete()


# --- Bulk actions on the exception queues --------------------------------------------------------

def _fix_checked(items: list, field: str, value: str) -> tuple[str, str]:
    field, value = (field or "").strip(), (value or "").strip()
    if not field:
        raise ValidationError({"fix_field": ["choose the field to set"]})
    from mdm.canonical import known_fields

    for entry in items:
        if field not in known_fields(entry.domain):
            raise ValidationError({"fix_field": [f"{entry.domain} records have no field {field!r}"]})
    return field, value


def exceptions_bulk_outcome(*, kind: str, items: list, verb: str, field: str = "", value: str = ""):
    """What a bulk action on quarantined records or dead letters will do, said before it does it."""
    outcome = BulkOutcome(verb if verb != "fix" else "fix and replay", len(items))
    if kind == "dead":
        outcome.items = [f"#{m.pk} to {m.system.name}: {m.golden_id} — {(m.last_error or '').splitlines()[0][:90]}"
                         for m in items[:BulkOutcome.ITEMS_SHOWN]]
        outcome.sentences = [f"{len(items)} message{'s' if len(items) != 1 else ''} go back to pending, attempts "
                             "reset and due now: the delivery worker sends them again; each notes who replayed it."]
        return outcome
    outcome.items = [f"#{q.pk} {q.system.name}:{q.source_id or '(no id)'} — {q.reason[:90]}"
                     for q in items[:BulkOutcome.ITEMS_SHOWN]]
    if verb == "discard":
        outcome.sentences = [f"{len(items)} quarantined record{'s' if len(items) != 1 else ''} will be closed as "
                             "discarded, with your reason; nothing is ingested."]
    elif verb == "fix":
        field, value = _fix_checked(items, field, value)
        shown = f"“{value}”" if value else "empty"
        outcome.sentences = [f"{len(items)} record{'s' if len(items) != 1 else ''} get {field} = {shown} and are "
                             "ingested again; one that still cannot be used stays open with its new reasons, and "
                             "nothing of it is written."]
    else:
        outcome.sentences = [f"{len(items)} record{'s' if len(items) != 1 else ''} are ingested again as they are "
                             "(after a fix at the source or in the rules); those that still fail stay open."]
    return outcome


def exceptions_bulk_apply(*, kind: str, items: list, verb: str, acting_user, reason: str = "", field: str = "",
                          value: str = "") -> tuple[int, list[str]]:
    """Apply a bulk action item by item through the same services as one at a time; each item
    is its own transaction, so one that fails leaves the others done. (done, failures)."""
    from mdm.services.quarantine import quarantine_discard, quarantine_replay

    if verb == "discard":
        reason = reason_checked(reason)
        if not reason:
            raise ValidationError({"reason": ["say why the records are discarded"]})
    fixes = None
    if verb == "fix":
        field, value = _fix_checked(items, field, value)
        fixes = {field: value or None}
    done, failed = 0, []
    for item in items:
        try:
            if kind == "dead":
                outbox_replay(message_id=item.pk, acting_user=acting_user)
            elif verb == "discard":
                quarantine_discard(entry_id=item.pk, acting_user=acting_user, reason=reason)
            else:
                quarantine_replay(entry_id=item.pk, fixes=fixes, acting_user=acting_user)
            done += 1
        except ValidationError as exc:
            messages = [m for values in getattr(exc, "message_dict", {"": exc.messages}).values() for m in values]
            failed.append(f"#{item.pk}: {'; '.join(messages)}")
    return done, failed


# --- Bulk decisions of the council ----------------------------------------------------------------

def council_bulk_outcome(*, requests: list[ChangeRequest], verb: str, acting_user, names: list):
    """What deciding several requests at once will do: how many apply, which the four-eyes rule
    leaves to someone else."""
    outcome = BulkOutcome(verb, len(requests))
    own = [r for r in requests if r.requested_by_id == acting_user.pk]
    outcome.items = [f"#{row.request.pk} {row.summary}" for row in names[:BulkOutcome.ITEMS_SHOWN]]
    n = len(requests) - len(own)
    if verb == "approve":
        outcome.sentences = [f"{n} request{'s' if n != 1 else ''} will be approved and applied now, each through "
                             "the service it asks for; history names who asked and who approved."]
    else:
        outcome.sentences = [f"{n} request{'s' if n != 1 else ''} will be rejected with your comment; a rejected "
                             "merge is remembered as not a match."]
    if own:
        outcome.sentences.append(f"{len(own)} you asked for yourself: another member decides those (four-eyes).")
    return outcome


def council_bulk_apply(*, requests: list[ChangeRequest], verb: str, acting_user, comment: str) -> tuple[int, list[str]]:
    """Approve or reject each request through change_request_approve / _reject (each its own
    transaction: one that cannot be applied leaves the others decided)."""
    if verb == "reject" and not comment:
        raise ValidationError({"comment": ["say why the changes are rejected"]})
    done, failed = 0, []
    for request in requests:
        try:
            if verb == "approve":
                change_request_approve(request_id=request.pk, acting_user=acting_user, comment=comment)
            else:
                change_request_reject(request_id=request.pk, acting_user=acting_user, comment=comment)
            done += 1
        except PermissionDenied as exc:
            failed.append(f"#{request.pk}: {exc}")
        except ValidationError as exc:
            failed.append(f"#{request.pk}: {' '.join(exc.messages)}")
    return done, failed
