"""The operations dashboard (console staff) and /metrics (a Prometheus scraper).

Both read `registry.collect_all()` once per request, so the page and the scrape show the same
numbers — to a viewer who sees everything; a scoped steward's dashboard counts only what they may
see (mdm.permissions). /metrics is a machine endpoint with its own guard (scrape_verdict). htmx requests to the dashboard get the body fragment it refreshes every 30 seconds."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from mdm.permissions import CONSOLE_ROLES, access_of
from operations import dashboard as board
from operations.metrics import CONTENT_TYPE, exposition, scrape_verdict
from operations.registry import collect_all, one_reading, sections
from operations.timeseries import snapshot_minutes

log = logging.getLogger(__name__)


def is_console_staff(user) -> bool:
    """Signed in, active, and a steward, council member, auditor or administrator."""
    return bool(user.is_authenticated and user.is_active and (
        user.is_superuser or user.groups.filter(name__in=CONSOLE_ROLES).exists()))


def _rendered_sections(request) -> list[dict]:
    """Each registered section rendered with its own context; a section whose context fails shows
    its error in its place (and in the log) instead of taking the page down."""
    rendered = []
    for section in sections():
        try:
            html = render_to_string(section.template, section.context(request), request=request)
            rendered.append({"key": section.key, "title": section.title, "html": html, "error": ""})
        except Exception as error:
            log.exception("operations: dashboard section %r failed", section.key)
            rendered.append({"key": section.key, "title": section.title, "html": "",
                             "error": f"{type(error).__name__}: {error}"})
    return rendered


@require_GET
@login_required
def dashboard(request):
    if not is_console_staff(request.user):
        raise PermissionDenied("The operations dashboard is for console staff (steward, council, auditor).")
    try:
        days = board.parse_days(request.GET.get("days"))
    except ValueError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    now = timezone.now()
    access = access_of(request.user)
    scoped = not access.sees_everything()
    with one_reading():  # the sections show what the collectors counted: read once
        collected = collect_all(viewer=request.user)
        rendered = _rendered_sections(request)
    ages, exception_rows = board.exceptions_table(collected.figures)
    context = {
        "days": days,
        "ranges": board.RANGES,
        "now": now,
        "sections": rendered,
        "health_columns": [(key, heading) for key, heading, *_ in board.HEALTH_COLUMNS],
        "health_header": board.health_header(),
        "health_rows": board.health_table(collected.figures),
        "exception_ages": ages,
        "exception_rows": exception_rows,
        "charts": board.kpi_charts(collected.figures, now=now, days=days,
                                   domains=access.unlimited("view") if scoped else None,
                                   zone=timezone.get_current_timezone_name()),
        "failures": collected.failures,
        "scope": access.describe() if scoped else "",
        "snapshot_minutes": snapshot_minutes(),
    }
    template = ("operations/partials/body.html" if request.headers.get("HX-Request") == "true"
                else "operations/dashboard.html")
    return render(request, template, context)


@require_GET
def metrics(request):
    verdict = scrape_verdict(
        token=getattr(settings, "CONCORD_METRICS_TOKEN", "") or "",
        authorization=request.headers.get("Authorization", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        forwarded=bool(request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")),
        user_is_staff=bool(request.user.is_authenticated and request.user.is_active
                           and (request.user.is_staff or request.user.is_superuser)),
    )
    if not verdict.allowed:
        response = HttpResponse(verdict.reason + "\n", status=verdict.status, content_type="text/plain; charset=utf-8")
        if verdict.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="concord-metrics"'
        return response
    return HttpResponse(exposition(collect_all()), content_type=CONTENT_TYPE)
