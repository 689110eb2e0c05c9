"""The console's Data quality page: violations with filters, resolve / waive / reassign, scores over
time. Same permission checks as the stewardship views: the page needs a domain to look at, each list
goes through `restrict`, and each action needs the change permission on the violation's domain (and,
for a scoped customer steward, the customer's country) — else a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mdm.choices import Domain
from mdm.permissions import access_of, restrict
from quality import selectors, services
from quality.models import QualityRule, ScoreScope, Violation, ViolationStatus

PAGE = 100


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(m for e in errs for m in e.messages)}"
                         for name, errs in error.error_dict.items())
    return " ".join(error.messages)


def _assignees():
    """Who a violation can be given to: active stewards and council members."""
    return (get_user_model().objects.filter(is_active=True, groups__name__in=["steward", "council"])
            .distinct().order_by("username"))


def _filtered(request, queryset):
    """Apply the page's filters; a filter value we do not know is a 400-worthy ValidationError."""
    params = request.GET
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
    if params.get("rule"):
        queryset = queryset.filter(rule__code=params["rule"])
    owner = params.get("owner", "")
    if owner == "me":
        queryset = queryset.filter(owner=request.user)
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


@login_required
def violations(request):
    access = access_of(request.user)
    view_domains = access.domains("view")
    if not view_domains:
        raise PermissionDenied("You have no domain to look after.")
    visible = restrict(Violation.objects.all(), request.user, "view")
    error = None
    try:
        queryset = _filtered(request, visible)
    except ValidationError as exc:
        error, queryset = _error_text(exc), visible.none()
    rows = list(queryset.select_related("rule", "owner", "resolved_by").order_by("opened_at", "id")[:PAGE])
    now = timezone.now()
    history = selectors.score_history()
    live = selectors.live_golden_scores(request.user)
    latest = selectors.latest_scores(request.user)
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
    return render(request, "quality/violations.html", {
        "rows": [(v, now - v.opened_at) for v in rows], "total": queryset.count(), "shown": len(rows),
        "error": error, "filters": {k: request.GET.get(k, "") for k in ("domain", "rule", "owner", "age")},
        "status": request.GET.get("status", ViolationStatus.OPEN), "statuses": ViolationStatus.choices,
        "domains": [(d, label) for d, label in Domain.choices if d in view_domains],
        "rules": QualityRule.objects.filter(domain__in=view_domains).order_by("domain", "code"),
        "ages": [(name, selectors.AGE_LABELS[name]) for name, _ in selectors.AGE_BUCKETS],
        "group_owner": selectors.GROUP_OWNER, "assignees": list(_assignees()),
        "change_domains": access.domains("change"), "scores": scores,
    }, status=400 if error else 200)


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
        services.violation_close(violation_id=violation.pk, status=statuses[verb],
                                 note=request.POST.get("note", ""), acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
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
        messages.error(request, _error_text(exc))
    else:
        who = updated.owner.get_username() if updated.owner else "the stewards"
        messages.success(request, f"{violation.rule.code} on {violation.golden_id} given to {who}.")
    return _back(request)
