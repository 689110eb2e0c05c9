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
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from connectors.base import ConnectorError
from connectors.http import ApiClient, token_lifetime

log = logging.getLogger(__name__)

API_HOST = "https://api.businesscentral.dynamics.com"
LOGIN_HOST = "https://login.microsoftonline.com"
SCOPE = "https://api.businesscentral.dynamics.com/.default"
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
USER_AGENT = "concord-mdm/1 (client=concord)"


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


class BusinessCentralClient(ApiClient):
    """One environment of one tenant. `credentials`: tenant, environment, client_id,
    client_secret; optionally token_url (default: Entra ID's endpoint of the tenant) and
    scope; or a ready `token` (no renewal)."""

    system = "Business Central"
    retryable_statuses = RETRYABLE_STATUSES

    def __init__(self, base_url: str, *, credentials: dict[str, Any], timeout: float = 30.0, max_retries: int = 3,
                 backoff: float = 0.5, max_retry_wait: float = 60.0, session: requests.Session | None = None):
        missing = [name for name in ("tenant", "environment") if not credentials.get(name)]
        if missing:
            raise ConnectorError(f"Business Central needs {' and '.join(missing)} (CONCORD_DYNAMICS_"
                                 f"{missing[0].upper()})", retryable=False, code="config")
        super().__init__(timeout=timeout, max_retries=max_retries, backoff=backoff, max_retry_wait=max_retry_wait,
                         session=session, access_token=credentials.get("token") or None)
        self.credentials = credentials
        self.host = (base_url or API_HOST).rstrip("/")
        self.api_url = f"{self.host}/v2.0/{credentials['tenant']}/{credentials['environment']}/api/v2.0"
        self.token_url = credentials.get("token_url") or f"{LOGIN_HOST}/{credentials['tenant']}/oauth2/v2.0/token"

    def authenticate(self) -> None:
        missing = [name for name in ("client_id", "client_secret") if not self.credentials.get(name)]
        if missing:
            raise ConnectorError(f"Business Central login needs {' and '.join(missing)} (CONCORD_DYNAMICS_"
                                 f"{missing[0].upper()})", retryable=False, code="config")
        form = {"grant_type": "client_credentials", "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"], "scope": self.credentials.get("scope") or SCOPE}
        response = self.send("POST", self.token_url, auth=False, data=form)
        if response.status_code != 200:
            raise self.login_error(response)
        body = response.json()
        self.token_received(body["access_token"], token_lifetime(body, 3599.0))

    def url_for(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def default_headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT, "Accept": "application/json"}

    def error_details(self, response: requests.Response) -> tuple[str, str]:
        return _details(response)

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
