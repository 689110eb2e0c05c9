"""The request loop every connector's HTTP client shares: a bearer token fetched before the first
call and renewed before it runs out, one re-authentication on 401, and the failure policy of the
connector contract (connectors/base.py) — what may succeed later (429, 5xx, timeouts, dropped
connections) retried a few times with back-off, honouring Retry-After; what will not, raised.

A system's client subclasses `ApiClient` and says only what is its own: how it logs in
(`authenticate`), how its error bodies read (`error_details`), which statuses it retries, and,
where it needs them, the hooks around each exchange (`before_attempt`, `after_response`,
`exchange_slot`, `refuse`)."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import requests

from connectors.base import ConnectorError, retry_wait

TOKEN_MARGIN = 60.0  # seconds before expiry when a token is renewed
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after(response: requests.Response) -> float | None:
    """Seconds the system asked us to wait (Retry-After in seconds), or None."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def token_lifetime(body: dict[str, Any], default: float) -> float:
    """`expires_in` of an OAuth token answer, in seconds; `default` when absent or unreadable."""
    try:
        return float(body.get("expires_in") or default)
    except (TypeError, ValueError):
        return default


class ApiClient:
    """One account of one system, over a `requests.Session`."""

    system = "the system"  # as messages name it: "Salesforce", "NetSuite"
    retryable_statuses = RETRYABLE_STATUSES

    def __init__(self, *, timeout: float = 30.0, max_retries: int = 3, backoff: float = 0.5,
                 max_retry_wait: float = 60.0, session: requests.Session | None = None,
                 access_token: str | None = None):
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.session = session or requests.Session()
        self.access_token: str | None = access_token
        self.token_expires_at: float | None = None  # monotonic clock; None: unknown (a given token)
        self.authentications = 0
        self._auth_lock = threading.Lock()

    # -- what a system's client says --------------------------------------------------------
    def authenticate(self) -> None:
        raise NotImplementedError

    def url_for(self, path: str) -> str:
        raise NotImplementedError

    def default_headers(self) -> dict[str, str]:
        return {}

    def error_details(self, response: requests.Response) -> tuple[str, str]:
        """(error code, message) of an error answer."""
        return f"HTTP_{response.status_code}", response.text[:300]

    def is_retryable(self, response: requests.Response, code: str) -> bool:
        return response.status_code in self.retryable_statuses

    def before_attempt(self) -> None:
        """Called before each attempt (e.g. to slow down near an API allowance)."""

    def after_response(self, response: requests.Response) -> None:
        """Called with every answer (e.g. to read usage headers)."""

    def exchange_slot(self):
        """Held around each exchange (e.g. a semaphore for an account's concurrency limit)."""
        return contextlib.nullcontext()

    def refuse(self, response: requests.Response, failure: ConnectorError) -> bool:
        """True: raise `failure` now, without the retries its retryability would give it."""
        return False

    # -- tokens -----------------------------------------------------------------------------
    def token_received(self, access_token: str, lifetime: float | None) -> None:
        self.access_token = access_token
        self.token_expires_at = None if lifetime is None else time.monotonic() + lifetime
        self.authentications += 1

    def token_due(self) -> bool:
        """No token yet, or it runs out within a minute: log in before the call, not after a 401."""
        if not self.access_token:
            return True
        return self.token_expires_at is not None and time.monotonic() >= self.token_expires_at - TOKEN_MARGIN

    def login_error(self, response: requests.Response) -> ConnectorError:
        """A refused login: worth another try only when the system itself was in trouble or busy."""
        code, detail = self.error_details(response)
        retryable = response.status_code >= 500 or self.is_retryable(response, code)
        return ConnectorError(f"{self.system} login failed: {code}: {detail}", retryable=retryable, code=code)

    # -- the request loop -------------------------------------------------------------------
    def send(self, method: str, url: str, *, auth: bool = True, headers: dict[str, str] | None = None,
             **kwargs: Any) -> requests.Response:
        """One HTTP exchange; network failures become retryable ConnectorErrors."""
        all_headers = {**self.default_headers(), **(headers or {})}
        if auth and self.access_token:
            all_headers["Authorization"] = f"Bearer {self.access_token}"
        try:
            with self.exchange_slot():
                return self.session.request(method, url, headers=all_headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise ConnectorError(f"{self.system} did not answer within {self.timeout}s: {method} {url}",
                                 retryable=True, code="timeout") from error
        except requests.RequestException as error:
            raise ConnectorError(f"{self.system} unreachable: {error}", retryable=True, code="connection") from error

    def error_message(self, response: requests.Response, code: str, detail: str) -> str:
        return f"{self.system} {response.status_code} {code}: {detail}"

    def error(self, response: requests.Response) -> ConnectorError:
        code, detail = self.error_details(response)
        return ConnectorError(self.error_message(response, code, detail),
                              retryable=self.is_retryable(response, code), retry_after=retry_after(response),
                              code=code)

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        """Call the API (a path of it or a whole URL), retrying what may succeed later."""
        self._logged_in()
        url = path if path.startswith("http") else self.url_for(path)
        reauthenticated, attempt = False, 0
        while True:
            self.before_attempt()
            try:
                response = self.send(method, url, headers=headers, **kwargs)
            except ConnectorError as error:
                failure = error
            else:
                self.after_response(response)
                if response.status_code < 400:
                    return response
                failure = self.error(response)
                if response.status_code == 401 and not reauthenticated:
                    reauthenticated = True  # the token ran out or was revoked: log in again, once
                    self.authenticate()
                    continue
                if self.refuse(response, failure) or not failure.retryable:
                    raise failure
            wait = retry_wait(failure, attempt, backoff=self.backoff, max_retries=self.max_retries,
                              max_wait=self.max_retry_wait)
            if wait is None:
                raise failure
            attempt += 1
            time.sleep(wait)

    def _logged_in(self) -> None:
        if self.token_due():
            with self._auth_lock:  # threads sharing a client log in once
                if self.token_due():
                    self.authenticate()
