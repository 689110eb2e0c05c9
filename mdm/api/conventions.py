"""What every list of the API does the same way (docs/api.md, "Lists"): `?page=` and
`?page_size=` (up to MAX_PAGE_SIZE), `?ordering=` over the fields a list declares, text ordered
without regard to case, and a field error — never a silently empty page — for what it cannot read."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 1000


class ListPagination(PageNumberPagination):
    """Numbered pages; `page_size` is honoured up to MAX_PAGE_SIZE and carried in `next`."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) > 0):
            raise ValidationError({"page_size": [f"expected a whole number from 1 to {MAX_PAGE_SIZE}"]})
        return super().get_page_size(request)


class ListOrdering(BaseFilterBackend):
    """`?ordering=name` or `-name`, or several: `country,-updated_at`. A view names what it may be
    ordered by in `ordering_fields` and its default in `ordering`. Text fields order case-blind
    ("acme" sits beside "ACME", not after every capitalised name) and the primary key breaks ties,
    so consecutive pages never overlap or skip."""

    param = "ordering"

    def filter_queryset(self, request, queryset, view):
        allowed = tuple(getattr(view, "ordering_fields", ()) or ())
        asked = request.query_params.get(self.param, "").strip()
        if asked:
            terms = [term.strip() for term in asked.split(",") if term.strip()]
            _refuse_unknown(terms, allowed)
        else:
            terms = list(getattr(view, "ordering", None) or ())
            if not terms:
                return queryset
        return queryset.order_by(*(_order_term(queryset.model, term) for term in terms), "pk")

    def get_schema_operation_parameters(self, view):
        allowed = getattr(view, "ordering_fields", ())
        if not allowed:
            return []
        return [{
            "name": self.param, "required": False, "in": "query",
            "description": "Comma-separated fields, '-' for descending: " + ", ".join(allowed),
            "schema": {"type": "string"},
        }]


def _refuse_unknown(terms: list[str], allowed: tuple[str, ...]) -> None:
    unknown = [term for term in terms if term.lstrip("-") not in allowed]
    if unknown:
        expected = ", ".join(allowed) if allowed else "nothing (this list has a fixed order)"
        raise ValidationError({"ordering": [f"cannot order by {', '.join(unknown)}; expected {expected}"]})


def _order_term(model, term: str):
    name = term.lstrip("-")
    field = model._meta.get_field(name)
    expression = Lower(name) if isinstance(field, (models.CharField, models.TextField)) else models.F(name)
    return expression.desc() if term.startswith("-") else expression.asc()
