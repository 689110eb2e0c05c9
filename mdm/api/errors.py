from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mdm.services.locks import ConcurrentChange


def exception_handler(exc, context):
    """DRF's handler, plus Django validation errors as 400 with their field messages, and a change
    that lost a race to another on the same golden records as 409."""
    if isinstance(exc, ConcurrentChange):
        return Response({"detail": exc.detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
