"""Read-only REST API of data quality: violations of the golden records the caller may see, and
scores of the domains they may view (mdm.permissions, as the golden-record API)."""

from __future__ import annotations

import django_filters
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from mdm.api.permissions import AnyDomainPermission, RestrictedQuerysetMixin
from mdm.choices import Domain
from quality.models import QualityScore, ScoreScope, Severity, Violation, ViolationStatus


class ViolationSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code")
    owner = serializers.CharField(source="owner.username", default=None)
    resolved_by = serializers.CharField(source="resolved_by.username", default=None)

    class Meta:
        model = Violation
        fields = ["id", "rule", "domain", "golden_id", "attribute", "message", "severity", "status", "owner",
                  "opened_at", "resolved_at", "resolved_by", "note"]


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityScore
        fields = ["taken_at", "scope", "domain", "system", "records", "passing", "score"]


class ViolationFilter(django_filters.FilterSet):
    domain = django_filters.ChoiceFilter(choices=Domain.choices)
    status = django_filters.ChoiceFilter(choices=ViolationStatus.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    rule = django_filters.CharFilter(field_name="rule__code")
    owner = django_filters.CharFilter(field_name="owner__username")
    golden_id = django_filters.CharFilter()
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Violation
        fields = ["domain", "status", "severity", "rule", "owner", "golden_id"]


class ScoreFilter(django_filters.FilterSet):
    domain = django_filters.ChoiceFilter(choices=Domain.choices)
    scope = django_filters.ChoiceFilter(choices=ScoreScope.choices)
    system = django_filters.CharFilter()
    taken_after = django_filters.IsoDateTimeFilter(field_name="taken_at", lookup_expr="gte")

    class Meta:
        model = QualityScore
        fields = ["domain", "scope", "system"]


class ViolationList(RestrictedQuerysetMixin, generics.ListAPIView):
    """Violations of the golden records you may see, oldest first; filter by domain, status,
    severity, rule (code), owner (username), golden_id, opened_after / opened_before."""

    serializer_class = ViolationSerializer
    filterset_class = ViolationFilter
    permission_classes = [IsAuthenticated, AnyDomainPermission]
    queryset = Violation.objects.select_related("rule", "owner", "resolved_by").order_by("opened_at", "id")
    ordering_fields = ("opened_at", "resolved_at", "severity", "status", "domain", "golden_id", "attribute", "id")


class ScoreList(RestrictedQuerysetMixin, generics.ListAPIView):
    """Quality score snapshots (newest first) of the domains you may view: per domain over golden
    records, and per source system."""

    serializer_class = ScoreSerializer
    filterset_class = ScoreFilter
    permission_classes = [IsAuthenticated, AnyDomainPermission]
    queryset = QualityScore.objects.order_by("-taken_at", "id")
    ordering_fields = ("taken_at", "score", "domain", "system", "scope", "id")
