"""Bad inputs and racing stewards against the hub, and what each one got: a table of outcomes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord .venv/bin/python benchmarks/reliability/bad_inputs.py

Runs in a throwaway PostgreSQL database (Django's test database of DATABASE_URL, named by
CONCORD_TEST_DB_NAME if set; created, migrated and dropped again), through the whole request path
(Django's test client: URLs, middleware, authentication, views) and, for CSV files, through
`manage.py import_records` as a shell runs it, in a child process. Each case says what must hold;
the script prints one Markdown row per case and exits non-zero if any did not hold.
Rows of docs/reliability.md come from here.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RACE_ROUNDS = 4


@dataclass
class Outcome:
    case: str
    tries: int
    expected: str
    observed: str
    held: bool


CASES: list[Callable[[], Outcome]] = []


def case(function: Callable[[], Outcome]) -> Callable[[], Outcome]:
    CASES.append(function)
    return function


# --- the world each case starts from -----------------------------------------------------------

def _users():
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    call_command("create_demo_users", stdout=open(os.devnull, "w"))
    integration, _ = User.objects.get_or_create(username="bad-inputs-integration")
    integration.groups.add(Group.objects.get(name="integration"))
    return {user.username: user for user in User.objects.all()}


def _api(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _console(user):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


_serial = iter(range(1, 1_000_000))


def _firms(*names: str, contracts: bool = False) -> list[str]:
    """Customers the exact-key matcher will not link (distinct tax ids), optionally with a contract each."""
    from mdm.models import CrossReference
    from mdm.records import IncomingRecord
    from mdm.services.ingest import source_records_ingest

    keys = [f"BI{next(_serial):05d}" for _ in names]
    source_records_ingest(system="salesforce", domain="customer", records=[
        IncomingRecord(source_id=key, object_type="Account", canonical={
            "name": name, "country": "DE", "tax_id": f"9{int(key[2:]):08d}"}) for key, name in zip(keys, names, strict=True)])
    if contracts:
        source_records_ingest(system="salesforce", domain="contract", records=[
            IncomingRecord(source_id=f"K{key}", object_type="Contract", canonical={
                "number": f"K-{key}", "customer_source_id": key}) for key in keys])
    return [CrossReference.objects.get(source_record__source_id=key).golden_id for key in keys]


def _no_records(before: int) -> bool:
    from mdm.models import SourceRecord

    return SourceRecord.objects.count() == before


# --- the REST API --------------------------------------------------------------------------------

PUSH = "/api/v1/source-records/customer/"


def _push(records, raw: str | None = None):
    from mdm.models import SourceRecord

    before = SourceRecord.objects.count()
    client = _api(USERS["bad-inputs-integration"])
    if raw is not None:
        response = client.post(PUSH, data=raw, content_type="application/json")
    else:
        response = client.post(PUSH, {"system": "salesforce", "records": records}, format="json")
    return response, _no_records(before)


def _api_case(title: str, records, expect_in: str, raw: str | None = None) -> Outcome:
    response, nothing_written = _push(records, raw)
    body = response.content.decode()[:150]
    held = response.status_code == 400 and expect_in in body and nothing_written
    return Outcome(title, 1, f"400 naming {expect_in!r}, nothing written", f"{response.status_code} {body}", held)


@case
def api_object_as_name() -> Outcome:
    return _api_case('API push, "name": {"a": 1}', [{"source_id": "T1", "name": {"a": 1}}],
                     "expected a string, got an object")


@case
def api_number_as_name() -> Outcome:
    return _api_case('API push, "name": 123', [{"source_id": "T2", "name": 123}], "expected a string, got a number")


@case
def api_object_as_source_id() -> Outcome:
    return _api_case('API push, "source_id": {"x": 1}', [{"source_id": {"x": 1}, "name": "X"}],
                     "expected a string or a number, got an object")


@case
def api_object_as_deleted() -> Outcome:
    return _api_case('API push, "deleted": {...}', [{"source_id": "T3", "name": "X", "deleted": {"yes": 1}}],
                     "expected a boolean, got an object")


@case
def api_month_13() -> Outcome:
    return _api_case("API push, source_updated_at 2026-13-45T00:00:00Z",
                     [{"source_id": "T4", "name": "X", "source_updated_at": "2026-13-45T00:00:00Z"}],
                     "month must be in 1..12")


@case
def api_february_30_in_a_batch() -> Outcome:
    return _api_case("API batch: a good record and 2026-02-30T10:00:00Z",
                     [{"source_id": "T5", "name": "Good"},
                      {"source_id": "T6", "name": "X", "source_updated_at": "2026-02-30T10:00:00Z"}],
                     "day is out of range for month")


@case
def api_deep_json() -> Outcome:
    deep = "[" * 50_000 + "]" * 50_000
    return _api_case("API push, JSON nested 50,000 levels", None, "nested deeper than",
                     raw='{"system": "salesforce", "records": [{"source_id": "T7", "name": ' + deep + "}]}")


@case
def api_as_of_february_30() -> Outcome:
    from mdm.models import Customer

    golden_id = _firms("As Of Probe GmbH")[0]
    response = _api(USERS["steward_customers"]).get(f"/api/v1/customers/{golden_id}/",
                                                    {"as_of": "2026-02-30T10:00:00Z"})
    body = response.content.decode()[:150]
    return Outcome("API detail, ?as_of=2026-02-30T10:00:00Z", 1, "400 with the reason",
                   f"{response.status_code} {body}",
                   response.status_code == 400 and "out of range" in body and Customer.objects.filter(pk=golden_id).exists())


@case
def events_deep_json() -> Outcome:
    from django.test import Client

    from connectors.events import signature_header
    from connectors.models import Connection, InboundEvent
    from mdm.models import SourceSystem

    Connection.objects.update_or_create(system=SourceSystem.objects.get(name="salesforce"),
                                        defaults={"webhook_secret": "bad-inputs"})
    body = b"[" * 50_000 + b"]" * 50_000
    response = Client(raise_request_exception=False).post(
        "/api/v1/events/salesforce/", data=body, content_type="application/json",
        HTTP_X_CONCORD_SIGNATURE=signature_header("bad-inputs", body))
    text = response.content.decode()[:150]
    return Outcome("events endpoint, JSON nested 50,000 levels", 1, "400 with the reason, nothing stored",
                   f"{response.status_code} {text}",
                   response.status_code == 400 and "nested deeper than" in text and not InboundEvent.objects.exists())


# --- CSV files through manage.py import_records -------------------------------------------------

HEADER = "source_id,name,country,source_updated_at\n"


def _good_rows(prefix: str, count: int) -> str:
    return "".join(f"{prefix}{i},Csv Firm {prefix} {i},DE,2026-06-01T00:00:00Z\n" for i in range(count))


def _import(content: bytes) -> tuple[int, str, str, int]:
    """import_records in a child process on the throwaway database: exit code, stdout, stderr,
    and how many source records the file added."""
    from mdm.models import SourceRecord

    before = SourceRecord.objects.count()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        path.write_bytes(content)
        done = subprocess.run([sys.executable, "manage.py", "import_records", "--system", "csv", "--domain",
                               "customer", "-v", "0", str(path)], cwd=ROOT, env=CHILD_ENV, capture_output=True,
                              text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr, SourceRecord.objects.count() - before


def _one_line(stderr: str) -> bool:
    return len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


@case
def csv_impossible_timestamps() -> Outcome:
    content = (HEADER + "TS1,Csv Stamp One,DE,2026-13-45T00:00:00Z\nTS2,Csv Stamp Two,DE,2026-02-30T10:00:00Z\n"
               + _good_rows("TS", 50)).encode()
    code, out, err, added = _import(content)
    held = code == 0 and added == 50 and "quarantined 2" in out and "not a real date and time" in out
    return Outcome("CSV, 2 rows with impossible source_updated_at among 50 good", 1,
                   "exit 0, 50 created, 2 quarantined with the reason", f"exit {code}, {added} created; {out.splitlines()[0]}",
                   held)


@case
def csv_not_utf8() -> Outcome:
    content = (HEADER + _good_rows("NU", 2_500)).encode() + "NUX,Société Générale,FR,\n".encode("cp1252")
    code, _out, err, added = _import(content)
    held = code == 1 and added == 0 and _one_line(err) and "line 2,502: bytes not UTF-8" in err
    return Outcome("CSV, 2,500 good rows then cp1252 bytes", 1, "exit 1, one line on stderr, nothing written",
                   f"exit {code}, {added} written: {err.strip()[:150]}", held)


@case
def csv_megabyte_field() -> Outcome:
    content = (HEADER + _good_rows("MB", 2_500) + f"MBX,{'x' * (1 << 20)},DE,\n" + _good_rows("MC", 100)).encode()
    code, out, _err, added = _import(content)
    held = code == 0 and added == 2_600 and "quarantined 1" in out and "1,048,576 bytes, over the limit" in out
    return Outcome("CSV, 2,500 good rows, a 1 MiB field, 100 good rows", 1,
                   "exit 0, 2,600 created, the big row quarantined with its size", f"exit {code}, {added} created; "
                   f"{out.splitlines()[0] if out else ''}", held)


@case
def csv_open_quote() -> Outcome:
    content = (HEADER + 'OQ1,"Csv Open Quote,DE,\n' + _good_rows("OQ", 20)).encode()
    code, _out, err, added = _import(content)
    held = code == 1 and added == 0 and _one_line(err)
    return Outcome("CSV, a quote left open", 1, "exit 1, one line on stderr, nothing written",
                   f"exit {code}, {added} written: {err.strip()[:150]}", held)


# --- the console: governance ---------------------------------------------------------------------

@case
def console_override_not_an_email() -> Outcome:
    from django.urls import reverse

    from mdm.models import AttributeOverride

    golden_id = _firms("Override Probe GmbH")[0]
    response = _console(USERS["steward_customers"]).post(
        reverse("stewardship:resolve", args=[golden_id, "email"]),
        {"choice": "__new__", "value": "not an email", "mode": "pinned", "reason": "the customer said so"})
    saved = AttributeOverride.objects.filter(golden_id=golden_id).exists()
    held = response.status_code == 400 and b"is not an email address" in response.content and not saved
    return Outcome('console override, email "not an email"', 1, "form error, nothing saved",
                   f"{response.status_code}, override saved: {saved}", held)


@case
def console_unmerge_of_a_council_merge() -> Outcome:
    from django.urls import reverse

    from mdm.models import Customer
    from stewardship.models import ChangeRequest

    survivor, merged = _firms("Council Merge Alpha GmbH", "Council Merge Beta GmbH", contracts=True)
    _console(USERS["steward_customers"]).post(reverse("stewardship:merge", args=[survivor]),
                                              {"merged_id": merged, "reason": "same firm"})
    request = ChangeRequest.objects.get(payload__merged_id=merged, payload__action="merge")
    _console(USERS["council"]).post(reverse("stewardship:council_decide", args=[request.pk, "approve"]),
                                    {"comment": "checked"})
    _console(USERS["steward_customers"]).post(reverse("stewardship:unmerge", args=[merged]), {"reason": "undo"})
    status = Customer.objects.get(pk=merged).record_status
    waiting = ChangeRequest.objects.filter(payload__action="unmerge", payload__merged_id=merged,
                                           status="pending").exists()
    return Outcome("console, a steward unmerges a council-approved merge", 1,
                   "still merged; an unmerge request waits for the council",
                   f"record {status}, request waiting: {waiting}", status == "merged" and waiting)


@case
def console_council_rejects_a_merge() -> Outcome:
    from django.urls import reverse

    from matching.models import CandidateStatus, MatchCandidate, MatchDecision
    from stewardship.models import ChangeRequest

    a, b = _firms("Rejected Pair Alpha GmbH", "Rejected Pair Beta GmbH", contracts=True)
    candidate = MatchCandidate.objects.create(domain="customer", golden_id_a=a, golden_id_b=b, score=0.9,
                                              contributions={}, rule="model", status=CandidateStatus.OPEN)
    _console(USERS["steward_customers"]).post(reverse("stewardship:match_decide", args=[candidate.pk, "accept"]),
                                              {"reason": "looks the same"})
    request = ChangeRequest.objects.get(payload__candidate_id=candidate.pk)
    _console(USERS["council"]).post(reverse("stewardship:council_decide", args=[request.pk, "reject"]),
                                    {"comment": "two ledgers"})
    candidate.refresh_from_db()
    verdicts = list(MatchDecision.objects.filter(reason__contains=f"#{request.pk}").values_list("verdict", flat=True))
    held = candidate.status == CandidateStatus.REJECTED and verdicts == ["not_match"]
    return Outcome("console, the council rejects a merge", 1, "candidate closed, pair remembered as not a match",
                   f"candidate {candidate.status}, verdicts {verdicts}", held)


# --- merge and unmerge ---------------------------------------------------------------------------

@case
def unmerge_after_a_chain() -> Outcome:
    from mdm.models import CrossReference, Customer
    from mdm.services.merge import golden_record_merge, golden_record_unmerge

    x, y, z = _firms("Chain Xenon GmbH", "Chain Ypsilon GmbH", "Chain Zephyr GmbH")
    golden_record_merge(survivor_id=y, merged_id=x, acting_user=None, reason="same")
    golden_record_merge(survivor_id=z, merged_id=y, acting_user=None, reason="same")
    golden_record_unmerge(merged_id=x, acting_user=None, reason="not the same")
    record = Customer.objects.get(pk=x)
    held_by_x = CrossReference.objects.filter(golden_id=x).count()
    held = record.record_status == "active" and held_by_x == 1
    return Outcome("merge X into Y, Y into Z, unmerge X", 1, "X active with its own source record",
                   f"X {record.record_status}, holding {held_by_x} source record(s)", held)


def _race(title: str, change_of: Callable[[str, str, str], tuple[str, dict]]) -> Outcome:
    """X merged into Y; then, released together, one steward unmerges X while another makes the
    change `change_of(x, y, z)` names (a console path and its form)."""
    from django.db import connections
    from django.urls import reverse

    from mdm.services.merge import golden_record_merge

    statuses: list[int] = []
    for _ in range(RACE_ROUNDS):
        x, y, z = _firms("Race Xenon GmbH", "Race Ypsilon GmbH", "Race Zephyr GmbH")
        golden_record_merge(survivor_id=y, merged_id=x, acting_user=None, reason="same")
        start = threading.Barrier(2, timeout=30)

        def steward(path: str, data: dict, start: threading.Barrier = start) -> None:
            client = _console(USERS["steward_customers"])
            start.wait()
            statuses.append(client.post(path, data).status_code)
            connections.close_all()

        threads = [threading.Thread(target=steward, args=(reverse("stewardship:unmerge", args=[x]), {"reason": "r"})),
                   threading.Thread(target=steward, args=change_of(x, y, z))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    held = len(statuses) == 2 * RACE_ROUNDS and all(code in (302, 400) for code in statuses)
    return Outcome(title, RACE_ROUNDS, "each goes through (302) or is refused with a message (400); no 500",
                   "statuses " + ", ".join(map(str, statuses)), held)


@case
def merge_survivor_away_racing_unmerge() -> Outcome:
    from django.urls import reverse

    return _race("console, merge Y into Z racing unmerge X from Y",
                 lambda x, y, z: (reverse("stewardship:merge", args=[z]), {"merged_id": y, "reason": "r"}))


@case
def merge_survivor_into_merged_racing_unmerge() -> Outcome:
    from django.urls import reverse

    return _race("console, merge Y into X racing unmerge X from Y",
                 lambda x, y, z: (reverse("stewardship:merge", args=[x]), {"merged_id": y, "reason": "r"}))


# --- running -------------------------------------------------------------------------------------

USERS: dict = {}
CHILD_ENV: dict = {}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CONCORD_TEST_DB_NAME", "concord_bad_inputs")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    if connection.vendor != "postgresql":
        print("needs PostgreSQL (DATABASE_URL): the races and the CSV child process use a real database",
              file=sys.stderr)
        return 2
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"  # the cases' records are linked by key only
    logging.getLogger("django.request").setLevel(logging.ERROR)  # each refused request is the point, not news
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        database = connection.settings_dict
        CHILD_ENV.update(os.environ, PYTHONPATH=str(ROOT), CONCORD_MATCHER="mdm.matchers.ExactKeyMatcher",
                         DATABASE_URL=f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
                                      f"{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}")
        USERS.update(_users())
        outcomes = []
        for run in CASES:
            try:
                outcomes.append(run())
            except Exception as error:  # noqa: BLE001 - a case that crashed did not hold; say how
                outcomes.append(Outcome(run.__name__, 1, "(see the case)", f"crashed: {type(error).__name__}: "
                                        f"{str(error)[:120]}", False))
    finally:
        teardown_databases(old, verbosity=0)
    print("| bad input or fault | tries | must hold | observed | held |")
    print("| --- | ---: | --- | --- | --- |")
    for outcome in outcomes:
        observed = " ".join(outcome.observed.split()).replace("|", "\\|")
        print(f"| {outcome.case} | {outcome.tries} | {outcome.expected} | {observed} | {'yes' if outcome.held else 'NO'} |")
    return 0 if all(outcome.held for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
