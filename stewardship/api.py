"""The REST API of a threshold change: preview it, read the preview, apply it (governed).

The same services and permission checks as the console's pages (stewardship.matching_views): a
steward of the domain previews; applying takes a steward of all its countries, and asks the
council where the policy says so. Errors are JSON: 400 with field errors, 403, 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from matching.models import RulePreview
from matching.rule_change import rule_preview_start
from mdm.choices import Domain
from mdm.permissions import access_of, can
from stewardship import services
from stewardship.match_rules import match_rules_request
from stewardship.models import ChangeRequest
from stewardship.selectors import visible_examples


class ProposalSerializer(serializers.Serializer):
    upper = serializers.FloatField(min_value=0, max_value=1, help_text="Link at or above this probability.")
    lower = serializers.FloatField(min_value=0, max_value=1, help_text="Review at or above this probability.")
    refit = serializers.BooleanField(default=False, help_text="Fit the model again on the current data first.")


class ApplySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX, help_text="Why: kept with the change in history.")


def _domain(domain: str, user, action: str) -> str:
    if domain not in Domain.values:
        raise NotFound(f"no domain {domain!r}")
    if not can(user, action, domain):
        raise PermissionDenied(f"You may not {action} the matching of {domain} records.")
    return domain


def preview_data(request, preview: RulePreview) -> dict:
    data = {"id": preview.pk, "domain": preview.domain, "upper": preview.upper, "lower": preview.lower,
            "refit": preview.refit, "status": preview.status, "error": preview.error or None,
            "created_at": preview.created_at, "finished_at": preview.finished_at,
            "url": request.build_absolute_uri(reverse("stewardship:api-rule-preview-detail",
                                                      args=[preview.domain, preview.pk]))}
    if preview.status == RulePreview.Status.DONE:
        data.update(preview.result)
        # Examples only of golden records the caller may see, as on the console's page.
        examples = visible_examples(request.user, preview.domain, preview.result)
        data["merge_examples"], data["split_examples"] = examples["merges"], examples["splits"]
    return data


_PREVIEW = inline_serializer("RulePreview", {"id": serializers.IntegerField(), "status": serializers.CharField(),
                                             "merges": serializers.IntegerField(), "splits": serializers.IntegerField(),
                                             "golden_before": serializers.IntegerField(),
                                             "golden_after": serializers.IntegerField(),
                                             "review_pairs": serializers.IntegerField(),
                                             "merge_examples": serializers.ListField(),
                                             "split_examples": serializers.ListField()})


class RulePreviewStart(APIView):
    """Preview thresholds: 200 with the counts and examples, or 202 while a large domain's preview
    is computed (GET its `url` until `status` is done)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ProposalSerializer, responses={200: _PREVIEW, 202: _PREVIEW})
    def post(self, request, domain: str):
        domain = _domain(domain, request.user, "change")
        proposal = ProposalSerializer(data=request.data)
        proposal.is_valid(raise_exception=True)
        preview = rule_preview_start(domain=domain, acting_user=request.user, **proposal.validated_data)
        done = preview.status != RulePreview.Status.RUNNING
        return Response(preview_data(request, preview), status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED)


class RulePreviewDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=_PREVIEW)
    def get(self, request, domain: str, preview_id: int):
        domain = _domain(domain, request.user, "view")
        return Response(preview_data(request, get_object_or_404(RulePreview, pk=preview_id, domain=domain)))


class RuleApply(APIView):
    """Apply a finished preview: 200 when applied, 202 with the change request when the council
    must approve it first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ApplySerializer, responses={200: dict, 202: dict})
    def post(self, request, domain: str, preview_id: int):
        domain = _domain(domain, request.user, "change")
        reach = access_of(request.user).reach("change", domain)
        if reach.countries is not None:
            raise PermissionDenied("Thresholds hold for every country: applying them takes a steward of all of them.")
        body = ApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            outcome = match_rules_request(domain=domain, preview_id=preview_id, acting_user=request.user,
                                          reason=body.validated_data["reason"])
        except ValidationError:
            get_object_or_404(RulePreview, pk=preview_id, domain=domain)
            raise
        if isinstance(outcome, ChangeRequest):
            return Response({"applied": False, "change_request": outcome.pk, "status": outcome.status,
                             "detail": "the council approves threshold changes: the request waits for it"},
                            status=status.HTTP_202_ACCEPTED)
        return Response({"applied": True, "detail": outcome})
