"""The REST API: thin views over mdm selectors and services."""

from __future__ import annotations

from datetime import datetime

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from mdm.api import serializers as s
from mdm.api.permissions import AnyDomainPermission, DomainPermission, RestrictedQuerysetMixin, has_domain_permission
from mdm.choices import Domain, GoldenStatus
from mdm.lineage import lineage_unpack
from mdm.models import Contract, CrossReference, Customer, Project, Resource, golden_model
from mdm.permissions import API, restrict, visible_ids
from mdm.selectors import customer_relations, golden_history, golden_key_of, golden_match_check, source_rows
from mdm.services.api_ingest import IngestRejected, source_records_ingest_strict
from mdm.standardize import InvalidValue, country, timestamp


def _as_of(request) -> datetime | None:
    try:
        return timestamp(request.query_params.get("as_of"))
    except InvalidValue as error:
        raise ValidationError({"as_of": [str(error)]}) from None


def _visible(model):
    """A filter's choices: the golden records the caller may see (an id out of scope is as
    unknown as one that does not exist)."""
    return lambda request: restrict(model.objects.all(), request.user, surface=API)


def _country_code(queryset, name, value):
    """`country=Germany`, `DE`, `Deutschland`: any name or code ingestion knows; one it does not is a
    field error, not an empty page."""
    try:
        code = country(value)
    except InvalidValue as error:
        raise ValidationError({name: [str(error)]}) from None
    return queryset.filter(**{name: code or ""})


class CustomerFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(method=_country_code)
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    parent = django_filters.ModelChoiceFilter(queryset=_visible(Customer))

    class Meta:
        model = Customer
        fields = ["record_status", "country", "city", "industry", "tax_id", "currency", "credit_status",
                  "legal_entity", "parent"]


class ContractFilter(django_filters.FilterSet):
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    customer = django_filters.ModelChoiceFilter(queryset=_visible(Customer))

    class Meta:
        model = Contract
        fields = ["record_status", "customer", "status", "billing_type", "currency", "number"]


class ProjectFilter(django_filters.FilterSet):
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    customer = django_filters.ModelChoiceFilter(queryset=_visible(Customer))
    contract = django_filters.ModelChoiceFilter(queryset=_visible(Contract))

    class Meta:
        model = Project
        fields = ["record_status", "customer", "contract", "status", "service_line", "billing_type", "code"]


SERIALIZERS = {Domain.CUSTOMER: s.CustomerSerializer, Domain.CONTRACT: s.ContractSerializer,
               Domain.PROJECT: s.ProjectSerializer, Domain.RESOURCE: s.ResourceSerializer}
# One instance each, reused: a DRF serializer builds its fields on first use, which cost more than
# the rest of a lookup. Representing a record does not change the serializer.
_DETAIL = {domain: serializer() for domain, serializer in SERIALIZERS.items()}
_SOURCE = s.SourceSerializer()


def golden_detail(record, viewer, as_of: datetime | None = None) -> dict:
    """A golden record with its lineage, sources and relationships (its contracts and projects;
    of its children, those `viewer` may see); as it was at `as_of` if given."""
    if as_of is not None:
        historical = record.history.filter(history_date__lte=as_of).order_by("-history_date", "-history_id").first()
        if historical is None:
            raise NotFound(f"{record.id} did not exist at {as_of.isoformat()}")
        record = historical.instance
    data = _DETAIL[record.domain].to_representation(record)
    data["lineage"] = lineage_unpack(record.lineage)
    data["sources"] = [_SOURCE.to_representation(row) for row in source_rows(record.id)]
    if as_of is not None:
        data["as_of"] = as_of.isoformat()
    if record.domain == Domain.CUSTOMER:
        relations = customer_relations(record.id)
        if relations["children"]:  # other customers: only those in the viewer's scope
            shown = visible_ids(viewer, Domain.CUSTOMER, relations["children"], surface=API)
            relations["children"] = [golden_id for golden_id in relations["children"] if golden_id in shown]
        data.update(relations)
    return data


class GoldenRecordViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """List, search and read golden records of one domain; their history; a match check. Every
    path reads `get_queryset()`, restricted to the caller's scope: out of it, a record is a 404."""

    domain: str = ""
    search_fields: tuple[str, ...] = ()
    permission_classes = [IsAuthenticated, DomainPermission]
    read_actions = ("match",)
    lookup_value_regex = r"[A-Z]{3}-[0-9A-Z]{10}"

    def get_domain(self) -> str:
        return self.domain

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            if "record_status" not in self.request.query_params:
                queryset = queryset.filter(record_status=GoldenStatus.ACTIVE)
            query = self.request.query_params.get("q", "").strip()
            if query:
                condition = Q(pk=query.upper())
                for field in self.search_fields:
                    condition |= Q(**{field: query})
                queryset = queryset.filter(condition)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Search by name, tax id, number or code")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("as_of", str, description="ISO datetime: the record as it was then")])
    def retrieve(self, request, *args, **kwargs):
        record = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return Response(golden_detail(record, request.user, _as_of(request)))

    @extend_schema(responses=s.HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        page = self.paginate_queryset(golden_history(record))
        return self.get_paginated_response(s.HistoryEntrySerializer(page, many=True).data)

    @extend_schema(request=dict, responses=s.MatchResultSerializer(many=True))
    @action(detail=False, methods=["post"])
    def match(self, request):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["expected a JSON object of canonical attributes"]})
        return Response({"results": golden_match_check(self.domain, request.data, among=self.get_queryset())})


