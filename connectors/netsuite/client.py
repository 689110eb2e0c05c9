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
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from connectors.base import ConnectorError
from connectors.http import ApiClient, token_lifetime
from connectors.netsuite import auth

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Concord-Idempotency-Key"
QUERY_PATH = "/services/rest/query/v1/suiteql"
RECORD_PATH = "/services/rest/record/v1"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
OFFSET_CAP = 100_000  # SuiteQL serves at most this many rows of one query through limit/offset
USER_AGENT = "concord-mdm/1 (client=concord)"


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


class NetSuiteClient(ApiClient):
    """One account. `credentials`: client_id, certificate_id and the certificate's private key
    (private_key PEM, or private_key_path), optionally algorithm (PS256) and scope; or a ready
    bearer `token` (no renewal: when it expires, calls fail)."""

    system = "NetSuite"

    def __init__(self, base_url: str, *, credentials: dict[str, Any], concurrency: int = 1, timeout: float = 30.0,
                 max_retries: int = 3, backoff: float = 0.5, max_retry_wait: float = 60.0,
                 offset_cap: int = OFFSET_CAP, session: requests.Session | None = None):
        super().__init__(timeout=timeout, max_retries=max_retries, backoff=backoff, max_retry_wait=max_retry_wait,
                         session=session, access_token=credentials.get("access_token") or credentials.get("token"))
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.offset_cap = offset_cap
        self.slots = threading.BoundedSemaphore(max(1, concurrency))

    def authenticate(self) -> None:
        """Fetch an access token with a freshly signed client assertion."""
        token_url = f"{self.base_url}{TOKEN_PATH}"
        form = {"grant_type": "client_credentials", "client_assertion_type": auth.ASSERTION_TYPE,
                "client_assertion": auth.client_assertion(self.credentials, token_url)}
        response = self.send("POST", token_url, auth=False, data=form)
        if response.status_code != 200:
            raise self.login_error(response)
        body = response.json()
        self.token_received(body["access_token"], token_lifetime(body, 3600.0))

    def url_for(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def default_headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT}

    def error_details(self, response: requests.Response) -> tuple[str, str]:
        return _details(response)

    def exchange_slot(self):
        return self.slots  # never more calls in flight than the account allows

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
