"""What stewards decided about source records, and which source records golden records hold:
verdicts are remembered between source keys (system:object_type:source_id), so they survive
merges, re-runs and model changes."""

from __future__ import annotations

from collections import defaultdict

from matching.models import MatchDecision
from mdm.models import CrossReference


def source_keys_of(golden_ids, among: set[str] | None = None) -> dict[str, set[str]]:
    """The source keys (system:object_type:source_id) each golden record holds: all of them, or
    only those `among` the given keys.

    A customer match needs only the latter — is a candidate the record itself (a re-match), or one
    a steward ruled on? — and reading them by source id is a handful of rows, where every
    contributor of every candidate (~30 per record in a load against a filled hub) cost a tenth
    of matching."""
    wanted = set(golden_ids)
    keys: dict[str, set[str]] = defaultdict(set)
    if among is None:
        query = CrossReference.objects.filter(golden_id__any=wanted)
    elif wanted and among:
        query = CrossReference.objects.filter(source_record__source_id__any={k.split(":", 2)[-1] for k in among})
    else:
        return keys
    rows = query.values_list("golden_id", "source_record__system__name", "source_record__object_type",
                             "source_record__source_id")
    for golden_id, system, object_type, source_id in rows:
        key = f"{system}:{object_type}:{source_id}"
        if golden_id in wanted and (among is None or key in among):
            keys[golden_id].add(key)
    return keys

def remembered_verdicts(source_keys: set[str]) -> dict[tuple[str, str], str]:
    """Steward verdicts touching any of these source keys: (key, key) both ways -> verdict."""
    verdicts: dict[tuple[str, str], str] = {}
    keys = list(source_keys)
    for a, b, verdict in (MatchDecision.objects.filter(key_a__any=keys).values_list("key_a", "key_b", "verdict")
                          .union(MatchDecision.objects.filter(key_b__any=keys)
                                 .values_list("key_a", "key_b", "verdict"))):
        verdicts[(a, b)] = verdicts[(b, a)] = verdict
    return verdicts
