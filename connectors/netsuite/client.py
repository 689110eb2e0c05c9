"""A small NetSuite SuiteTalk REST client over `requests`: OAuth 2.0 client credentials (M2M) login
with a signed JWT client assertion (connectors/netsuite/auth.py), a new token before the old one
expires and one re-authentication on 401, SuiteQL paging, upsert by external id, and the account's
concurrency limit kept by a semaphore (NetSuite refuses excess parallel calls with 429).

Failures become `ConnectorError`: 429 (CONCURRENCY_LIMIT_EXCEEDED), 5xx, timeouts and dropped
connections are retryable (retried here a few times first, honouring Retry-After); 400
validation errors (USER_ERROR, INVALID_CONTENT, INVALID_KEY_OR_REF) and 403/404 are permanent.
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
from connectors.netsuite import auth

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Concord-Idempotency-Key"
QUERY_PATH = "/services/rest/query/v1/suiteql"
RECORD_PATH = "/services/rest/record/v1"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
TOKEN_MARGIN = 60.0  # seconds before expiry when a token is renewed
OFFSET_CAP = 100_000  # SuiteQL serves at most this many rows of one query through limit/offset
RETRYABLE_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "concord-mdm/1 (client=concord)"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _details(response: requests.Response) -> tuple[str, str]:
    """(o:errorCode, detail) of a NetSuite error body."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP_{response.status_code}", response.text[:300]
    if isinstance(body, dict):
        if "error" in body:  # token endpoint
            return str(body["error"]), str(body.get("error_description", ""))
        details = body.get("o:errorDetails") or []
        if details and isinstance(details[0], dict):
            return str(details[0].get("o:errorCode") or f"HTTP_{response.status_code}"), str(details[0].get("detail"))
        return f"HTTP_{response.status_code}", str(body.get("title", ""))
    return f"HTTP_{response.status_code}", response.text[:300]


class NetSuiteClient:
    """One account. `credentials`: client_id, certificate_id and the certificate's private key
    (private_key PEM, or private_key_path), optionally algorithm (PS256) and scope; or a ready
    bearer `token` (no renewal: when it expires, calls fail)."""

    def __init__(self, base_url: str, *, credentials: dict[str, Any], concurrency: int = 1, timeout: float = 30.0,
                 max_retries: int = 3, backoff: float = 0.5, max_retry_wait: float = 60.0,
                 offset_cap: int = OFFSET_CAP, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.offset_cap = offset_cap
        self.session = session or requests.Session()
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.access_token: str | None = credentials.get("access_token") or credentials.get("token")
        self.token_expires_at: float | None = None  # monotonic clock; None: unknown (a given token)
        self.authentications = 0
        self._auth_lock = threading.Lock()

    # -- auth -------------------------------------------------------------------------------
    def authenticate(self) -> None:
        """Fetch an access token with a freshly signed client assertion."""
        token_url = f"{self.base_url}{TOKEN_PATH}"
        form = {"grant_type": "client_credentials", "client_assertion_type": auth.ASSERTION_TYPE,
                "client_assertion": auth.client_assertion(self.credentials, token_url)}
        response = self._send("POST", token_url, auth=False, data=form)
        if response.status_code != 200:
            code, detail = _details(response)
            raise ConnectorError(f"NetSuite login failed: {code}: {detail}", retryable=response.status_code >= 500,
                                 code=code)
        body = response.json()
        try:
            lifetime = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        self.access_token = body["access_token"]
        self.token_expires_at = time.monotonic() + lifetime
        self.authentications += 1

    def _token_due(self) -> bool:
        """No token yet, or it runs out within a minute: log in before the call, not after a 401."""
        if not self.access_token:
            return True
        if self.token_expires_at is None:
            return False
        return time.monotonic() >= self.token_expires_at - TOKEN_MARGIN

    # -- the request loop -------------------------------------------------------------------
    def _send(self, method: str, url: str, *, auth: bool = True, headers: dict[str, str] | None = None,
              **kwargs: Any) -> requests.Response:
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        if auth and self.access_token:
            all_headers["Authorization"] = f"Bearer {self.access_token}"
        try:
            with self.slots:  # never more calls in flight than the account allows
                return self.session.request(method, url, headers=all_headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise ConnectorError(f"NetSuite did not answer within {self.timeout}s: {method} {url}",
                                 retryable=True, code="timeout") from error
        except requests.RequestException as error:
            raise ConnectorError(f"NetSuite unreachable: {error}", retryable=True, code="connection") from error

    def _error(self, response: requests.Response) -> ConnectorError:
        code, detail = _details(response)
        return ConnectorError(f"NetSuite {response.status_code} {code}: {detail}",
                              retryable=response.status_code in RETRYABLE_STATUSES,
                              retry_after=_retry_after(response), code=code)

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        if self._token_due():
            with self._auth_lock:
                if self._token_due():
                    self.authenticate()
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        reauthenticated = False
        attempt = 0
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
                    reauthenticated = True  # the token expired: fetch a new one, once
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

    # -- SuiteQL ----------------------------------------------------------------------------
    def suiteql(self, q: str, *, limit: int = 1000, offset: int = 0) -> dict[str, Any]:
        """One page of a SuiteQL query."""
        return self.request("POST", f"{QUERY_PATH}?limit={limit}&offset={offset}", json={"q": q},
                            headers={"Prefer": "transient"}).json()

    def suiteql_pages(self, q: str, *, limit: int = 1000) -> Iterator[dict[str, Any]]:
        """Every page of a query by limit/offset while hasMore. A query longer than the offset cap
        cannot be read this way: it raises a permanent error when it reaches the cap (read it in
        keyset pages instead, as the connector's pull does)."""
        offset = 0
        while True:
            if offset + limit > self.offset_cap:
                raise ConnectorError(f"SuiteQL query has more than {self.offset_cap} rows; page it by key",
                                     retryable=False, code="OFFSET_CAP")
            page = self.suiteql(q, limit=limit, offset=offset)
            yield page
            if not page.get("hasMore"):
                return
            offset += limit

    # -- records ----------------------------------------------------------------------------
    def upsert(self, record_type: str, external_id: str, fields: dict[str, Any], *,
               idempotency_key: str = "") -> str:
        """Create or update by external id; returns NetSuite's internal id (from Location)."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        path = f"{RECORD_PATH}/{record_type}/eid:{quote(str(external_id), safe='')}"
        response = self.request("PUT", path, json=fields, headers=headers)
        location = response.headers.get("Location") or ""
        return location.rstrip("/").rsplit("/", 1)[-1] if location else ""

    def update(self, record_type: str, internal_id: str, fields: dict[str, Any], *,
               idempotency_key: str = "") -> str:
        """PATCH one record by internal id (may set externalId); returns the internal id."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        response = self.request("PATCH", f"{RECORD_PATH}/{record_type}/{quote(str(internal_id), safe='')}",
                                json=fields, headers=headers)
        location = response.headers.get("Location") or ""
        return location.rstrip("/").rsplit("/", 1)[-1] if location else str(internal_id)

    def get(self, record_type: str, key: str) -> dict[str, Any]:
        return self.request("GET", f"{RECORD_PATH}/{record_type}/{quote(str(key), safe=':')}").json()
