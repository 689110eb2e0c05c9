"""A small JSON-RPC client for trytond: login, session header, search_read, create, write.

Standard library only (urllib), so the hub needs no Tryton package; errors become ConnectorError
with `retryable` set from what went wrong (connection refused, 5xx, timeouts: yes; a refused
call: no).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.base import ConnectorError


def to_rpc(value: Any) -> Any:
    """Python values to Tryton's JSON encoding ({"__class__": "datetime", ...})."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
                "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}
    if isinstance(value, date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, timedelta):
        return {"__class__": "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, (list, tuple)):
        return [to_rpc(v) for v in value]
    if isinstance(value, dict):
        return {k: to_rpc(v) for k, v in value.items()}
    return value


def from_rpc(value: Any) -> Any:
    """Tryton's JSON encoding back to Python (datetimes are UTC, as trytond stores them)."""
    if isinstance(value, dict):
        kind = value.get("__class__")
        if kind == "datetime":
            return datetime(value["year"], value["month"], value["day"], value.get("hour", 0),
                            value.get("minute", 0), value.get("second", 0), value.get("microsecond", 0), tzinfo=UTC)
        if kind == "date":
            return date(value["year"], value["month"], value["day"])
        if kind == "Decimal":
            return Decimal(value["decimal"])
        if kind == "timedelta":  # durations: timesheet lines
            return timedelta(seconds=value["seconds"])
        if kind == "bytes":
            return value.get("base64", "")
        return {k: from_rpc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_rpc(v) for v in value]
    return value


class TrytonClient:
    def __init__(self, *, base_url: str, database: str, username: str, password: str, timeout: float = 30.0):
        self.url = f"{base_url.rstrip('/')}/{database}/rpc/"
        self.username, self.password, self.timeout = username, password, timeout
        self._auth: str | None = None
        self._context: dict[str, Any] | None = None

    def _post(self, method: str, params: list[Any], auth: str | None) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        body = json.dumps({"method": method, "params": to_rpc(params), "id": 1}).encode()
        request = urllib.request.Request(self.url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            retry_after = error.headers.get("Retry-After") if error.headers else None
            raise ConnectorError(f"tryton {method}: HTTP {error.code}", retryable=error.code in (401, 429) or error.code >= 500,
                                 retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                                 code=str(error.code)) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            raise ConnectorError(f"tryton {method}: {error}", retryable=True, code="unreachable") from None
        if answer.get("error"):
            raise ConnectorError(f"tryton {method}: {answer['error']}", retryable=False, code="refused")
        return from_rpc(answer.get("result"))

    def login(self) -> None:
        user_id, session, *_ = self._post("common.db.login", [self.username, {"password": self.password}, "en"], None)
        token = base64.b64encode(f"{self.username}:{user_id}:{session}".encode()).decode()
        self._auth = f"Session {token}"
        self._context = self._post("model.res.user.get_preferences", [True, {}], self._auth)

    def call(self, method: str, *params: Any) -> Any:
        if self._auth is None:
            self.login()
        try:
            return self._post(method, [*params, self._context], self._auth)
        except ConnectorError as error:
            if error.code != "401":
                raise
            self.login()  # the session expired: once more with a fresh one
            return self._post(method, [*params, self._context], self._auth)

    def search_read(self, model: str, domain: list, *, offset: int = 0, limit: int | None = None,
                    order: list | None = None, fields: list[str]) -> list[dict[str, Any]]:
        return self.call(f"model.{model}.search_read", domain, offset, limit, order, fields)

    def create(self, model: str, values: list[dict[str, Any]]) -> list[int]:
        return self.call(f"model.{model}.create", values)

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self.call(f"model.{model}.write", ids, values)
