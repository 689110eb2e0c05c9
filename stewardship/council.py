"""What the council reads before it decides: each request with the names of the records it
concerns, the records side by side, the requester's reason, and what approving it would do —
the values after, the sources, contracts and projects that would move.

"What approving would do" is not guessed: `change_request_dry_run` carries the change out with
the same mdm services approval calls, reads the result, and rolls it all back (a savepoint that
is never committed: history, outbox rows and re-matching included, nothing is kept). Only the
built-in kinds run dry (overrides, merges, unmerges); kinds other rooms register (a flow's new
customer) may reach outside systems, so the council reads their summary instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from mdm.canonical import attribute_names
from mdm.choices import Domain
from mdm.models import Contract, CrossReference, Project, domain_of_golden_id, golden_model
from mdm.permissions import visible_ids
from mdm.selectors import sources_of
from stewardship.models import ChangeRequest

BUILT_IN = ("override", "override_remove", "merge", "unmerge")


def request_ids(request: ChangeRequest) -> list[str]:
    """The golden records a request concerns, the one it is filed under first."""
    p = request.payload if isinstance(request.payload, dict) else {}
    ids = [request.golden_id, p.get("survivor_id"), p.get("merged_id")]
    return list(dict.fromkeys(i for i in ids if i))


def _names(user, ids: set[str]) -> dict[str, str]:
    """golden id -> name, for the records the user may see (others stay unnamed)."""
    by_domain: dict[str, set[str]] = defaultdict(set)
    for golden_id in ids:
        try:
            by_domain[domain_of_golden_id(golden_id)].add(golden_id)
        except LookupError:
            continue
    names = {}
    for domain, domain_ids in by_domain.items():
        label = {Domain.CUSTOMER: "name", Domain.CONTRACT: "number", Domain.PROJECT: "code",
                 Domain.RESOURCE: "name"}[domain]
        shown = visible_ids(user, domain, domain_ids)
        names.update(dict(golden_model(domain).objects.filter(pk__in=shown).values_list("pk", label)))
    return names


def described(names: dict[str, str], golden_id: str | None) -> str:
    if not golden_id:
        return "?"
    name = names.get(golden_id)
    return f"{name} ({golden_id})" if name else f"{golden_id} (out of your scope)"


def request_summary(request: ChangeRequest, names: dict[str, str]) -> str:
    """The request in one line, with names: "merge Zorg Health SARL (CUS-…) into Zorg Health AG (CUS-…)"."""
    p = request.payload if isinstance(request.payload, dict) else {}
    action = p.get("action")
    if action == "merge":
        return f"merge {described(names, p.get('merged_id'))} into {described(names, p.get('survivor_id'))}"
    if action == "unmerge":
        return (f"undo the council's merge of {described(names, p.get('merged_id'))} into "
                f"{described(names, p.get('survivor_id'))}")
    if action in ("override", "override_remove"):
        return f"{request.summary} on {described(names, request.golden_id)}"
    if not request.golden_id:  # a change to a whole domain, such as a matching rule
        return f"{request.summary} (all {request.domain} records)"
    return f"{request.summary} ({described(names, request.golden_id)})"


@dataclass
class CouncilRow:
    request: ChangeRequest
    summary: str
    moves: dict[str, int] = field(default_factory=dict)  # "contract"/"project" -> how many would move
    current: Any = None  # an override's attribute as it is now


def council_rows(user, requests: list[ChangeRequest]) -> list[CouncilRow]:
    """The council page's rows: named summaries, for merges what would move, for overrides the
    value now. A fixed number of queries for any number of requests."""
    names = _names(user, {i for r in requests for i in request_ids(r)})
    merged = [r.payload.get("merged_id") for r in requests if r.payload.get("action") == "merge"]
    moving: dict[str, dict[str, int]] = defaultdict(dict)
    for model, kind in ((Contract, "contract"), (Project, "project")):
        for customer_id, n in _counted(model.objects.filter(customer_id__in=merged), "customer_id"):
            moving[customer_id][kind] = n
    current = _current_values(requests)
    rows = []
    for r in requests:
        p = r.payload
        row = CouncilRow(r, request_summary(r, names))
        if p.get("action") == "merge":
            row.moves = moving.get(p.get("merged_id"), {})
        if p.get("action") in ("override", "override_remove"):
            row.current = current.get((r.golden_id, p.get("attribute")))
        rows.append(row)
    return rows


def _counted(queryset, field_name: str):
    from django.db.models import Count

    return queryset.values_list(field_name).annotate(n=Count("pk"))


def _current_values(requests: list[ChangeRequest]) -> dict[tuple[str, str], Any]:
    from mdm.services.golden import golden_values_read

    wanted: dict[str, set[str]] = defaultdict(set)
    for r in requests:
        if r.payload.get("action") in ("override", "override_remove"):
            wanted[r.domain].add(r.golden_id)
    found = {}
    for domain, ids in wanted.items():
        for golden_id, values in golden_values_read(domain, ids).items():
            found.update({(golden_id, name): value for name, value in values.items()})
    return found


# --- One request, in full --------------------------------------------------------------------------

class _RolledBack(Exception):
    def __init__(self, result):
        super().__init__("dry run")
        self.result = result


@dataclass
class DryRun:
    """What approving would do: the records' values after, and what moved where."""

    after: dict[str, dict[str, Any]] = field(default_factory=dict)  # golden id -> values after
    moved_sources: list[str] = field(default_factory=list)  # system:source_id
    moved: dict[str, list[str]] = field(default_factory=dict)  # "contract"/"project" -> golden ids
    error: str = ""


