"""The golden-record browser's pages: the list (with its facets as an htmx fragment), the export,
and the steward's saved views. Thin: parse the query (a 400 with the reason when it is not
understood), check the console role, call stewardship.golden_browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mdm.choices import Domain
from mdm.listing import errors_text
from mdm.permissions import access_of
from stewardship import export, golden_browser
from stewardship.golden_browser import BrowseQuery
from stewardship.models import SavedView
from stewardship.services import saved_view_delete, saved_view_save


def _viewable_domains(user) -> list[str]:
    domains = access_of(user).domains("view")
    if not domains:
        raise PermissionDenied("You have no domain to browse.")
    return [d for d in Domain.values if d in domains]


def _saved_views(user, domains: list[str]) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user, domain__in=domains))


@login_required
def golden_list(request):
    domains = _viewable_domains(request.user)
    try:
        query = BrowseQuery.parsed(request.GET, domains)
    except ValidationError as exc:
        return render(request, "stewardship/golden_list.html", {
            "error": errors_text(exc), "domains": [(d, Domain(d).label) for d in domains],
            "saved_views": _saved_views(request.user, domains)}, status=400)
    if request.GET.get("facets"):  # the sidebar, loaded after the table (htmx)
        return render(request, "stewardship/partials/facets.html", {
            "facets": golden_browser.golden_facets(request.user, query), "browse": query})
    page = golden_browser.golden_browse(request.user, query)
    return render(request, "stewardship/golden_list.html", {
        "page": page, "browse": query, "domains": [(d, Domain(d).label) for d in domains],
        "all_columns": golden_browser.COLUMNS[query.domain], "saved_views": _saved_views(request.user, domains),
        "querystring": query.querystring(),
    })


@login_required
def golden_export(request):
    domains = _viewable_domains(request.user)
    try:
        query = BrowseQuery.parsed(request.GET, domains)
        kind = request.GET.get("format", "csv")
        if kind not in ("csv", "xlsx"):
            raise ValidationError({"format": ["export as csv or xlsx"]})
    except ValidationError as exc:
        return render(request, "stewardship/golden_list.html", {
            "error": errors_text(exc), "domains": [(d, Domain(d).label) for d in domains],
            "saved_views": _saved_views(request.user, domains)}, status=400)
    rows = golden_browser.export_rows(request.user, query)
    name = f"{query.domain}s-{timezone.localdate().isoformat()}"
    if kind == "csv":
        response = StreamingHttpResponse(export.csv_chunks(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return FileResponse(export.xlsx_file(rows, title=f"{Domain(query.domain).label}s"), as_attachment=True,
                        filename=f"{name}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
@require_POST
def saved_view_create(request):
    domains = _viewable_domains(request.user)
    try:
        query = BrowseQuery.parsed(request.POST, domains)  # the form carries the browser's parameters
        view = saved_view_save(user=request.user, name=request.POST.get("name", ""), domain=query.domain,
                               query=query.querystring())
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect(reverse("stewardship:golden_list") + "?" + request.POST.get("back", ""))
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(reverse("stewardship:golden_list") + "?" + view.query)


@login_required
@require_POST
def saved_view_remove(request, view_id: int):
    _viewable_domains(request.user)
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)  # another's view does not exist for you
    saved_view_delete(view_id=view.pk, user=request.user)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect(reverse("stewardship:golden_list") + f"?domain={view.domain}")
