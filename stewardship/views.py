"""Console views: parse the form, check permission (403 when refused), call one service, show the
service's ValidationError messages in the form. htmx requests get the fragment they replace."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from matching.models import CandidateStatus, MatchCandidate
from matching.services import match_candidate_reject
from mdm.canonical import attribute_names, known_fields
from mdm.choices import Domain, OutboxStatus, OverrideMode, QuarantineStatus
from mdm.models import AttributeOverride, OutboxMessage, QuarantinedRecord, domain_of_golden_id, golden_model
from mdm.permissions import access_of, can, require, restrict
from mdm.selectors import golden_history
from mdm.services.quarantine import quarantine_discard, quarantine_replay
from stewardship import search, selectors, services
from stewardship.listing import page_param
from stewardship.models import ChangeRequest, ChangeStatus


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [m for e in errs for m in e.messages] for name, errs in error.error_dict.items()}
    return {"__all__": error.messages}


def _error_text(error: ValidationError) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in _errors(error).items())


def _golden_or_403(user, golden_id: str, action: str = "view"):
    try:
        domain = domain_of_golden_id(golden_id)
    except LookupError:
        raise Http404("not a golden id") from None
    record = get_object_or_404(golden_model(domain), pk=golden_id)
    require(user, action, domain, record)
    return record


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Home ------------------------------------------------------------------------------------

@login_required
def home(request):
    access = access_of(request.user)
    mine = ChangeRequest.objects.filter(requested_by=request.user, status=ChangeStatus.PENDING)
    return render(request, "stewardship/home.html", {
        "queues": selectors.home_queues(request.user),
        "domains": [(d, label) for d, label in Domain.choices if d in access.domains("view")],
        "assigned_to_me": restrict(MatchCandidate.objects.filter(status=CandidateStatus.OPEN, assigned_to=request.user),
                                   request.user, "change").count(),
        "my_requests": list(mine.order_by("-created_at")[:10]),
        "recent": selectors.recent_changes(request.user),
        "sla_hours": selectors.sla_hours(),
        "view_domains": access.domains("view"),
        "change_domains": access.domains("change"),
        "approve_domains": access.domains("approve"),
    })


# --- Match review ----------------------------------------------------------------------------

def _candidate_cards(candidates: list[MatchCandidate]) -> list[dict]:
    """Both golden records of each candidate, fetched in one query per domain."""
    ids_by_domain: dict[str, set[str]] = {}
    for c in candidates:
        ids_by_domain.setdefault(c.domain, set()).update({c.golden_id_a, c.golden_id_b})
    records = {}
    for domain, ids in ids_by_domain.items():
        records.update({r.id: r for r in golden_model(domain).objects.filter(pk__in=ids)})
    from mdm.services.golden import golden_values

    waiting = dict(ChangeRequest.objects.filter(
        status=ChangeStatus.PENDING, payload__action="merge",
        payload__candidate_id__in=[c.pk for c in candidates]).values_list("payload__candidate_id", "pk"))
    cards = []
    for c in candidates:
        a, b = records.get(c.golden_id_a), records.get(c.golden_id_b)
        values_a = golden_values(a) if a else {}
        values_b = golden_values(b) if b else {}
        rows = []
        for name in attribute_names(c.domain):
            va, vb = values_a.get(name), values_b.get(name)
            blank_a, blank_b = va in (None, ""), vb in (None, "")
            state = ("empty" if blank_a and blank_b else "missing" if blank_a or blank_b else
                     "agree" if str(va).casefold() == str(vb).casefold() else "differ")
            contribution = c.contributions.get(name) if isinstance(c.contributions, dict) else None
            rows.append({"name": name, "a": va, "b": vb, "state": state, "contribution": contribution})
        cards.append({"candidate": c, "a": a, "b": b, "rows": rows, "council_request": waiting.get(c.pk)})
    return cards


def _assignees():
    User = get_user_model()
    return User.objects.filter(is_active=True).filter(
        Q(groups__name__in=["steward", "council"]) | Q(is_superuser=True)).distinct().order_by("username")


@login_required
def match_queue(request):
    access = access_of(request.user)
    if not access.domains("view"):
        raise PermissionDenied("You have no domain to review.")
    queryset = restrict(MatchCandidate.objects.filter(status=CandidateStatus.OPEN), request.user, "view")
    domain = request.GET.get("domain", "")
    if domain:
        queryset = queryset.filter(domain=domain)
    if request.GET.get("mine"):
        queryset = queryset.filter(assigned_to=request.user)
    candidates = list(queryset.select_related("assigned_to").order_by("-score", "created_at")[:50])
    return render(request, "stewardship/match_queue.html", {
        "cards": _candidate_cards(candidates), "total": queryset.count(), "domain": domain, "shown": len(candidates),
        "domains": [(d, label) for d, label in Domain.choices if d in access.domains("view")],
        "assignees": list(_assignees()), "mine": bool(request.GET.get("mine")),
        "change_domains": access.domains("change"),
    })


def _decide(user, candidate: MatchCandidate, verb: str, reason: str, assignee_id: str | None = None) -> str:
    """Apply one decision; returns a message saying what happened."""
    reason = services.reason_checked(reason)
    if verb == "accept":
        outcome = services.candidate_accept(candidate_id=candidate.pk, acting_user=user, reason=reason)
        if isinstance(outcome, ChangeRequest):
            return f"Sent to the council as change request #{outcome.pk}: both customers have contracts."
        return f"Accepted: {candidate.golden_id_b} merged into {candidate.golden_id_a}."
    if verb == "reject":
        match_candidate_reject(candidate_id=candidate.pk, acting_user=user, reason=reason)
        return f"Rejected: {candidate.golden_id_a} and {candidate.golden_id_b} are remembered as not a match."
    if verb == "claim":
        services.candidate_assign(candidate_id=candidate.pk, assignee=user, acting_user=user)
        return "Claimed."
    if verb == "assign":
        assignee = _assignees().filter(pk=assignee_id).first() if assignee_id else None
        services.candidate_assign(candidate_id=candidate.pk, assignee=assignee, acting_user=user)
        return f"Assigned to {assignee.get_username()}." if assignee else "Unassigned."
    raise Http404("unknown action")


@login_required
@require_POST
def match_decide(request, candidate_id: int, verb: str):
    candidate = get_object_or_404(MatchCandidate, pk=candidate_id)
    if not restrict(MatchCandidate.objects.filter(pk=candidate.pk), request.user, "change").exists():
        raise PermissionDenied("You may not decide candidates in this domain or region.")
    error = None
    try:
        note = _decide(request.user, candidate, verb, services.reason_checked(request.POST.get("reason", "")),
                       request.POST.get("assignee"))
    except ValidationError as exc:
        error, note = _error_text(exc), ""
    if _htmx(request):
        candidate.refresh_from_db()
        card = _candidate_cards([candidate])[0]
        return render(request, "stewardship/partials/candidate.html", {
            "card": card, "note": note, "error": error, "assignees": list(_assignees()),
            "change_domains": access_of(request.user).domains("change")})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, note)
    return redirect(request.POST.get("next") or reverse("stewardship:match_queue"))


@login_required
@require_POST
def match_bulk(request):
    verb = request.POST.get("verb")
    if verb not in {"accept", "reject"}:
        raise Http404("unknown bulk action")
    ids = [int(i) for i in request.POST.getlist("candidate") if i.isdigit()]
    allowed = restrict(MatchCandidate.objects.filter(pk__in=ids), request.user, "change")
    if len(set(ids)) != allowed.count():
        raise PermissionDenied("Some selected candidates are outside your domains or regions.")
    done, failed = 0, []
    for candidate in allowed.order_by("-score"):
        try:
            _decide(request.user, candidate, verb, request.POST.get("reason", ""))
            done += 1
        except ValidationError as exc:
            failed.append(f"#{candidate.pk}: {_error_text(exc)}")
    messages.success(request, f"{verb.title()}ed {done} candidate{'s' if done != 1 else ''}.")
    for text in failed:
        messages.error(request, text)
    return redirect(reverse("stewardship:match_queue"))


# --- Golden records --------------------------------------------------------------------------

@login_required
def golden_detail(request, golden_id: str):
    record = _golden_or_403(request.user, golden_id)
    context = selectors.golden_page(record, request.user)
    context.update({
        "record": record, "domain": record.domain, "history": _history(record),
        "may_change": can(request.user, "change", record.domain, record),
        "merge_errors": {}, "unmerge_errors": {},
    })
    return render(request, "stewardship/golden.html", context)


def _history(record) -> list[dict]:
    """The record's timeline without the revision counter in the diffs (it changes every time)."""
    entries = golden_history(record)[:50]
    for entry in entries:
        entry["changes"] = [c for c in entry["changes"] if c["field"] != "revision"]
    return entries


