"""Steward decisions on match candidates. Accept merges the two golden records; reject remembers
"not the same" for every pair of their source records, so no later run proposes it again."""

from __future__ import annotations

from itertools import product

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.models import CandidateStatus, MatchCandidate, MatchDecision
from mdm.models import CrossReference
from mdm.services.merge import golden_record_merge


def source_keys(golden_id: str) -> list[str]:
    return [f"{system}:{object_type}:{source_id}" for system, object_type, source_id in
            CrossReference.objects.filter(golden_id=golden_id).values_list(
                "source_record__system__name", "source_record__object_type", "source_record__source_id")]


def decisions_remember(*, domain: str, keys_a: list[str], keys_b: list[str], verdict: str, acting_user,
                       reason: str) -> int:
    count = 0
    for key_a, key_b in product(keys_a, keys_b):
        low, high = sorted((key_a, key_b))
        MatchDecision.objects.update_or_create(key_a=low, key_b=high, defaults={
            "domain": domain, "verdict": verdict, "decided_by": acting_user, "reason": reason})
        count += 1
    return count


def _open_candidate(candidate_id: int) -> MatchCandidate:
    candidate = MatchCandidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None or candidate.status != CandidateStatus.OPEN:
        raise ValidationError({"candidate": ["no open match candidate with that id"]})
    return candidate


@transaction.atomic
def match_candidate_accept(*, candidate_id: int, acting_user, reason: str = "") -> MatchCandidate:
    candidate = _open_candidate(candidate_id)
    reason = reason or f"match accepted (score {candidate.score:.2f})"
    decisions_remember(domain=candidate.domain, keys_a=source_keys(candidate.golden_id_a),
                       keys_b=source_keys(candidate.golden_id_b), verdict=MatchDecision.Verdict.MATCH,
                       acting_user=acting_user, reason=reason)
    golden_record_merge(survivor_id=candidate.golden_id_a, merged_id=candidate.golden_id_b,
                        acting_user=acting_user, reason=reason)
    candidate.status, candidate.decided_by, candidate.decided_at, candidate.reason = (
        CandidateStatus.ACCEPTED, acting_user, timezone.now(), reason)
    candidate._history_user, candidate._change_reason = acting_user, reason
    candidate.save()
    # Other open candidates naming the merged record now concern the survivor: let them be re-proposed.
    MatchCandidate.objects.filter(status=CandidateStatus.OPEN).filter(
        golden_id_a=candidate.golden_id_b).update(status=CandidateStatus.SUPERSEDED)
    MatchCandidate.objects.filter(status=CandidateStatus.OPEN).filter(
        golden_id_b=candidate.golden_id_b).update(status=CandidateStatus.SUPERSEDED)
    return candidate


@transaction.atomic
def match_candidate_reject(*, candidate_id: int, acting_user, reason: str = "") -> MatchCandidate:
    candidate = _open_candidate(candidate_id)
    reason = reason or "not a match"
    decisions_remember(domain=candidate.domain, keys_a=source_keys(candidate.golden_id_a),
                       keys_b=source_keys(candidate.golden_id_b), verdict=MatchDecision.Verdict.NOT_MATCH,
                       acting_user=acting_user, reason=reason)
    candidate.status, candidate.decided_by, candidate.decided_at, candidate.reason = (
        CandidateStatus.REJECTED, acting_user, timezone.now(), reason)
    candidate._history_user, candidate._change_reason = acting_user, reason
    candidate.save()
    return candidate


def match_model_fit(domain: str, *, upper: float | None = None, lower: float | None = None):
    """Fit the domain's Fellegi–Sunter model on its source records and store it, as a load that
    makes a fit due does (matching.resolution: EM per blocking rule, stewards' verdicts as labels,
    priors by the kind of pair); `upper` and `lower` set the thresholds too.

    Source records rather than golden records: the duplicates across systems are what teaches the
    model how matches agree."""
    from matching.resolution import model_fit, source_rows

    rows = source_rows(domain)
    if len(rows.ids) < 50:
        raise ValidationError({"domain": [f"only {len(rows.ids)} {domain} source records: too few to fit a model"]})
    stored = model_fit(domain, rows)
    if stored is None:
        raise ValidationError({"domain": [f"the {domain} source records give no candidate pairs to learn from"]})
    if upper is not None or lower is not None:
        stored.upper_threshold = upper if upper is not None else stored.upper_threshold
        stored.lower_threshold = lower if lower is not None else stored.lower_threshold
        stored.save(update_fields=["upper_threshold", "lower_threshold"])
    return stored
