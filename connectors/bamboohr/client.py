"""A small BambooHR REST client over `requests`: HTTP basic auth with the API key as the user name
(BambooHR's rule: any password), JSON asked for explicitly (BambooHR answers XML otherwise), and the
retry policy the connector contract asks for (429 and 503 with Retry-After, other 5xx, timeouts:
retryable; 400, 401, 403, 404: permanent)."""

from __future__ import annotations

import time
from typing import Any

import requests

from connectors.base import ConnectorError, retry_wait

# What the connector reads of each employee (BambooHR's field names; custom fields start "custom").
FIELDS = ("firstName", "lastName", "displayName", "workEmail", "employeeNumber", "jobTitle", "department",
          "division", "status", "employmentHistoryStatus", "hireDate", "terminationDate", "payRate", "payPer",
          "customBillRate", "customWeeklyHours", "customLegalEntity", "lastChanged")
RETRYABLE = {429, 500, 502, 503, 504}


class BambooHRClient:
    def __init__(self, base_url: str, *, company: str, api_key: str, timeout: float = 30.0, max_retries: int = 3,
                 backoff: float = 0.5, max_retry_wait: float = 30.0, session: requests.Session | None = None):
        self.root = f"{base_url.rstrip('/')}/api/gateway.php/{company}/v1"
        self.auth = (api_key, "x")
        self.timeout, self.max_retries, self.backoff, self.max_retry_wait = timeout, max_retries, backoff, max_retry_wait
        self.session = session or requests.Session()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        attempt = 0
        while True:
            try:
                failure = self._get(path, params)
                if not isinstance(failure, ConnectorError):
                    return failure
            except requests.RequestException as error:
                failure = ConnectorError(f"bamboohr GET {path}: {error}", retryable=True, code="unreachable")
            wait = retry_wait(failure, attempt, backoff=self.backoff, max_retries=self.max_retries,
                              max_wait=self.max_retry_wait) if failure.retryable else None
            if wait is None:
                raise failure
            time.sleep(wait)
            attempt += 1

    def _get(self, path: str, params: dict[str, Any] | None) -> Any:
        response = self.session.get(f"{self.root}{path}", params=params, auth=self.auth, timeout=self.timeout,
                                    headers={"Accept": "application/json"})
        if response.status_code == 200:
            return response.json()
        retry_after = response.headers.get("Retry-After")
        return ConnectorError(f"bamboohr GET {path}: HTTP {response.status_code} {response.text[:200]}",
                              retryable=response.status_code in RETRYABLE, code=str(response.status_code),
                              retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)

    def changed_since(self, since: str) -> dict[str, Any]:
        """`{"latest": ..., "employees": {id: {"id", "action", "lastChanged"}}}` for changes after `since`."""
        return self.get("/employees/changed", {"since": since})

    def directory(self) -> dict[str, Any]:
        return self.get("/employees/directory")

    def employee(self, employee_id: str, fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
        return self.get(f"/employees/{employee_id}", {"fields": ",".join(fields)})
