"""A small Business Central API v2.0 client over `requests`: OAuth 2.0 client credentials
against Microsoft Entra ID (a new token before the old one runs out, one re-authentication on
401), OData reads following `@odata.nextLink`, writes with the entity's ETag in `If-Match`.

Failures become `ConnectorError`: 429 (Application_TooManyRequests), 408, 5xx, timeouts and
dropped connections are retryable (retried here a few times first, honouring Retry-After);
400 validation errors, 404 and a stale ETag (412 Request_EntityChanged, which the connector
answers by reading the record again) are permanent for the call.

Why not an OData library: the few we could use (python-odata, pyodata) model v2/v4 metadata
documents and sessions we do not need, and they raise their own error types; Business Central's
API is plain JSON over HTTP with a handful of query options.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from connectors.base import ConnectorError, retry_wait

log = logging.getLogger(__name__)

API_HOST = "https://api.businesscentral.dynamics.com"
LOGIN_HOST = "https://login.microsoftonline.com"
SCOPE = "https://api.businesscentral.dynamics.com/.default"
TOKEN_MARGIN = 60.0  # seconds before expiry when a token is renewed
RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}
USER_AGENT = "concord-mdm/1 (client=concord)"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _details(response: requests.Response) -> tuple[str, str]:
    """(code, message) of a Business Central or Entra ID error body."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP_{response.status_code}", response.text[:300]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code") or f"HTTP_{response.status_code}"), str(body["error"].get("message"))
    if isinstance(body, dict) and isinstance(body.get("error"), str):  # the token endpoint
        return body["error"], str(body.get("error_description", ""))
    return f"HTTP_{response.status_code}", response.text[:300]


def odata_string(value: str) -> str:
    """A string literal for $filter: quoted, inner quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


class BusinessCentralClient:
    """One environment of one tenant. `credentials`: tenant, environment, client_id,
    client_secret; optionally token_url (default: Entra ID's endpoint of the tenant) and
    scope; or a ready `token` (no renewal)."""

    def __init__(self, base_url: str, *, credentials: dict[str, Any], timeout: float = 30.0, max_retries: int = 3,
                 backoff: float = 0.5, max_retry_wait: float = 60.0, session: requests.Session | None = None):
        self.credentials = credentials
        missing = [name for name in ("tenant", "environment") if not credentials.get(name)]
        if missing:
            raise ConnectorError(f"Business Central needs {' and '.join(missing)} (CONCORD_DYNAMICS_"
                                 f"{missing[0].upper()})", retryable=False, code="config")
        self.host = (base_url or API_HOST).rstrip("/")
        self.api_url = f"{self.host}/v2.0/{credentials['tenant']}/{credentials['environment']}/api/v2.0"
        self.token_url = credentials.get("token_url") or f"{LOGIN_HOST}/{credentials['tenant']}/oauth2/v2.0/token"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.session = session or requests.Session()
        self.access_token: str | None = credentials.get("token") or None
        self.token_expires_at: float | None = None
        self.authentications = 0
        self._auth_lock = threading.Lock()

    # -- auth -------------------------------------------------------------------------------
    def authenticate(self) -> None:
        missing = [name for name in ("client_id", "client_secret") if not self.credentials.get(name)]
        if missing:
            raise ConnectorError(f"Business Central login needs {' and '.join(missing)} (CONCORD_DYNAMICS_"
                                 f"{missing[0].upper()})", retryable=False, code="config")
        form = {"grant_type": "client_credentials", "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"], "scope": self.credentials.get("scope") or SCOPE}
        response = self._send("POST", self.token_url, auth=False, data=form)
        if response.status_code != 200:
            code, detail = _details(response)
            raise ConnectorError(f"Business Central login failed: {code}: {detail}",
                                 retryable=response.status_code in RETRYABLE_STATUSES, code=code)
        body = response.json()
        try:
            lifetime = float(body.get("expires_in") or 3599)
        except (TypeError, ValueError):
            lifetime = 3599.0
        self.access_token = body["access_token"]
        self.token_expires_at = time.monotonic() + lifetime
        self.authentications += 1

    def _token_due(self) -> bool:
        if not self.access_token:
            return True
        return self.token_expires_at is not None and time.monotonic() >= self.token_expires_at - TOKEN_MARGIN

    # -- the request loop -------------------------------------------------------------------
    def _send(self, method: str, url: str, *, auth: bool = True, headers: dict[str, str] | None = None,
              **kwargs: Any) -> requests.Response:
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        if auth and self.access_token:
            all_headers["Authorization"] = f"Bearer {self.access_token}"
        try:
            return self.session.request(method, url, headers=all_headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise ConnectorError(f"Business Central did not answer within {self.timeout}s: {method} {url}",
                                 retryable=True, code="timeout") from error
        except requests.RequestException as error:
            raise ConnectorError(f"Business Central unreachable: {error}", retryable=True, code="connection") \
                from error

    def _error(self, response: requests.Response) -> ConnectorError:
        code, detail = _details(response)
        return ConnectorError(f"Business Central {response.status_code} {code}: {detail}",
                              retryable=response.status_code in RETRYABLE_STATUSES,
                              retry_after=_retry_after(response), code=code)

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        if self._token_due():
            with self._auth_lock:
                if self._token_due():
                    self.authenticate()
        url = path if path.startswith("http") else f"{self.api_url}/{path.lstrip('/')}"
        reauthenticated, attempt = False, 0
        while True:
            try:
                response = self._send(method, url, headers=headers, **kwargs)
            except ConnectorError as error:
                failure = error
            else:
                if response.status_code < 400:
                    return response
                failure = self._error(response)
                if response.status_code == 401 and not reauthenticated:
                    reauthenticated = True  # the token ran out: fetch a new one, once
                    self.authenticate()
                    continue
                if not failure.retryable:
                    raise failure
            wait = retry_wait(failure, attempt, backoff=self.backoff, max_retries=self.max_retries,
                              max_wait=self.max_retry_wait)
            if wait is None:
                raise failure
            attempt += 1
            time.sleep(wait)

    # -- reads ------------------------------------------------------------------------------
    def companies(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "companies").json().get("value") or [])

    def pages(self, path: str, *, params: dict[str, str] | None = None, page_size: int = 1000
              ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a collection, following `@odata.nextLink` (server-driven paging)."""
        headers = {"Prefer": f"odata.maxpagesize={page_size}"}
        response = self.request("GET", path, params=params or {}, headers=headers)
        while True:
            body = response.json()
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise ConnectorError(f"Business Central answered {path} without a value list", retryable=True,
                                     code="BAD_RESPONSE")
            yield body["value"]
            link = body.get("@odata.nextLink")
            if not link:
                return
            response = self.request("GET", link, headers=headers)

    def get(self, path: str) -> dict[str, Any]:
        return self.request("GET", path).json()

    # -- writes -----------------------------------------------------------------------------
    def create(self, path: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, json=fields, headers={"Content-Type": "application/json"}).json()

    def update(self, path: str, fields: dict[str, Any], *, etag: str) -> dict[str, Any]:
        """PATCH with the ETag the record was read with; a stale one raises Request_EntityChanged."""
        return self.request("PATCH", path, json=fields,
                            headers={"Content-Type": "application/json", "If-Match": etag}).json()

    def delete(self, path: str, *, etag: str = "*") -> None:
        self.request("DELETE", path, headers={"If-Match": etag})


def entity_path(company_id: str, entity_set: str, record_id: str | None = None) -> str:
    path = f"companies({company_id})/{entity_set}"
    return f"{path}({quote(str(record_id), safe='-')})" if record_id else path