def _parse_until(text: str):
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:  # the shape of a date, but no such day (2026-02-30)
        day = None
    if day is None:
        raise ValidationError({"until": ["enter a date as YYYY-MM-DD"]})
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@login_required
def resolve(request, golden_id: str, attribute: str):
    record = _golden_or_403(request.user, golden_id, "change")
    if attribute not in attribute_names(record.domain):
        raise Http404("no such attribute")
    page = selectors.golden_page(record, request.user)
    row = next(r for r in page["rows"] if r.name == attribute)
    errors: dict[str, list[str]] = {}
    form = {"mode": OverrideMode.PINNED, "choice": "", "value": "", "until": "", "reason": ""}
    if request.method == "POST":
        form.update({k: request.POST.get(k, "").strip() for k in form})
        value = form["value"] if form["choice"] in ("", "__new__") else form["choice"]
        try:
            if form["choice"].startswith("src:"):
                source_index = int(form["choice"][4:])
                value = row.sources[source_index][1]
            outcome = services.override_request(golden_id=record.id, attribute=attribute, value=value,
                                                mode=form["mode"], until=_parse_until(form["until"]),
                                                reason=services.reason_checked(form["reason"]),
                                                acting_user=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        except (ValueError, IndexError):
            errors = {"choice": ["pick a source value or enter a new one"]}
        else:
            if isinstance(outcome, ChangeRequest):
                messages.info(request, f"{attribute} is governed: change request #{outcome.pk} waits for the council.")
            else:
                messages.success(request, f"{attribute} overridden.")
            return redirect(reverse("stewardship:golden", args=[record.id]) + f"#attr-{attribute}")
    return render(request, "stewardship/resolve.html", {
        "record": record, "row": row, "errors": errors, "form": form, "modes": OverrideMode.choices,
        "choices": [(f"src:{i}", value, xref, winner) for i, (xref, value, winner) in enumerate(row.sources)
                    if value not in (None, "")],
        "governed": services.policy.override_needs_approval(record.domain, attribute),
        "reason_max": services.REASON_MAX,
    }, status=400 if errors else 200)


@login_required
@require_POST
def override_remove_view(request, golden_id: str, override_id: int):
    record = _golden_or_403(request.user, golden_id, "change")
    get_object_or_404(AttributeOverride, pk=override_id, golden_id=record.id)
    try:
        outcome = services.override_remove_request(
            override_id=override_id, reason=services.reason_checked(request.POST.get("reason", "")),
            acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if isinstance(outcome, ChangeRequest):
            messages.info(request, f"{outcome.payload['attribute']} is governed: removing its override waits for "
                                   f"the council as change request #{outcome.pk}.")
        else:
            messages.success(request, "Override removed; survivorship decides again.")
    return redirect("stewardship:golden", golden_id=record.id)


def _golden_page_with_errors(request, record, **errors):
    context = selectors.golden_page(record, request.user)
    context.update({"record": record, "domain": record.domain, "history": _history(record),
                    "may_change": True, "merge_errors": {}, "unmerge_errors": {}, **errors,
                    "merge_form": request.POST})
    return render(request, "stewardship/golden.html", context, status=400)


@login_required
@require_POST
def merge(request, golden_id: str):
    """Merge another golden record (`merged_id`) into this one; this one survives and keeps its id."""
    survivor = _golden_or_403(request.user, golden_id, "change")
    merged_id = request.POST.get("merged_id", "").strip().upper()
    reason = request.POST.get("reason", "").strip()
    try:
        reason = services.reason_checked(reason)
        if not merged_id:
            raise ValidationError({"merged_id": ["enter the id of the golden record to merge into this one"]})
        other = golden_model(survivor.domain).objects.filter(pk=merged_id).first()
        if other is None:
            raise ValidationError({"merged_id": [f"no {survivor.domain} golden record {merged_id}"]})
        require(request.user, "change", survivor.domain, other)
        outcome = services.merge_request(survivor_id=survivor.id, merged_id=merged_id, reason=reason,
                                         acting_user=request.user)
    except ValidationError as exc:
        return _golden_page_with_errors(request, survivor, merge_errors=_errors(exc))
    if isinstance(outcome, ChangeRequest):
        messages.info(request, f"Both customers have contracts: change request #{outcome.pk} waits for the council.")
    else:
        messages.success(request, f"{merged_id} merged into {survivor.id}.")
    return redirect("stewardship:golden", golden_id=survivor.id)


@login_required
@require_POST
def unmerge(request, golden_id: str):
    """Undo the merge of `golden_id` (a merged record) out of its survivor."""
    record = _golden_or_403(request.user, golden_id, "change")
    try:
        outcome = services.unmerge_request(merged_id=record.id, acting_user=request.user,
                                           reason=services.reason_checked(request.POST.get("reason", "")))
    except ValidationError as exc:
        target = golden_model(record.domain).objects.filter(pk=request.POST.get("back") or record.id).first()
        return _golden_page_with_errors(request, target or record, unmerge_errors=_errors(exc))
    if isinstance(outcome, ChangeRequest):
        messages.info(request, f"The council merged {record.id}: undoing it waits for the council as change "
                               f"request #{outcome.pk}.")
    else:
        messages.success(request, f"{record.id} unmerged from {outcome.survivor_id}.")
    return redirect("stewardship:golden", golden_id=record.id)


# --- Exceptions ------------------------------------------------------------------------------

@login_required
def exceptions(request):
    if not access_of(request.user).domains("view"):
        raise PermissionDenied("You have no domain to look after.")
    quarantine = restrict(QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN), request.user, "view")
    dead = restrict(OutboxMessage.objects.filter(status=OutboxStatus.DEAD), request.user, "view")
    return render(request, "stewardship/exceptions.html", {
        "quarantine": list(quarantine.select_related("system")[:100]), "quarantine_total": quarantine.count(),
        "dead": list(dead.select_related("system")[:100]), "dead_total": dead.count(),
        "change_domains": access_of(request.user).domains("change"),
    })


def _entry_or_403(user, entry_id: int, action: str) -> QuarantinedRecord:
    entry = get_object_or_404(QuarantinedRecord.objects.select_related("system"), pk=entry_id)
    if not restrict(QuarantinedRecord.objects.filter(pk=entry.pk), user, action).exists():
        raise PermissionDenied("You may not handle exceptions of this domain.")
    return entry


@login_required
def quarantine_fix(request, entry_id: int):
    """Fix a quarantined record's canonical values and replay it."""
    entry = _entry_or_403(request.user, entry_id, "view" if request.method == "GET" else "change")
    fields = sorted(known_fields(entry.domain))
    values = {name: entry.canonical.get(name) for name in fields}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        submitted = {name: request.POST.get(name, "") for name in fields}
        fixes = {name: (value or None) for name, value in submitted.items()
                 if (value or None) != (None if entry.canonical.get(name) in (None, "") else str(entry.canonical.get(name)))}
        source_id = request.POST.get("source_id", "").strip() or None
        try:
            quarantine_replay(entry_id=entry.pk, fixes=fixes, acting_user=request.user, source_id=source_id)
        except ValidationError as exc:
            errors, values = _errors(exc), submitted
        else:
            messages.success(request, f"{entry.system.name}:{entry.source_id} replayed"
                             f"{' with ' + ', '.join(sorted(fixes)) + ' fixed' if fixes else ''}.")
            return redirect("stewardship:exceptions")
    return render(request, "stewardship/quarantine_fix.html", {
        "entry": entry, "fields": [(name, values.get(name)) for name in fields], "errors": errors,
        "may_change": can(request.user, "change", entry.domain),
    }, status=400 if errors else 200)


@login_required
@require_POST
def quarantine_discard_view(request, entry_id: int):
    entry = _entry_or_403(request.user, entry_id, "change")
    try:
        quarantine_discard(entry_id=entry.pk, acting_user=request.user,
                           reason=services.reason_checked(request.POST.get("reason", "")))
        messages.success(request, f"{entry.system.name}:{entry.source_id} discarded.")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("stewardship:exceptions")


@login_required
@require_POST
def outbox_replay_view(request, message_id: int):
    message = get_object_or_404(OutboxMessage, pk=message_id)
    if not restrict(OutboxMessage.objects.filter(pk=message.pk), request.user, "change").exists():
        raise PermissionDenied("You may not replay messages of this domain.")
    try:
        services.outbox_replay(message_id=message.pk, acting_user=request.user)
        messages.success(request, f"Message #{message.pk} to {message.system.name} queued again.")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("stewardship:exceptions")


# --- Council ---------------------------------------------------------------------------------

@login_required
def council(request):
    access = access_of(request.user)
    if not access.domains("view"):
        raise PermissionDenied("You have no domain to look at.")
    pending = restrict(ChangeRequest.objects.filter(status=ChangeStatus.PENDING), request.user, "view")
    asked = ChangeRequest.objects.filter(requested_by=request.user)
    decided = restrict(ChangeRequest.objects.exclude(status=ChangeStatus.PENDING), request.user, "view")
    related = ("requested_by", "decided_by")
    return render(request, "stewardship/council.html", {
        "pending": list(pending.select_related(*related)[:100]),
        "asked": list(asked.select_related(*related).order_by("-created_at")[:20]),
        "decided": list(decided.select_related(*related).order_by("-decided_at")[:20]),
        "approve_domains": access.domains("approve"),
    })


@login_required
@require_POST
def council_decide(request, request_id: int, verb: str):
    change = get_object_or_404(ChangeRequest, pk=request_id)
    golden = golden_model(change.domain).objects.filter(pk=change.golden_id).first()
    if verb != "withdraw":
        require(request.user, "approve", change.domain, golden)
    comment = request.POST.get("comment", "").strip()
    try:
        if verb == "withdraw":
            services.change_request_withdraw(request_id=change.pk, acting_user=request.user)
            messages.success(request, f"Change request #{change.pk} withdrawn.")
        elif verb == "approve":
            services.change_request_approve(request_id=change.pk, acting_user=request.user, comment=comment)
            messages.success(request, f"Change request #{change.pk} approved and applied.")
        elif verb == "reject":
            services.change_request_reject(request_id=change.pk, acting_user=request.user, comment=comment)
            messages.success(request, f"Change request #{change.pk} rejected.")
        else:
            raise Http404("unknown decision")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("stewardship:council")


# --- Search ----------------------------------------------------------------------------------

PICKER_CUTOFF = 75


@login_required
def search_view(request):
    """The search page (ranked, paged), and — with `picker` — the merge form's "Find the
    duplicate": active records of one domain the user may change, as an htmx fragment."""
    query = request.GET.get("q", "")
    domain = request.GET.get("domain") or None
    if domain not in (None, *Domain.values):
        domain = None
    if request.GET.get("picker"):
        exclude = request.GET.get("exclude", "")
        # Only close names: a loose look-alike offered here once became a wrong merge request.
        found = (search.search(request.user, query, domain=domain, per_page=9, action="change", active_only=True,
                               cutoff=PICKER_CUTOFF) if len(query.strip()) >= 2 else None)
        hits = [h for h in (found.hits if found else []) if h.record.id != exclude][:8]
        return render(request, "stewardship/partials/picker.html", {"hits": hits})
    try:
        page = page_param(request.GET)
    except ValidationError:
        page = 1
    result = search.search(request.user, query, domain=domain, page=page) if query.strip() else None
    return render(request, "stewardship/search.html", {
        "search_query": query, "query": query, "result": result, "hits": result.hits if result else [],
        "domain": domain or "", "domains": [(d, label) for d, label in Domain.choices
                                            if d in access_of(request.user).domains("view")]})
