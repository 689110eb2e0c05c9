"""Plumbing every simulator shares: a threaded HTTP server on 127.0.0.1, seeded fault injection,
a strictly increasing modification clock, and the change-event emitter.

Standard library only, so a simulator starts in a test thread in milliseconds:

    with SalesforceSimulator(seed=1, records=50).serve() as sim:
        client = SalesforceClient(sim.base_url, ...)

A subclass implements `route(request) -> Response` and `error(status, code, message)` in its
system's dialect; this module decides, before routing, whether the request meets a fault.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SIGNATURE_HEADER = "X-Concord-Signature"


# --- requests and responses ------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Any  # email.message.Message: case-insensitive .get()
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, bytes, or None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, default=str).encode()


# --- faults ----------------------------------------------------------------------------------

_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>ms|s)?$")


def _seconds(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r} (e.g. 2s, 500ms)")
    value = float(match["n"])
    return value / 1000 if match["unit"] == "ms" else value


class Faults:
    """Faults on demand, drawn from a seeded generator so a run repeats.

    Spec: comma-separated items, e.g. ``429:0.2@1s,500:0.1,timeout:0.05@3s,slow:0.1@2s,page_fail:3,
    dup_events,out_of_order``:
      - ``429:P[@S]``   answer 429 with Retry-After S seconds (default 1) with probability P;
      - ``500:P``       answer 500 with probability P (``503:P`` likewise);
      - ``timeout:P[@S]`` sleep S seconds (default 3, longer than a test client's timeout), then 500;
      - ``slow:P[@S]``  sleep S seconds (default 1), then answer normally;
      - ``page_fail:N`` page N of every paginated read answers 500 once (its retry succeeds);
      - ``dup_events``  emitted change events are sometimes sent twice;
      - ``out_of_order`` emitted change events are shuffled.
    """

    def __init__(self, spec: str = "", seed: int = 0):
        self.spec = spec or ""
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.rates: dict[str, float] = {}
        self.retry_after = 1.0
        self.timeout_seconds = 3.0
        self.slow_seconds = 1.0
        self.page_fail: int | None = None
        self.dup_events = False
        self.out_of_order = False
        for item in filter(None, (part.strip() for part in self.spec.split(","))):
            name, _, rest = item.partition(":")
            name = name.strip().lower()
            if name in ("dup_events", "out_of_order"):
                setattr(self, name, True)
                continue
            if name == "page_fail":
                self.page_fail = int(rest)
                continue
            if name not in ("429", "500", "503", "timeout", "slow"):
                raise ValueError(f"unknown fault {name!r} in {self.spec!r}")
            rate, _, duration = rest.partition("@")
            self.rates[name] = float(rate)
            if duration:
                attr = {"429": "retry_after", "timeout": "timeout_seconds", "slow": "slow_seconds"}.get(name)
                if attr is None:
                    raise ValueError(f"fault {name} takes no duration")
                setattr(self, attr, _seconds(duration))

    def draw(self) -> str | None:
        """The fault this request meets, if any."""
        with self.lock:
            for name in ("429", "500", "503", "timeout", "slow"):
                rate = self.rates.get(name, 0.0)
                if rate and self.rng.random() < rate:
                    return name
        return None

    def __repr__(self) -> str:
        return f"Faults({self.spec!r})"


# --- the modification clock ------------------------------------------------------------------

class Clock:
    """Whole-second timestamps that strictly increase: two changes never share a stamp, so a
    reader's (stamp, id) watermark can never miss a second change to the same record."""

    def __init__(self, start: datetime | None = None):
        self.last = start or datetime(2026, 1, 1, tzinfo=UTC)
        self.lock = threading.Lock()

    def tick(self) -> datetime:
        with self.lock:
            now = datetime.now(UTC).replace(microsecond=0)
            self.last = max(now, self.last + timedelta(seconds=1))
            return self.last

    def observe(self, stamp: datetime) -> None:
        with self.lock:
            self.last = max(self.last, stamp)


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 with Z, +00:00 or +0000 (Salesforce) offsets; naive values are UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    return _parse_datetime_text(value)


@lru_cache(maxsize=500_000)  # queries compare the same stamps over and over
def _parse_datetime_text(value: str) -> datetime | None:
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- the server ------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle: otherwise keep-alive clients wait on delayed ACKs (~40 ms a call).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    simulator: SimulatorServer  # set on the per-server subclass

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(method=self.command, path=parts.path,
                          query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                          headers=self.headers, body=body)
        try:
            response = self.simulator.handle(request)
        except Exception as error:  # a simulator bug must still answer, or the client hangs
            response = self.simulator.error(500, "UNKNOWN_EXCEPTION", f"simulator error: {error!r}")
        payload = response.encoded()
        try:
            self.send_response(response.status)
            if response.body is not None and not isinstance(response.body, bytes):
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        if self.simulator.verbose:
            super().log_message(format, *args)


class SimulatorServer:
    """Base class of the system simulators: an in-memory store served over HTTP."""

    name = ""
    auth_paths: tuple[str, ...] = ()

    def __init__(self, *, seed: int = 1, records: int = 50, faults: str = "", verbose: bool = False):
        self.seed = seed
        self.records = records
        self.verbose = verbose
        self.lock = threading.RLock()
        self.faults = Faults(faults, seed)
        self.forced: deque[tuple[int, float | None]] = deque()
        self.upserts_by_key: Counter[str] = Counter()
        # (object, external id field, value) -> upserts that succeeded: what writes did per record,
        # however many records each call carried (Salesforce's collection upsert).
        self.upserts_by_external_id: Counter[tuple[str, str, str]] = Counter()
        self.calls: Counter[str] = Counter()  # "METHOD /path" -> count (auth included)
        self.in_flight = 0
        self.max_in_flight = 0
        self.failed_pages: set[Any] = set()
        self.changes: list[dict[str, Any]] = []  # every change, in commit order
        self.emitted = 0  # how many of `changes` were already emitted
        self.events_rng = random.Random(seed + 7)
        self.tokens: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # -- subclass hooks ---------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        raise NotImplementedError

    def error(self, status: int, code: str, message: str, retry_after: float | None = None) -> Response:
        raise NotImplementedError

    def render_event(self, change: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # -- fault controls ---------------------------------------------------------------------
    def set_faults(self, spec: str) -> None:
        """Replace the fault spec at runtime (tests): ``sim.set_faults("500:1")``; "" clears."""
        self.faults = Faults(spec, self.seed)
        self.failed_pages.clear()

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next `times` API requests with `status` (429 carries Retry-After)."""
        for _ in range(times):
            self.forced.append((status, retry_after))

    def page_fault(self, key: Any, page_number: int) -> Response | None:
        """page_fail:N — page N of a paginated read fails once per read (`key` names the read)."""
        if self.faults.page_fail != page_number:
            return None
        with self.lock:
            if (key, page_number) in self.failed_pages:
                return None
            self.failed_pages.add((key, page_number))
        return self.error(500, "UNKNOWN_EXCEPTION", f"page {page_number} failed (injected page_fail)")

    def _fault_response(self, request: Request) -> Response | None:
        with self.lock:
            forced = self.forced.popleft() if self.forced else None
        if forced:
            status, retry_after = forced
            if status == 429:
                return self.error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests (injected)",
                                  retry_after=retry_after if retry_after is not None else self.faults.retry_after)
            return self.error(status, "UNKNOWN_EXCEPTION", f"injected {status}")
        fault = self.faults.draw()
        if fault == "429":
            return self.error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests (injected)",
                              retry_after=self.faults.retry_after)
        if fault in ("500", "503"):
            return self.error(int(fault), "UNKNOWN_EXCEPTION", f"injected {fault}")
        if fault == "timeout":
            time.sleep(self.faults.timeout_seconds)
            return self.error(500, "UNKNOWN_EXCEPTION", "injected timeout")
        if fault == "slow":
            time.sleep(self.faults.slow_seconds)
        return None

    # -- request handling -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        with self.lock:
            self.calls[f"{request.method} {request.path}"] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            concurrent = self.in_flight
        try:
            if not request.path.startswith(self.auth_paths):
                limited = self.before_route(request, concurrent)
                if limited is not None:
                    return limited
                fault = self._fault_response(request)
                if fault is not None:
                    return fault
            return self.route(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def before_route(self, request: Request, concurrent: int) -> Response | None:
        """A hook for account-level limits (NetSuite's concurrency limit)."""
        return None

    # -- tokens -----------------------------------------------------------------------------
    def issue_token(self, prefix: str = "") -> str:
        token = prefix + hashlib.sha256(f"{self.name}:{random.random()}:{time.time_ns()}".encode()).hexdigest()[:40]
        with self.lock:
            self.tokens.add(token)
        return token

    def expire_tokens(self) -> None:
        """Every issued token stops working: clients must re-authenticate."""
        with self.lock:
            self.tokens.clear()

    def bearer_ok(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        return header.startswith("Bearer ") and header[7:].strip() in self.tokens

    # -- serving ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the simulator is not serving; use `with sim.serve():`")
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0, host: str = "127.0.0.1") -> SimulatorServer:
        handler = type(f"{type(self).__name__}Handler", (_Handler,), {"simulator": self})
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{self.name}-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[SimulatorServer]:
        """Serve on 127.0.0.1 (a free port by default) in a background thread while in the block."""
        self.start(port)
        try:
            yield self
        finally:
            self.stop()

    # -- change events ----------------------------------------------------------------------
    def record_change(self, object_type: str, record_id: str, change_type: str, fields: dict[str, Any],
                      at: datetime, origin: str = "") -> None:
        with self.lock:
            self.changes.append({"object_type": object_type, "record_id": record_id, "change_type": change_type,
                                 "fields": dict(fields), "at": at, "origin": origin,
                                 "sequence": len(self.changes) + 1})

    def pending_events(self) -> list[dict[str, Any]]:
        """Render the changes not yet emitted (faults dup_events / out_of_order applied)."""
        with self.lock:
            changes, self.emitted = self.changes[self.emitted:], len(self.changes)
        events = [self.render_event(change) for change in changes]
        if self.faults.dup_events:
            events = [copy for event in events
                      for copy in ([event, event] if self.events_rng.random() < 0.3 else [event])]
        if self.faults.out_of_order:
            self.events_rng.shuffle(events)
        return events

    def emit_change_events(self, target_url: str, secret: str, *, batch_size: int = 100,
                           timeout: float = 10.0) -> list[int]:
        """POST pending change events to `target_url` as JSON lists, each body signed with its time,
        ``X-Concord-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``. Returns
        the statuses."""
        events = self.pending_events()
        statuses = []
        for start in range(0, len(events), batch_size):
            body = json.dumps(events[start:start + batch_size], default=str).encode()
            statuses.append(post_signed(target_url, body, secret, timeout=timeout))
        return statuses


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``: the time is signed with the body
    (the hub refuses a request signed too long ago, so a captured one cannot be replayed)."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def post_signed(url: str, body: bytes, secret: str, *, timeout: float = 10.0) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def emit_change_events(simulator: SimulatorServer, target_url: str, secret: str, **options: Any) -> list[int]:
    """Module-level spelling of `simulator.emit_change_events(target_url, secret)`."""
    return simulator.emit_change_events(target_url, secret, **options)
