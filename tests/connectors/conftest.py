"""A fake CRM for connector tests: a real Connector subclass over a small SQLite file, so the test
process and a real Celery worker see the same "remote system".

It behaves like a well-made SaaS API: pull pages in change order with a cursor, push upserts
keyed by golden id and deduplicated by idempotency key (a replayed key is acknowledged, not
applied again). It counts every call and every applied write, and can be told to fail (429/500)
or to stall (so a test can kill the worker mid-pull or mid-push).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import Connector, ConnectorError, HeldRecord, Page, UpsertResult, register
from mdm.records import IncomingRecord

FAKE_SYSTEM = "fakecrm"
KNOWN = {"name", "country", "city", "email", "phone", "tax_id", "credit_status", "number", "title", "status",
         "customer_source_id", "total_value", "currency"}
T0 = datetime(2026, 6, 1, tzinfo=UTC)


class FakeRemote:
    """The remote system's own storage."""

    def __init__(self, path: str):
        self.path = path
        with closing(self._db()) as db, db:
            db.executescript("""
                create table if not exists records (object_type text, id text, data text, seq integer,
                                                    primary key (object_type, id));
                create table if not exists deletions (object_type text, id text, seq integer);
                create table if not exists calls (key text, golden_id text, at real);
                create table if not exists effects (key text primary key, golden_id text, attributes text);
                create table if not exists held (golden_id text primary key, attributes text);
                create table if not exists faults (name text primary key, value text);
            """)

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def _next_seq(self, db) -> int:
        a = db.execute("select coalesce(max(seq), 0) from records").fetchone()[0]
        b = db.execute("select coalesce(max(seq), 0) from deletions").fetchone()[0]
        return max(a, b) + 1

    def put(self, object_type: str, record_id: str, **data: Any) -> None:
        with closing(self._db()) as db, db:
            seq = self._next_seq(db)
            data.setdefault("modified", (T0 + timedelta(seconds=seq)).isoformat())
            db.execute("insert or replace into records values (?, ?, ?, ?)",
                       (object_type, record_id, json.dumps({"Id": record_id, **data}), seq))

    def put_raw(self, object_type: str, record_id: str, data: Any) -> None:
        with closing(self._db()) as db, db:
            db.execute("insert or replace into records values (?, ?, ?, ?)",
                       (object_type, record_id, json.dumps(data), self._next_seq(db)))

    def delete(self, object_type: str, record_id: str, *, report: bool = True) -> None:
        with closing(self._db()) as db, db:
            seq = self._next_seq(db)
            db.execute("delete from records where object_type = ? and id = ?", (object_type, record_id))
            if report:
                db.execute("insert into deletions values (?, ?, ?)", (object_type, record_id, seq))

    def rows_after(self, object_type: str, seq: int, limit: int) -> list[tuple[str, int]]:
        with closing(self._db()) as db:
            return db.execute("select data, seq from records where object_type = ? and seq > ? order by seq limit ?",
                              (object_type, seq, limit)).fetchall()

    def deleted_ids(self, object_type: str) -> list[str]:
        with closing(self._db()) as db:
            return [r[0] for r in db.execute("select id from deletions where object_type = ?", (object_type,))]

    def set_fault(self, name: str, value: Any) -> None:
        with closing(self._db()) as db, db:
            db.execute("insert or replace into faults values (?, ?)", (name, json.dumps(value)))

    def fault(self, name: str, default: Any = None) -> Any:
        with closing(self._db()) as db:
            row = db.execute("select value from faults where name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def take_failure(self) -> int | None:
        """The next scripted failure status for a push, if any (each is used once)."""
        with closing(self._db()) as db, db:
            db.execute("begin immediate")
            row = db.execute("select value from faults where name = 'push_fail'").fetchone()
            statuses = json.loads(row[0]) if row else []
            if not statuses:
                return None
            db.execute("update faults set value = ? where name = 'push_fail'", (json.dumps(statuses[1:]),))
            return statuses[0]

    def upsert(self, key: str, golden_id: str, attributes: dict[str, Any]) -> bool:
        """Apply a write once per idempotency key; True when applied now."""
        with closing(self._db()) as db, db:
            db.execute("insert into calls values (?, ?, ?)", (key, golden_id, time.time()))
            cursor = db.execute("insert or ignore into effects values (?, ?, ?)",
                                (key, golden_id, json.dumps(attributes, sort_keys=True)))
            if cursor.rowcount == 1:
                db.execute("insert or replace into held values (?, ?)", (golden_id, json.dumps(attributes)))
            return cursor.rowcount == 1

    def held(self) -> dict[str, dict[str, Any]]:
        """What the system holds now of the golden records written to it, by golden id."""
        with closing(self._db()) as db:
            return {golden_id: json.loads(attributes) for golden_id, attributes in db.execute("select * from held")}

    def edit_held(self, golden_id: str, **changes: Any) -> None:
        """Someone changes (or, with no changes, deletes) a record we wrote, in the system itself."""
        with closing(self._db()) as db, db:
            if not changes:
                db.execute("delete from held where golden_id = ?", (golden_id,))
                return
            (attributes,) = db.execute("select attributes from held where golden_id = ?", (golden_id,)).fetchone()
            db.execute("update held set attributes = ? where golden_id = ?",
                       (json.dumps({**json.loads(attributes), **changes}), golden_id))

    def own_records(self, object_type: str) -> list[dict[str, Any]]:
        with closing(self._db()) as db:
            return [json.loads(data) for (data,) in db.execute("select data from records where object_type = ?",
                                                               (object_type,))]

    def calls(self) -> dict[str, int]:
        with closing(self._db()) as db:
            return dict(db.execute("select key, count(*) from calls group by key").fetchall())

    def effects(self) -> dict[str, dict[str, Any]]:
        with closing(self._db()) as db:
            return {key: json.loads(attributes) for key, _golden, attributes in db.execute("select * from effects")}


def fake_record(object_type: str, data: Any) -> IncomingRecord:
    """The fake system's mapping: its field names are already canonical."""
    if not isinstance(data, dict) or not data.get("Id"):
        raise ValueError("no Id")
    modified = data.get("modified")
    return IncomingRecord(source_id=str(data["Id"]), object_type=object_type,
                          canonical={k: v for k, v in data.items() if k in KNOWN}, payload=data,
                          source_updated_at=datetime.fromisoformat(modified) if isinstance(modified, str) else None,
                          source_version=str(modified or ""))


@register
class FakeConnector(Connector):
    system = FAKE_SYSTEM
    object_types = {"customer": ["Account"], "contract": ["Contract"]}

    @property
    def remote(self) -> FakeRemote:
        return FakeRemote(os.environ["CONCORD_FAKE_SYSTEM_DB"])

    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        seq = int(watermark or 0)
        while True:
            rows = self.remote.rows_after(object_type, seq, self.page_size)
            if not rows:
                return
            records, rejects = [], []
            for data, _ in rows:
                raw = json.loads(data)
                try:
                    records.append(fake_record(object_type, raw))
                except ValueError as error:
                    rejects.append((raw if isinstance(raw, dict) else {"value": raw}, f"unreadable: {error}"))
            seq = rows[-1][1]
            yield Page(domain=domain, object_type=object_type, records=records, rejects=rejects,
                       next_watermark=str(seq))
            time.sleep(float(self.remote.fault("pull_sleep", 0)))

    def deleted_since(self, *, domain: str, object_type: str, since: datetime) -> list[str]:
        return self.remote.deleted_ids(object_type)

    def map_record(self, *, object_type: str, payload: dict[str, Any]) -> IncomingRecord:
        return fake_record(object_type, payload)

    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        remote = self.remote
        status = remote.take_failure()
        if status == 429:
            raise ConnectorError("429 Too Many Requests", retryable=True, retry_after=0.05, code="429")
        if status == 400:
            raise ConnectorError("400 invalid field", retryable=False, code="400")
        if status:
            raise ConnectorError(f"HTTP {status}", retryable=True, code=str(status))
        created = remote.upsert(idempotency_key, golden_id, attributes)
        time.sleep(float(remote.fault("push_sleep", 0)))  # the answer is slow: a kill here loses the reply
        return UpsertResult(external_id=f"ext-{golden_id}", created=created)


    def outbound_fields(self, *, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in attributes.items() if not k.startswith("_")}

    def read_all(self, *, domain: str) -> Iterator[HeldRecord]:
        """The records written to it (by golden id), then its own records (never written by us)."""
        remote = self.remote
        for golden_id, attributes in remote.held().items():
            yield HeldRecord(source_id=f"ext-{golden_id}", golden_id=golden_id,
                             fields=self.outbound_fields(domain=domain, attributes=attributes))
        for object_type in self.object_types.get(domain, []):
            for data in remote.own_records(object_type):
                yield HeldRecord(source_id=str(data.get("Id")), golden_id=None, fields=data)


@pytest.fixture
def remote(tmp_path, monkeypatch) -> FakeRemote:
    path = str(tmp_path / "fakecrm.sqlite")
    monkeypatch.setenv("CONCORD_FAKE_SYSTEM_DB", path)
    return FakeRemote(path)


@pytest.fixture
def fakecrm(db, monkeypatch):
    """The fake CRM as a source system that takes golden customers back; no other system does."""
    from mdm.models import SourceSystem

    SourceSystem.objects.update(sync_back_domains=[])
    # Connected (it has a URL), so its outbound messages go out rather than wait.
    monkeypatch.setenv("CONCORD_FAKECRM_URL", "http://fake")
    return SourceSystem.objects.create(name=FAKE_SYSTEM, display_name="Fake CRM", kind="crm",
                                       sync_back_domains=["customer"])


@pytest.fixture
def connector(remote, fakecrm) -> FakeConnector:
    return FakeConnector(base_url="http://fake", page_size=3)
