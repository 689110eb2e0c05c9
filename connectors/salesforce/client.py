"""A small Salesforce REST client over `requests`: OAuth2 token and one re-authentication on
INVALID_SESSION_ID, SOQL with nextRecordsUrl paging, getDeleted, upsert by external id, and the
failure policy the connector contract asks for.

Failures become `ConnectorError`: throttling (429, REQUEST_LIMIT_EXCEEDED), 5xx, timeouts and
dropped connections are retryable (retried here a few times first, honouring Retry-After);
validation errors (400: INVALID_FIELD, REQUIRED_FIELD_MISSING, ...) are permanent. The org's
API usage from `Sforce-Limit-Info` is watched: near the limit the client slows down.

Why not simple-salesforce: it insists on https instance URLs and wraps errors in its own types,
so it can talk neither to the local simulator nor in our retryable/permanent terms.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from connectors.base import ConnectorError
from connectors.http import ApiClient

log = logging.getLogger(__name__)

API_VERSION = "60.0"
IDEMPOTENCY_HEADER = "Concord-Idempotency-Key"
CALL_OPTIONS = "client=concord"  # Sforce-Call-Options: change events we cause carry it (echo detection)
RETRYABLE_STATUSES = {429, 500, 502, 503, 504}
RETRYABLE_CODES = {"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW", "UNKNOWN_EXCEPTION"}
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")


def _errors(response: requests.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return [{"errorCode": f"HTTP_{response.status_code}", "message": response.text[:300]}]
    if isinstance(body, list):
        return [e for e in body if isinstance(e, dict)]
    if isinstance(body, dict):
        if "error" in body:  # OAuth endpoint
            return [{"errorCode": body.get("error"), "message": body.get("error_description", "")}]
        return [body]
    return []


class SalesforceClient(ApiClient):
    """One org. `credentials`: client_id, client_secret and, for the password grant, username and
    password (plus security_token appended to it); or a ready `access_token` (no refresh)."""

    system = "Salesforce"

    def __init__(self, base_url: str, *, credentials: dict[str, Any], api_version: str = API_VERSION,
                 timeout: float = 30.0, max_retries: int = 3, backoff: float = 0.5, max_retry_wait: float = 60.0,
                 near_limit: float = 0.9, near_limit_pause: float = 2.0, session: requests.Session | None = None,
                 call_options: str = CALL_OPTIONS):
        super().__init__(timeout=timeout, max_retries=max_retries, backoff=backoff, max_retry_wait=max_retry_wait,
                         session=session, access_token=credentials.get("access_token") or credentials.get("token"))
        self.login_url = base_url.rstrip("/")
        self.call_options = call_options  # another client name: its changes are not our echoes
        self.instance_url = self.login_url
        self.credentials = credentials
        self.api_version = api_version
        self.near_limit = near_limit
        self.near_limit_pause = near_limit_pause
        self.api_usage: tuple[int, int] | None = None  # (used, limit) from Sforce-Limit-Info

    @property
    def data_path(self) -> str:
        return f"/services/data/v{self.api_version}"

    def authenticate(self) -> None:
        creds = self.credentials
        form = {"client_id": creds.get("client_id", ""), "client_secret": creds.get("client_secret", "")}
        if creds.get("username"):
            form.update(grant_type="password", username=creds["username"],
                        password=str(creds.get("password", "")) + str(creds.get("security_token", "")))
        else:
            form["grant_type"] = "client_credentials"
        response = self.send("POST", f"{self.login_url}/services/oauth2/token", data=form, auth=False)
        if response.status_code != 200:
            raise self.login_error(response)
        body = response.json()
        self.instance_url = (body.get("instance_url") or self.login_url).rstrip("/")
        self.token_received(body["access_token"], None)  # a session lasts until Salesforce says 401

    def url_for(self, path: str) -> str:
        return f"{self.instance_url}{path}"

    def default_headers(self) -> dict[str, str]:
        return {"Sforce-Call-Options": self.call_options}

    def error_details(self, response: requests.Response) -> tuple[str, str]:
        errors = _errors(response)
        first = errors[0] if errors else {}
        code = str(first.get("errorCode") or f"HTTP_{response.status_code}")
        message = "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors) or response.text[:300]
        return code, message

    def is_retryable(self, response: requests.Response, code: str) -> bool:
        return response.status_code in RETRYABLE_STATUSES or code in RETRYABLE_CODES

    def error_message(self, response: requests.Response, code: str, detail: str) -> str:
        return f"Salesforce {response.status_code}: {detail}"  # the detail names each error's code

    def before_attempt(self) -> None:
        """Slow down when the org's daily API allowance is nearly used up."""
        if self.api_usage and self.api_usage[1]:
            used, limit = self.api_usage
            if used / limit >= self.near_limit:
                log.warning("Salesforce API usage %s/%s is near the limit: pausing %.1fs", used, limit,
                            self.near_limit_pause)
                time.sleep(self.near_limit_pause)

    def after_response(self, response: requests.Response) -> None:
        match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.api_usage = (int(match.group(1)), int(match.group(2)))

    def refuse(self, response: requests.Response, failure: ConnectorError) -> bool:
        if response.status_code == 403 and failure.code == "REQUEST_LIMIT_EXCEEDED":
            # A day's allowance spent does not come back in seconds: let the job come back later.
            failure.retry_after = failure.retry_after or 3600.0
            return True
        return False

    # -- reads ------------------------------------------------------------------------------
    def query(self, soql: str, *, batch_size: int = 2000, include_deleted: bool = False) -> Iterator[list[dict]]:
        """Yield the records of a SOQL query batch by batch, following nextRecordsUrl."""
        endpoint = "queryAll" if include_deleted else "query"
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        body = self.request("GET", f"{self.data_path}/{endpoint}", params={"q": soql}, headers=headers).json()
        while True:
            yield body.get("records") or []
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            body = self.request("GET", next_url, headers=headers).json()

    def deleted(self, object_name: str, start: datetime, end: datetime) -> dict[str, Any]:
        """getDeleted: ids deleted between start and end (within the org's 30-day window)."""
        params = {"start": start.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "end": end.strftime("%Y-%m-%dT%H:%M:%S+00:00")}
        return self.request("GET", f"{self.data_path}/sobjects/{object_name}/deleted/", params=params).json()

    # -- writes -----------------------------------------------------------------------------
    def upsert(self, object_name: str, external_field: str, external_id: str, fields: dict[str, Any], *,
               idempotency_key: str = "") -> tuple[str, bool]:
        """Create or update by external id; returns (Salesforce id, created)."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        path = f"{self.data_path}/sobjects/{object_name}/{external_field}/{quote(str(external_id), safe='')}"
        response = self.request("PATCH", path, json=fields, headers=headers)
        if response.status_code == 204 or not response.content:  # older API versions answer updates with 204
            found = self.request("GET", path, params={"fields": "Id"}).json()
            return found["Id"], False
        body = response.json()
        return body["id"], bool(body.get("created"))

    def upsert_many(self, object_name: str, external_field: str, records: list[dict[str, Any]], *,
                    idempotency_key: str = "") -> list[dict[str, Any]]:
        """Composite collection upsert (at most 200, allOrNone false): one result per record."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        body = {"allOrNone": False,
                "records": [{"attributes": {"type": object_name}, **record} for record in records]}
        return self.request("PATCH", f"{self.data_path}/composite/sobjects/{object_name}/{external_field}",
                            json=body, headers=headers).json()
