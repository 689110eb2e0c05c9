"""The order validation API: POST /api/v1/validate/order answers at once whether an order may be
accepted (docs/orchestration.md, "Validating an order")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from mdm.api.permissions import has_domain_permission
from orchestration.order_validation import OrderRequestError, order_validate


class CustomerViewPermission(BasePermission):
    message = "You do not have permission to view customers."

    def has_permission(self, request, view) -> bool:
        return has_domain_permission(request.user, "view", "customer")


class OrderValidationView(APIView):
    permission_classes = [IsAuthenticated, CustomerViewPermission]

    @extend_schema(request=dict, responses=dict)
    def post(self, request):
        try:
            return Response(order_validate(user=request.user, body=request.data))
        except OrderRequestError as error:
            raise ValidationError(error.errors) from None
