"""Console views: parse the form, check permission (403 when refused), call one service, show the
service's ValidationError messages in the form. htmx requests get the fragment they replace."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from matching.models import CandidateStatus, MatchCandidate
from matching.services import match_candidate_reject
from mdm.canonical import ATTRIBUTES, attribute_names, known_fields
from mdm.choices import Domain, OutboxStatus, OverrideMode, QuarantineStatus
from mdm.listing import page_param
from mdm.models import AttributeOverride, OutboxMessage, QuarantinedRecord, domain_of_golden_id, golden_model
from mdm.permissions import access_of, can, require, restrict
from mdm.selectors import golden_history
from mdm.services.quarantine import quarantine_discard, quarantine_replay
from mdm.validation import error_fields, error_text
from stewardship import council as council_review
from stewardship import queues, search, selectors, services
from stewardship.models import ChangeRequest, ChangeStatus


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
        "queues": selectors.home_queues(request.user) if access.domains("view") else [],
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

def _review_context(request, queue, cards, error=None) -> dict:
    access = access_of(request.user)
    query = queue.query if queue else queues.ReviewQuery()
    filters = {k: v for k, v in query.filters().items() if v}
    return {
        "cards": cards, "queue": queue, "total": queue.total if queue else 0, "shown": len(cards), "error": error,
        "domain": query.domain, "mine": query.assigned == "me", "query": query, "filters": urlencode(filters),
        "filters_without_cause": urlencode({k: v for k, v in filters.items() if k != "cause"}),
        "filters_without_band": urlencode({k: v for k, v in filters.items() if k != "band"}),
        "domains": [(d, label) for d, label in Domain.choices if d in access.domains("view")],
        "assignees": queues.assignable_users(), "change_domains": access.domains("change"),
        # The bulk bar gives the ticked cards to someone who may decide every card of the page.
        "bulk_assignees": _common_assignees(cards),
        "bulk_max": queues.BULK_MAX,
    }


def _common_assignees(cards) -> list:
    common = None
    for card in cards:
        allowed = {user.pk for user in card["assignees"]}
        common = allowed if common is None else common & allowed
    return [user for user in queues.assignable_users() if common is None or user.pk in common]


@login_required
def match_queue(request):
    if not access_of(request.user).domains("view"):
        raise PermissionDenied("You have no domain to review.")
    try:
        query = queues.ReviewQuery.parsed(request.GET, request.user)
    except ValidationError as exc:
        return render(request, "stewardship/match_queue.html", _review_context(request, None, [], error_text(exc)),
                      status=400)
    queue = queues.review_queue(request.user, query)
    cards = queues.review_cards(request.user, queue.page.items)
    return render(request, "stewardship/match_queue.html", _review_context(request, queue, cards))


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
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first() \
            if assignee_id and str(assignee_id).isdigit() else None
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
        error, note = error_text(exc), ""
    if _htmx(request):
        candidate.refresh_from_db()
        return render(request, "stewardship/partials/candidate.html", {
            "card": queues.review_cards(request.user, [candidate])[0], "note": note, "error": error,
            "change_domains": access_of(request.user).domains("change")})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, note)
    return redirect(request.POST.get("next") or reverse("stewardship:match_queue"))


@login_required
def match_preview(request, candidate_id: int):
    """What accepting a card would make of the two records: the survivor's values after the merge
    and what moves to it (a dry run, rolled back), as an htmx fragment under the card."""
    candidate = get_object_or_404(MatchCandidate, pk=candidate_id, status=CandidateStatus.OPEN)
    if not restrict(MatchCandidate.objects.filter(pk=candidate.pk), request.user, "change").exists():
        raise PermissionDenied("You may not decide candidates in this domain or region.")
    dry_run = council_review.merge_dry_run(candidate.domain, candidate.golden_id_a, candidate.golden_id_b)
    card = queues.review_cards(request.user, [candidate])[0]
    after = dry_run.after.get(candidate.golden_id_a, {}) if not dry_run.error else {}
    rows = [{"name": row["name"], "a": row["a"], "after": after.get(row["name"]),
             "changed": after.get(row["name"]) != row["a"]} for row in card["rows"] if row["state"] != "empty"]
    return render(request, "stewardship/partials/merge_preview.html", {
        "candidate": candidate, "dry_run": dry_run, "rows": rows,
        "moved_names": council_review.moved_names(request.user, dry_run)})


def _confirm(request, outcome, action: str, back: str):
    """The confirmation page of a bulk action: what it will do, the items, and the same form again."""
    fields = [(name, value) for name, values in request.POST.lists() for value in values
              if name not in ("csrfmiddlewaretoken", "confirmed", "preview")]
    return render(request, "stewardship/confirm.html", {"outcome": outcome, "action": action, "fields": fields,
                                                        "back": back})


def _bulk_candidates(request) -> list[MatchCandidate]:
    """The candidates a bulk action names: the ticked ones, or (scope "all") the first BULK_MAX the
    queue's filters keep; every one must be the user's to decide (else a 403)."""
    if request.POST.get("scope") == "all":
        query = queues.ReviewQuery.parsed(QueryDict(request.POST.get("filters", "")), request.user)
        ids = queues.review_selection(request.user, replace(query, page=1))
    else:
        ids = queues.bulk_ids(request.POST, "candidate")
    allowed = list(restrict(MatchCandidate.objects.filter(pk__in=ids, status=CandidateStatus.OPEN), request.user,
                            "change").order_by("-score", "pk"))
    if len(set(ids)) != len(allowed) and request.POST.get("scope") != "all":
        raise PermissionDenied("Some selected candidates are outside your domains or regions.")
    return allowed


@login_required
@require_POST
def match_bulk(request):
    """Accept, reject or assign several candidates. `preview`: what it would do, as the bulk
    bar's fragment; `scope=all`: every candidate the filters keep (up to BULK_MAX), after a
    confirmation page."""
    verb = request.POST.get("verb")
    preview = bool(request.POST.get("preview"))
    if not preview and verb not in {"accept", "reject", "assign"}:
        raise Http404("unknown bulk action")
    try:
        candidates = _bulk_candidates(request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(reverse("stewardship:match_queue"))
    assignee_id = request.POST.get("assignee")
    if preview:
        return render(request, "stewardship/partials/bulk_preview.html", {
            "outcomes": [queues.review_bulk_outcome(candidates, v) for v in ("accept", "reject")]})
    if request.POST.get("scope") == "all" and not request.POST.get("confirmed"):
        return _confirm(request, queues.review_bulk_outcome(candidates, verb, assignee_id),
                        reverse("stewardship:match_bulk"),
                        reverse("stewardship:match_queue") + "?" + request.POST.get("filters", ""))
    done, failed = 0, []
    for candidate in candidates:
        try:
            _decide(request.user, candidate, verb, request.POST.get("reason", ""), assignee_id)
            done += 1
        except ValidationError as exc:
            failed.append(f"#{candidate.pk}: {error_text(exc)}")
    past = {"accept": "Accepted", "reject": "Rejected", "assign": "Assigned"}[verb]
    messages.success(request, f"{past} {done} candidate{'s' if done != 1 else ''}.")
    for text in failed:
        messages.error(request, text)
    return redirect(reverse("stewardship:match_queue") + ("?" + request.POST["filters"]
                                                          if request.POST.get("filters") else ""))


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
    # The new value starts as the golden value: a steward corrects it rather than types it again.
    form = {"mode": OverrideMode.PINNED, "choice": "", "value": "" if row.value is None else str(row.value),
            "until": "", "reason": ""}
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
            errors = error_fields(exc)
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
        messages.error(request, error_text(exc))
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
        return _golden_page_with_errors(request, survivor, merge_errors=error_fields(exc))
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
        return _golden_page_with_errors(request, target or record, unmerge_errors=error_fields(exc))
    if isinstance(outcome, ChangeRequest):
        messages.info(request, f"The council merged {record.id}: undoing it waits for the council as change "
                               f"request #{outcome.pk}.")
    else:
        messages.success(request, f"{record.id} unmerged from {outcome.survivor_id}.")
    return redirect("stewardship:golden", golden_id=record.id)


# --- Exceptions ------------------------------------------------------------------------------

EXCEPTION_TABS = {"quarantine": (queues.QUARANTINE_SORTS, queues.quarantine_list),
                  "dead": (queues.DEAD_SORTS, queues.dead_letters)}


@login_required
def exceptions(request):
    """Quarantined source records and dead letters, one tab each: filtered by domain and system,
    grouped by cause, sorted, paged, with bulk actions."""
    access = access_of(request.user)
    if not access.domains("view"):
        raise PermissionDenied("You have no domain to look after.")
    tab = "dead" if request.GET.get("tab") == "dead" else "quarantine"
    sorts, read = EXCEPTION_TABS[tab]
    quarantine = restrict(QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN), request.user, "view")
    dead = restrict(OutboxMessage.objects.filter(status=OutboxStatus.DEAD), request.user, "view")
    context = {"tab": tab, "quarantine_total": quarantine.count(), "dead_total": dead.count(),
               "change_domains": access.domains("change"), "bulk_max": queues.BULK_MAX,
               "domains": [(d, label) for d, label in Domain.choices if d in access.domains("view")],
               "fields_by_domain": {d: canonical_fields(d) for d in access.domains("change")}}
    try:
        work = read(request.user, queues.ListQuery.parsed(request.GET, request.user, sorts, "-age"))
    except ValidationError as exc:
        return render(request, "stewardship/exceptions.html", {**context, "error": error_text(exc)}, status=400)
    filters = {"tab": tab, **{k: v for k, v in work.query.filters().items() if v}}
    if work.query.sort.param != "-age":
        filters["sort"] = work.query.sort.param
    context.update({"work": work, "query": work.query, "filters": urlencode(filters),
                    "filters_without_cause": urlencode({k: v for k, v in filters.items() if k != "cause"}),
                    "filters_without_system": urlencode({k: v for k, v in filters.items() if k != "system"}),
                    "quarantine": work.page.items if tab == "quarantine" else [],
                    "dead": work.page.items if tab == "dead" else []})
    return render(request, "stewardship/exceptions.html", context)


@login_required
@require_POST
def exceptions_bulk(request):
    """Discard, replay or fix-and-replay several quarantined records, or replay several dead
    letters: the ticked ones, or (scope "all") those the tab's filters keep, after a confirmation."""
    kind = "dead" if request.POST.get("kind") == "dead" else "quarantine"
    verb = request.POST.get("verb", "")
    verbs = {"quarantine": {"discard", "replay", "fix"}, "dead": {"replay"}}[kind]
    if not request.POST.get("preview") and verb not in verbs:
        raise Http404("unknown bulk action")
    back = reverse("stewardship:exceptions") + "?" + (request.POST.get("filters") or f"tab={kind}")
    field, value = request.POST.get("fix_field", ""), request.POST.get("fix_value", "")
    try:
        items = _bulk_exceptions(request, kind)
        if request.POST.get("preview"):  # each action the bar offers, and what it would do
            offered = ["replay"] if kind == "dead" else ["discard", "replay"] + (["fix"] if field else [])
            return render(request, "stewardship/partials/bulk_preview.html", {"outcomes": [
                services.exceptions_bulk_outcome(kind=kind, items=items, verb=v, field=field, value=value)
                for v in offered]})
        outcome = services.exceptions_bulk_outcome(kind=kind, items=items, verb=verb, field=field, value=value)
    except ValidationError as exc:
        if request.POST.get("preview"):
            return render(request, "stewardship/partials/bulk_preview.html", {"error": error_text(exc)})
        messages.error(request, error_text(exc))
        return redirect(back)
    if request.POST.get("scope") == "all" and not request.POST.get("confirmed"):
        return _confirm(request, outcome, reverse("stewardship:exceptions_bulk"), back)
    try:
        done, failed = services.exceptions_bulk_apply(kind=kind, items=items, verb=verb, acting_user=request.user,
                                                      reason=request.POST.get("reason", ""),
                                                      field=request.POST.get("fix_field", ""),
                                                      value=request.POST.get("fix_value", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    messages.success(request, f"{outcome.verb.capitalize()}: {done} done{f', {len(failed)} not' if failed else ''}.")
    for text in failed[:20]:
        messages.error(request, text)
    return redirect(back)


def _bulk_exceptions(request, kind: str) -> list:
    model, status = ((OutboxMessage, OutboxStatus.DEAD) if kind == "dead" else
                     (QuarantinedRecord, QuarantineStatus.OPEN))
    if request.POST.get("scope") == "all":
        sorts, read = EXCEPTION_TABS[kind]
        query = queues.ListQuery.parsed(QueryDict(request.POST.get("filters", "")), request.user, sorts, "-age")
        ids = queues.work_selection(read, request.user, query)
    else:
        ids = queues.bulk_ids(request.POST, "item")
    allowed = list(restrict(model.objects.filter(pk__in=ids, status=status), request.user, "change")
                   .select_related("system").order_by("pk"))
    if request.POST.get("scope") != "all" and len(set(ids)) != len(allowed):
        raise PermissionDenied("Some selected items are outside your domains, or were settled meanwhile.")
    return allowed


def _entry_or_403(user, entry_id: int, action: str) -> QuarantinedRecord:
    entry = get_object_or_404(QuarantinedRecord.objects.select_related("system"), pk=entry_id)
    if not restrict(QuarantinedRecord.objects.filter(pk=entry.pk), user, action).exists():
        raise PermissionDenied("You may not handle exceptions of this domain.")
    return entry


@login_required
def quarantine_fix(request, entry_id: int):
    """Fix a quarantined record's canonical values and replay it."""
    entry = _entry_or_403(request.user, entry_id, "view" if request.method == "GET" else "change")
    fields = canonical_fields(entry.domain)
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
            errors, values = error_fields(exc), submitted
        else:
            messages.success(request, f"{entry.system.name}:{entry.source_id} replayed"
                             f"{' with ' + ', '.join(sorted(fixes)) + ' fixed' if fixes else ''}.")
            return redirect("stewardship:exceptions")
    return render(request, "stewardship/quarantine_fix.html", {
        "entry": entry, "fields": [(name, values.get(name)) for name in fields], "errors": errors,
        "may_change": can(request.user, "change", entry.domain),
        "payload": json.dumps(entry.payload, indent=2, ensure_ascii=False, default=str),
    }, status=400 if errors else 200)


def canonical_fields(domain: str) -> list[str]:
    """A domain's fields in the canonical model's order (name first), then its references."""
    own = [attribute.name for attribute in ATTRIBUTES[domain]]
    return own + sorted(known_fields(domain) - set(own))


@login_required
@require_POST
def quarantine_discard_view(request, entry_id: int):
    entry = _entry_or_403(request.user, entry_id, "change")
    try:
        quarantine_discard(entry_id=entry.pk, acting_user=request.user,
                           reason=services.reason_checked(request.POST.get("reason", "")))
        messages.success(request, f"{entry.system.name}:{entry.source_id} discarded.")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
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
        messages.error(request, error_text(exc))
    return redirect(reverse("stewardship:exceptions") + "?tab=dead")


# --- Council ---------------------------------------------------------------------------------

@login_required
def council(request):
    """Pending requests (filtered by domain, kind and requester, grouped, paged) with names and
    what they would move; the user's own requests; the recently decided."""
    access = access_of(request.user)
    if not access.domains("view"):
        raise PermissionDenied("You have no domain to look at.")
    related = ("requested_by", "decided_by")
    asked = list(ChangeRequest.objects.filter(requested_by=request.user).select_related(*related)
                 .order_by("-created_at")[:20])
    decided = list(restrict(ChangeRequest.objects.exclude(status=ChangeStatus.PENDING), request.user, "view")
                   .select_related(*related).order_by("-decided_at")[:20])
    context = {"approve_domains": access.domains("approve"), "bulk_max": queues.BULK_MAX,
               "domains": [(d, label) for d, label in Domain.choices if d in access.domains("view")]}
    try:
        pending = queues.council_pending(request.user, queues.ListQuery.parsed(
            request.GET, request.user, queues.COUNCIL_SORTS, "age", extra=("requester",)))
    except ValidationError as exc:
        return render(request, "stewardship/council.html", {**context, "error": error_text(exc), "pending": [],
                                                              "asked": [], "decided": []}, status=400)
    filters = {k: v for k, v in pending.query.filters().items() if v}
    rows = council_review.council_rows(request.user, pending.page.items + asked + decided)
    by_request = {row.request.pk: row for row in rows}
    context.update({
        "work": pending, "query": pending.query, "pending": pending.page.items, "filters": urlencode(filters),
        "rows": [by_request[r.pk] for r in pending.page.items], "asked": [by_request[r.pk] for r in asked],
        "decided": [by_request[r.pk] for r in decided],
        "filters_without_cause": urlencode({k: v for k, v in filters.items() if k != "cause"}),
        "filters_without_requester": urlencode({k: v for k, v in filters.items() if k != "requester"}),
    })
    return render(request, "stewardship/council.html", context)


def _request_or_403(user, request_id: int) -> ChangeRequest:
    change = get_object_or_404(ChangeRequest.objects.select_related("requested_by", "decided_by"), pk=request_id)
    if change.requested_by_id != user.pk and not restrict(ChangeRequest.objects.filter(pk=change.pk), user,
                                                          "view").exists():
        raise PermissionDenied("This request concerns records outside your domains or countries.")
    return change


@login_required
def council_request(request, request_id: int):
    """One request in full: the records side by side, the requester's reason, and — for a pending
    one — what approving it would do (a dry run, rolled back)."""
    if not access_of(request.user).domains("view"):
        raise PermissionDenied("You have no domain to look at.")
    change = _request_or_403(request.user, request_id)
    page = council_review.request_page(request.user, change)
    return render(request, "stewardship/council_request.html", {
        "page": page, "r": change, "may_decide": change.status == ChangeStatus.PENDING
        and change.requested_by_id != request.user.pk and change.domain in access_of(request.user).domains("approve"),
        "moved_names": page.moved_names,
    })


@login_required
@require_POST
def council_bulk(request):
    """Approve or reject several pending requests with one comment (four-eyes holds for each)."""
    verb = request.POST.get("verb", "")
    if not request.POST.get("preview") and verb not in ("approve", "reject"):
        raise Http404("unknown bulk action")
    back = reverse("stewardship:council") + ("?" + request.POST["filters"] if request.POST.get("filters") else "")
    try:
        ids = queues.bulk_ids(request.POST, "item")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    changes = list(ChangeRequest.objects.filter(pk__in=ids, status=ChangeStatus.PENDING).order_by("pk"))
    for change in changes:
        golden = golden_model(change.domain).objects.filter(pk=change.golden_id).first()
        require(request.user, "approve", change.domain, golden)
    outcome = services.council_bulk_outcome(requests=changes, verb=verb or "approve", acting_user=request.user,
                                            names=council_review.council_rows(request.user, changes))
    if request.POST.get("preview"):
        return render(request, "stewardship/partials/bulk_preview.html", {"outcomes": [outcome]})
    try:
        done, failed = services.council_bulk_apply(requests=changes, verb=verb, acting_user=request.user,
                                                   comment=request.POST.get("comment", "").strip())
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    messages.success(request, f"{verb.capitalize()}d {done} request{'s' if done != 1 else ''}.")
    for text in failed:
        messages.error(request, text)
    return redirect(back)


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
        messages.error(request, error_text(exc))
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
