"""One correlation id follows a change from the source event to the outbound write.

It lives in a context variable: the middleware takes it from the `X-Correlation-ID` header (or
makes one), tasks set it from their arguments, and every log line carries it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from contextvars import ContextVar

_current: ContextVar[str] = ContextVar("correlation_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str:
    return _current.get()


@contextlib.contextmanager
def correlation(correlation_id: str | None = None):
    """Run a block under a correlation id (a new one when none is given)."""
    token = _current.set(correlation_id or _current.get() or new_correlation_id())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _current.get() or "-"
        return True


class CorrelationIdMiddleware:
    header = "HTTP_X_CORRELATION_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        with correlation(incoming if _VALID.match(incoming) else None) as correlation_id:
            request.correlation_id = correlation_id
            response = self.get_response(request)
            response["X-Correlation-ID"] = correlation_id
            return response