def _apply(request: ChangeRequest) -> None:
    """The change itself, as approval makes it (stewardship.services.change_request_approve)."""
    from django.utils.dateparse import parse_datetime

    from mdm.services.merge import golden_record_merge, golden_record_unmerge
    from mdm.services.overrides import override_remove, override_set

    p, reason = request.payload, "dry run for the council"
    if p["action"] == "override":
        override_set(golden_id=request.golden_id, attribute=p["attribute"], value=p["value"], mode=p["mode"],
                     until=parse_datetime(p["until"]) if p.get("until") else None, reason=reason, acting_user=None)
    elif p["action"] == "override_remove":
        override_remove(override_id=p["override_id"], reason=reason, acting_user=None)
    elif p["action"] == "merge":
        golden_record_merge(survivor_id=p["survivor_id"], merged_id=p["merged_id"], acting_user=None, reason=reason)
    elif p["action"] == "unmerge":
        golden_record_unmerge(merged_id=p["merged_id"], acting_user=None, reason=reason)


def _related_of(golden_ids: list[str]) -> dict[str, set[str]]:
    return {"contract": set(Contract.objects.filter(customer_id__in=golden_ids).values_list("pk", flat=True)),
            "project": set(Project.objects.filter(customer_id__in=golden_ids).values_list("pk", flat=True))}


def change_request_dry_run(request: ChangeRequest) -> DryRun | None:
    """Carry the request out, read what it did, undo all of it. None for kinds that do not run
    dry (see the module's docstring)."""
    p = request.payload if isinstance(request.payload, dict) else {}
    if p.get("action") not in BUILT_IN:
        return None
    return _dry_run(request.domain, p.get("survivor_id") or request.golden_id, request_ids(request),
                    lambda: _apply(request))


def merge_dry_run(domain: str, survivor_id: str, merged_id: str) -> DryRun:
    """What merging `merged_id` into `survivor_id` would do (a review card's preview)."""
    from mdm.services.merge import golden_record_merge

    return _dry_run(domain, survivor_id, [survivor_id, merged_id], lambda: golden_record_merge(
        survivor_id=survivor_id, merged_id=merged_id, acting_user=None, reason="dry run for a review"))


def _dry_run(domain: str, home: str, ids: list[str], apply) -> DryRun:
    """Run `apply` in a savepoint that is always rolled back; read `home`'s values after it, the
    sources it gained, and (customers) the contracts and projects that came to it."""
    from mdm.services.golden import golden_values

    before_related = _related_of([home]) if domain == Domain.CUSTOMER else {}
    before_sources = set(CrossReference.objects.filter(golden_id=home).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            apply()
            records = golden_model(domain).objects.in_bulk(ids)
            result = DryRun(after={pk: golden_values(record) for pk, record in records.items()})
            moved = CrossReference.objects.filter(golden_id=home).exclude(pk__in=before_sources)
            result.moved_sources = [f"{x.source_record.system.name}:{x.source_record.source_id}"
                                    for x in moved.select_related("source_record__system")]
            if domain == Domain.CUSTOMER:
                after_related = _related_of([home])
                result.moved = {kind: sorted(after_related[kind] - before_related[kind]) for kind in after_related}
            raise _RolledBack(result)
    except _RolledBack as rolled_back:
        return rolled_back.result
    except ValidationError as error:
        return DryRun(error=" ".join(m for values in getattr(error, "message_dict", {"": error.messages}).values()
                                     for m in values))


def moved_names(user, dry_run: DryRun | None) -> dict[str, str]:
    return _names(user, {i for ids in (dry_run.moved.values() if dry_run else []) for i in ids})


@dataclass
class Side:
    golden_id: str
    name: str | None  # None: out of the viewer's scope
    record: Any
    sources: list[str]
    values: dict[str, Any]


@dataclass
class RequestPage:
    request: ChangeRequest
    summary: str
    sides: list[Side]
    rows: list[dict]  # attribute, each side's value, the value after, changed?
    dry_run: DryRun | None
    moved_names: dict[str, str]


def request_page(user, request: ChangeRequest) -> RequestPage:
    """The request, its records side by side (those in the user's scope), and its dry run."""
    from mdm.services.golden import golden_values

    ids = request_ids(request)
    names = _names(user, set(ids))
    records = golden_model(request.domain).objects.in_bulk([i for i in ids if i in names])
    sides = [Side(i, names.get(i), records.get(i),
                  [f"{x.source_record.system.name}:{x.source_record.source_id}" for x in sources_of(i)] if i in records
                  else [], golden_values(records[i]) if i in records else {}) for i in ids]
    dry_run = change_request_dry_run(request) if request.status == "pending" else None
    home = request.payload.get("survivor_id") or request.golden_id
    after = (dry_run.after.get(home) if dry_run and not dry_run.error else None) or {}
    rows = []
    for name in attribute_names(request.domain):
        values = [side.values.get(name) for side in sides]
        rows.append({"name": name, "values": values, "after": after.get(name) if after else None,
                     "changed": bool(after) and after.get(name) != (sides[0].values.get(name) if sides else None),
                     "differ": len({str(v).casefold() for v in values if v not in (None, "")}) > 1})
    return RequestPage(request, request_summary(request, names), sides, rows, dry_run, moved_names(user, dry_run))