class CustomerViewSet(GoldenRecordViewSet):
    domain = Domain.CUSTOMER
    queryset = Customer.objects.all()
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ("name__icontains", "tax_id__iexact")
    ordering = ("name",)
    ordering_fields = ("name", "country", "city", "industry", "tax_id", "credit_status", "legal_entity",
                       "created_at", "updated_at", "id")


class ContractViewSet(GoldenRecordViewSet):
    domain = Domain.CONTRACT
    queryset = Contract.objects.all()
    serializer_class = s.ContractSerializer
    filterset_class = ContractFilter
    search_fields = ("number__icontains", "title__icontains")
    ordering = ("number",)
    ordering_fields = ("number", "title", "status", "billing_type", "currency", "customer", "start_date",
                       "end_date", "total_value", "created_at", "updated_at", "id")


class ProjectViewSet(GoldenRecordViewSet):
    domain = Domain.PROJECT
    queryset = Project.objects.all()
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ("code__icontains", "name__icontains")
    ordering = ("code", "name")
    ordering_fields = ("code", "name", "status", "service_line", "billing_type", "customer", "contract",
                       "start_date", "end_date", "created_at", "updated_at", "id")


class ResourceFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(lookup_expr="iexact")
    service_line = django_filters.CharFilter(lookup_expr="iexact")
    employment_status = django_filters.CharFilter()

    class Meta:
        model = Resource
        fields = ["team", "service_line", "employment_status", "legal_entity", "record_status"]


class ResourceViewSet(GoldenRecordViewSet):
    domain = Domain.RESOURCE
    queryset = Resource.objects.all()
    serializer_class = s.ResourceSerializer
    filterset_class = ResourceFilter
    search_fields = ("name__icontains", "email__iexact", "employee_number__iexact")


class LookupView(APIView):
    """The golden record a source key belongs to. A key whose record is out of the caller's scope
    is answered as an unknown one: a 404."""

    permission_classes = [IsAuthenticated, AnyDomainPermission]

    @extend_schema(responses=dict)
    def get(self, request, system: str, object_type: str, source_id: str):
        found = golden_key_of(system, object_type, source_id)
        record = None
        if found is not None:
            domain, golden_id = found
            visible = restrict(golden_model(domain).objects.filter(pk=golden_id), request.user, surface=API)
            record = next(iter(visible), None)
        if record is None:
            raise NotFound(f"no golden record holds {system}/{object_type}/{source_id}")
        return Response(golden_detail(record, request.user, _as_of(request)))


class CrossReferenceList(RestrictedQuerysetMixin, generics.ListAPIView):
    """Every cross-reference of the golden records the caller may see: how a client maps its keys
    to golden ids."""

    serializer_class = s.CrossReferenceSerializer
    permission_classes = [IsAuthenticated, AnyDomainPermission]
    queryset = CrossReference.objects.select_related("source_record__system")
    ordering_fields = ("id", "domain", "golden_id")

    @extend_schema(parameters=[OpenApiParameter("system", str), OpenApiParameter("domain", str),
                               OpenApiParameter("golden_id", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        queryset = super().get_queryset()
        if params.get("domain"):
            if params["domain"] not in Domain.values:
                raise ValidationError({"domain": [f"expected one of {', '.join(Domain.values)}"]})
            if not has_domain_permission(self.request.user, "view", params["domain"]):
                raise PermissionDenied("You do not have permission for this domain.")
            queryset = queryset.filter(domain=params["domain"])
        if params.get("system"):
            queryset = queryset.filter(source_record__system__name=params["system"])
        if params.get("golden_id"):
            queryset = queryset.filter(golden_id=params["golden_id"])
        return queryset.order_by("id")


class SourceRecordIngest(APIView):
    """Push source records: integration clients send what their system says, as canonical fields.

    All or nothing: any invalid record makes the whole request a 400 with errors per record,
    and nothing is written."""

    permission_classes = [IsAuthenticated, DomainPermission]
    write_action = "add"

    def get_domain(self) -> str:
        domain = self.kwargs["domain"]
        if domain not in Domain.values:
            raise NotFound(f"unknown domain {domain!r}")
        return domain

    @extend_schema(request=s.IngestRequestSerializer, responses=dict)
    def post(self, request, domain: str):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["expected a JSON object"]})
        unknown = sorted(set(request.data) - {"system", "records"})
        if unknown:
            raise ValidationError({name: ["unknown field"] for name in unknown})
        payload = s.IngestRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            summary = source_records_ingest_strict(
                system=payload.validated_data["system"], domain=domain, rows=payload.validated_data["records"],
                acting_user=request.user, correlation_id=request.correlation_id)
        except IngestRejected as rejected:
            raise ValidationError(rejected.errors) from None
        return Response(summary.as_dict(), status=status.HTTP_200_OK)

