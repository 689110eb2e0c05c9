"""Console actions of teaching the model: a steward answers a question of the uncertain-pairs
queue (matching.teaching). "The same" of records in two golden records merges them the way an
accepted match candidate does — through the council when the policy says so."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from matching.teaching import Answer, label_candidate, label_request_answer
from stewardship import services
from stewardship.models import ChangeRequest


@transaction.atomic
def label_answer(*, request_id: int, answer: str, acting_user, note: str = "") -> str:
    """Record the answer and carry it out; returns what happened, in a sentence for the steward."""
    note = services.reason_checked(note, "note")
    answered = label_request_answer(request_id=request_id, answer=answer, acting_user=acting_user, note=note)
    request = answered.request
    if answered.merge is not None:
        return _merge(request, *answered.merge, acting_user=acting_user, note=note)
    if answer == Answer.UNSURE:
        return "Skipped: a pair nobody can tell is left out of the estimates."
    if answer == Answer.SAME:
        return "The same: they are one golden record already; remembered for every later match run."
    if answered.parted_later:
        return ("Not the same: remembered. They share one golden record today; "
                "the next re-match of the domain parts them.")
    return "Not the same: remembered; no match run will link them."


def _merge(request, survivor_id: str, merged_id: str, *, acting_user, note: str) -> str:
    candidate = label_candidate(request=request, survivor_id=survivor_id, merged_id=merged_id)
    reason = note or f"a steward said the same (question #{request.pk})"
    try:
        with transaction.atomic():
            outcome = services.candidate_accept(candidate_id=candidate.pk, acting_user=acting_user, reason=reason)
    except ValidationError as error:  # e.g. this merge already waits for the council: the answer still stands
        return f"The same: answer kept, not merged now ({' '.join(error.messages)})."
    if isinstance(outcome, ChangeRequest):
        return (f"The same: both customers have contracts, so the merge of {merged_id} into {survivor_id} "
                f"waits for the council (change request #{outcome.pk}).")
    return f"The same: {merged_id} merged into {survivor_id}; remembered for every later match run."
