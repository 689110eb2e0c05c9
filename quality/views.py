"""The console's Data quality page: violations with filters, resolve / waive / reassign, scores over
time. Same permission checks as the stewardship views: the page needs a domain to look at, each list
goes through `restrict`, and each action needs the change permission on the violation's domain (and,
for a scoped customer steward, the customer's country) — else a 403."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mdm.choices import Domain
from mdm.listing import Sort, page_param, paged, sort_param
from mdm.permissions import access_of, restrict, users_who_may
from mdm.validation import error_text
from quality import selectors, services
from quality.models import QualityRule, ScoreScope, Violation, ViolationStatus

BULK_MAX = 200

PAGE = 50  # violations a page: each row carries its three forms


def _assignees(domains) -> list:
    """Who the page's violations may be given to: the users who may change records of the
    domains shown (mdm.permissions.users_who_may — a project steward is never offered for a
    customer's violation; each row narrows this to its own domain and country)."""
    found = {user.pk: user for domain in domains for user in users_who_may("change", domain)}
    return sorted(found.values(), key=lambda user: user.get_username())


def _filtered(params, user, queryset, *, without_rule: bool = False):
    """Apply the page's filters; a filter value we do not know is a 400-worthy ValidationError.
    `without_rule`: all but the rule filter (the rule groups count across rules)."""
    errors: dict[str, list[str]] = {}
    status = params.get("status", ViolationStatus.OPEN)
    if status not in ViolationStatus.values:
        errors["status"] = [f"expected one of {', '.join(ViolationStatus.values)}"]
    else:
        queryset = queryset.filter(status=status)
    if params.get("domain"):
        if params["domain"] not in Domain.values:
            errors["domain"] = [f"expected one of {', '.join(Domain.values)}"]
        queryset = queryset.filter(domain=params["domain"])
    if params.get("rule") and not without_rule:
        queryset = queryset.filter(rule__code=params["rule"])
    owner = params.get("owner", "")
    if owner == "me":
        queryset = queryset.filter(owner=user)
    elif owner == selectors.GROUP_OWNER:
        queryset = queryset.filter(owner__isnull=True)
    elif owner:
        queryset = queryset.filter(owner__username=owner)
    if params.get("age"):
        try:
            lower, upper = selectors.age_bucket_bounds(params["age"])
        except LookupError as error:
            errors["age"] = [str(error)]
        else:
            now = timezone.now()
            if lower is not None:
                queryset = queryset.filter(opened_at__lte=now - lower)
            if upper is not None:
                queryset = queryset.filter(opened_at__gt=now - upper)
    if errors:
        raise ValidationError(errors)
    return queryset


SORTS = {"age": "opened_at", "rule": "rule__code", "severity": "severity", "record": "golden_id"}


def _page_params(request):
    """(page number, sort) of the list; a bad value is a ValidationError like a bad filter."""
    return page_param(request.GET), sort_param(request.GET, SORTS, "age")


def _by_rule(queryset) -> list:
    """Groups: violations of the filtered list by rule (their cause), with counts."""
    rows = queryset.values_list("rule__code").annotate(n=Count("pk"))
    return sorted(rows, key=lambda item: (-item[1], item[0]))


@login_required
def violations(request):
    access = access_of(request.user)
    view_domains = access.domains("view")
    if not view_domains:
        raise PermissionDenied("You have no domain to look after.")
    visible = restrict(Violation.objects.all(), request.user, "view")
    error = None
    try:
        queryset = _filtered(request.GET, request.user, visible)
        number, sort = _page_params(request)
        without_rule = _filtered(request.GET, request.user, visible, without_rule=True)
    except ValidationError as exc:
        error, queryset, without_rule = error_text(exc), visible.none(), visible.none()
        number, sort = 1, Sort("age", "opened_at", False)
    page = paged(queryset.select_related("rule", "owner", "resolved_by").order_by(*sort.order_by), number, PAGE)
    now = timezone.now()
    filters = {k: request.GET.get(k, "") for k in ("status", "domain", "rule", "owner", "age")}
    if sort.param != "age":
        filters["sort"] = sort.param
    kept = {k: v for k, v in filters.items() if v}
    return render(request, "quality/violations.html", {
        "rows": [(v, now - v.opened_at) for v in page.items],
        "owners": services.violations_assignees(page.items), "total": page.total, "shown": len(page.items),
        "page": page, "sort": sort, "error": error, "filters": filters, "querystring": urlencode(kept),
        "querystring_without_rule": urlencode({k: v for k, v in kept.items() if k != "rule"}),
        "rule_groups": [{"key": code, "label": code, "count": n, "selected": code == filters["rule"]}
                        for code, n in _by_rule(without_rule)],
        "status": request.GET.get("status", ViolationStatus.OPEN), "statuses": ViolationStatus.choices,
        "domains": [(d, label) for d, label in Domain.choices if d in view_domains],
        "rules": QualityRule.objects.filter(domain__in=view_domains).order_by("domain", "code"),
        "ages": [(name, selectors.AGE_LABELS[name]) for name, _ in selectors.AGE_BUCKETS],
        "group_owner": selectors.GROUP_OWNER, "assignees": _assignees(request.GET.get("domain") and [request.GET["domain"]] or view_domains),
        "change_domains": access.domains("change"), "scores": _scores(request.user, view_domains),
        "bulk_max": BULK_MAX,
    }, status=400 if error else 200)


def _scores(user, view_domains) -> list[dict]:
    history = selectors.score_history()
    live = selectors.live_golden_scores(user)
    latest = selectors.latest_scores(user)
    scores = []
    for domain, label in Domain.choices:
        if domain not in view_domains:
            continue
        total, passing = live[domain]
        systems = [s for s in latest if s.scope == ScoreScope.SYSTEM and s.domain == domain]
        scores.append({"domain": domain, "label": label, "total": total, "passing": passing,
                       "score": passing / total if total else 1.0, "systems": systems,
                       "history": history.get((domain, ""), [])[-10:],
                       "system_history": {s.system: history.get((domain, s.system), [])[-10:] for s in systems}})
    return scores


@login_required
@require_POST
def violations_bulk(request):
    """Resolve (each re-checked), waive or reassign several open violations: the ticked ones, or
    (scope "all") those the filters keep, up to BULK_MAX, after a confirmation."""
    verb = request.POST.get("verb", "")
    if not request.POST.get("preview") and verb not in ("resolve", "waive", "reassign"):
        raise Http404("unknown bulk action")
    back = reverse("quality:violations") + ("?" + request.POST["filters"] if request.POST.get("filters") else "")
    try:
        items = _bulk_violations(request)
        owner = request.POST.get("owner", "").strip()
        if owner and not owner.isdigit():
            raise ValidationError({"owner": ["choose a steward from the list"]})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    outcome = services.violations_bulk_outcome(items=items, verb=verb or "resolve", owner_id=int(owner) if owner else None)
    if request.POST.get("preview"):
        return render(request, "stewardship/partials/bulk_preview.html", {"outcomes": [outcome]})
    if request.POST.get("scope") == "all" and not request.POST.get("confirmed"):
        fields = [(name, value) for name, values in request.POST.lists() for value in values
                  if name not in ("csrfmiddlewaretoken", "confirmed", "preview")]
        return render(request, "stewardship/confirm.html", {"outcome": outcome, "fields": fields, "back": back,
                                                            "action": reverse("quality:bulk")})
    done, failed = services.violations_bulk_apply(items=items, verb=verb, note=request.POST.get("note", ""),
                                                  owner_id=int(owner) if owner else None, acting_user=request.user)
    messages.success(request, f"{outcome.verb.capitalize()}: {done} done{f', {len(failed)} not' if failed else ''}.")
    for text in failed[:20]:
        messages.error(request, text)
    return redirect(back)


def _bulk_violations(request) -> list[Violation]:
    if request.POST.get("scope") == "all":
        ids = list(_filtered(QueryDict(request.POST.get("filters", "")), request.user,
                             restrict(Violation.objects.all(), request.user, "view"))
                   .order_by("opened_at", "pk").values_list("pk", flat=True)[:BULK_MAX])
    else:
        ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("item") if v.isdigit()))
        if len(ids) > BULK_MAX:
            raise ValidationError({"item": [f"tick at most {BULK_MAX} at a time"]})
    allowed = list(restrict(Violation.objects.filter(pk__in=ids, status=ViolationStatus.OPEN), request.user,
                            "change").select_related("rule").order_by("opened_at", "pk"))
    if request.POST.get("scope") != "all" and len(set(ids)) != len(allowed):
        raise PermissionDenied("Some selected violations are outside your domains or countries, or closed meanwhile.")
    return allowed


