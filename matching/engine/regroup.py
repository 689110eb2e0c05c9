"""From the groups records are in to the clusters they should be in, with the fewest moves.

The hub keeps source records in golden records; a batch clustering says which source records
belong together. `regroup` says what to do so the golden records match the clusters while
keeping every golden id that can be kept: each cluster keeps the golden record holding most of
its records (the senior one on a tie), a golden record whose records all join one other cluster
is merged into it (its id then points there), and the records that must change place move one by
one, into a new golden record where their cluster has none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field


@dataclass
class Regrouping:
    targets: dict[Hashable, str]  # cluster -> the golden id it keeps, or "new:<cluster>"
    merges: list[tuple[str, str]] = field(default_factory=list)  # (merged, survivor), after the moves
    moves: dict[int, str] = field(default_factory=dict)  # row -> golden id or "new:<cluster>"

    @property
    def changes(self) -> int:
        return len(self.merges) + len(self.moves)


def regroup(groups: Sequence[str], clusters: Sequence[Hashable], seniority: Callable[[str], object]) -> Regrouping:
    """`groups[i]`: the golden id row i is in; `clusters[i]`: the cluster it should be in;
    `seniority(golden id)`: sorts older golden records first."""
    held: dict[Hashable, Counter] = defaultdict(Counter)
    for group, label in zip(groups, clusters, strict=True):
        held[label][group] += 1
    targets = _targets(held, seniority)
    plan = Regrouping(targets)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, group in enumerate(groups):
        rows_of[group].append(row)
    kept = set(targets.values())
    for group, rows in rows_of.items():
        if group in kept:
            plan.moves.update({row: targets[clusters[row]] for row in rows if targets[clusters[row]] != group})
            continue
        # Kept by no cluster, so each cluster it has records in kept another golden record: it is
        # merged into the one most of its records go to, the others moved out first.
        survivor = _merge_target(Counter(targets[clusters[row]] for row in rows))
        plan.moves.update({row: targets[clusters[row]] for row in rows if targets[clusters[row]] != survivor})
        plan.merges.append((group, survivor))
    return plan


def _targets(held: dict[Hashable, Counter], seniority) -> dict[Hashable, str]:
    """Each cluster's golden record: largest share first, each golden record kept by one cluster."""
    offers = sorted(((-count, seniority(group), group, label) for label, counts in held.items()
                     for group, count in counts.items()), key=lambda offer: (offer[0], offer[1], offer[2], str(offer[3])))
    targets: dict[Hashable, str] = {}
    taken: set[str] = set()
    for _count, _senior, group, label in offers:
        if label not in targets and group not in taken:
            targets[label] = group
            taken.add(group)
    for label in held:
        targets.setdefault(label, f"new:{label}")
    return targets


def _merge_target(destinations: Counter) -> str:
    """The existing golden record most of a group's records go to (a new one cannot survive a merge)."""
    return max((count, target) for target, count in destinations.items() if not target.startswith("new:"))[1]