def _violation_or_403(user, violation_id: int) -> Violation:
    violation = get_object_or_404(Violation, pk=violation_id)
    if not restrict(Violation.objects.filter(pk=violation.pk), user, "change").exists():
        raise PermissionDenied("You may not handle violations of this domain or region.")
    return violation


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(reverse("quality:violations"))


@login_required
@require_POST
def violation_close(request, violation_id: int, verb: str):
    statuses = {"resolve": ViolationStatus.RESOLVED, "waive": ViolationStatus.WAIVED}
    if verb not in statuses:
        raise Http404("unknown action")
    violation = _violation_or_403(request.user, violation_id)
    try:
        if verb == "resolve":  # re-checked: a violation whose data did not change stays open
            services.violation_resolve(violation_id=violation.pk, note=request.POST.get("note", ""),
                                       acting_user=request.user)
        else:
            services.violation_close(violation_id=violation.pk, status=statuses[verb],
                                     note=request.POST.get("note", ""), acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"{violation.rule.code} on {violation.golden_id} {statuses[verb]}.")
    return _back(request)


@login_required
@require_POST
def violation_reassign(request, violation_id: int):
    violation = _violation_or_403(request.user, violation_id)
    raw = request.POST.get("owner", "").strip()
    try:
        if raw and not raw.isdigit():
            raise ValidationError({"owner": ["choose a steward from the list"]})
        updated = services.violation_reassign(violation_id=violation.pk, owner_id=int(raw) if raw else None,
                                              acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        who = updated.owner.get_username() if updated.owner else "the stewards"
        messages.success(request, f"{violation.rule.code} on {violation.golden_id} given to {who}.")
    return _back(request)
