"""The simulators themselves: fault specs, the query dialect, seeded data, change events."""

import hashlib
import hmac
import json
import time

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.netsuite.simulator import NetSuiteSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from connectors.simulators import Faults, emit_change_events
from connectors.simulators import query as soql
from tests.http_receiver import RecordingEndpoint


def test_a_fault_spec_parses_every_kind_of_fault():
    faults = Faults("429:0.2@2s,500:0.1,timeout:0.05@3s,slow:0.1@500ms,page_fail:3,dup_events,out_of_order")
    assert faults.rates == {"429": 0.2, "500": 0.1, "timeout": 0.05, "slow": 0.1}
    assert (faults.retry_after, faults.timeout_seconds, faults.slow_seconds) == (2.0, 3.0, 0.5)
    assert faults.page_fail == 3 and faults.dup_events and faults.out_of_order
    with pytest.raises(ValueError):
        Faults("418:1")


def test_faults_are_drawn_from_a_seed_so_runs_repeat():
    def draws():
        faults = Faults("429:0.3,500:0.3", seed=11)
        return [faults.draw() for _ in range(50)]

    assert draws() == draws() and {None, "429", "500"} == set(draws())


def test_the_query_dialect_handles_and_or_parentheses_order_and_limit():
    rows = [{"Id": f"00{i}", "Stamp": f"2026-01-0{1 + i % 3}T00:00:00Z", "N": i} for i in range(6)]
    parsed = soql.parse("SELECT Id FROM Thing WHERE Stamp > 2026-01-02T00:00:00Z OR "
                        "(Stamp = 2026-01-02T00:00:00Z AND Id > '001') ORDER BY Stamp, Id LIMIT 3")
    assert [r["Id"] for r in soql.run(parsed, rows, {"Id", "Stamp", "N"})] == ["004", "002", "005"]
    parsed = soql.parse("SELECT id FROM thing WHERE n >= 4 AND id IN ('004', '005') ORDER BY n DESC")
    assert soql.run(parsed, rows, {"Id", "N"}) == [{"id": "005"}, {"id": "004"}]
    with pytest.raises(soql.QueryError) as unknown:
        soql.run(soql.parse("SELECT Nope FROM Thing"), rows, {"Id"})
    assert unknown.value.code == "INVALID_FIELD"
    with pytest.raises(soql.QueryError):
        soql.parse("DELETE FROM Thing")


def test_rows_sorted_once_answer_every_query_as_a_fresh_sort_does():
    # Keyset pages read a table kept sorted by their ORDER BY from their lower bound on; any query,
    # bound or not, must answer exactly what filtering and sorting the rows afresh answers.
    stamps = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", None, "not a date",
              "2026-01-03T00:00:00+01:00", 7, "2026-01-02T12:00:00Z", "1770000000"]
    rows = [{"id": str(100 + i), "stamp": stamps[i % len(stamps)], "n": i % 4} for i in range(60)]
    table = soql.SortedRows([dict(r) for r in rows], [("stamp", False), ("id", False)])
    for where in ["stamp > TO_TIMESTAMP('2026-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS') OR "
                  "(stamp = TO_TIMESTAMP('2026-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS') AND id > 120)",
                  "stamp >= 2026-01-02T00:00:00Z AND n = 1", "stamp = 2026-01-02T00:00:00Z OR n = 3",
                  "NOT stamp > 2026-01-01T00:00:00Z", "stamp IS NULL", "n >= 2",
                  "stamp > 2026-01-02T00:00:00Z OR n = 1", "stamp >= 2026-01-02T00:00:00Z",
                  "(stamp > 2026-01-01T00:00:00Z OR n = 0) AND stamp > 2026-01-02T00:00:00Z",
                  "stamp > 2026-01-02T06:00:00Z AND n < 3", "NOT (stamp > 2026-01-02T00:00:00Z OR n = 2)",
                  "stamp > 2026-01-01T00:00:00Z AND stamp > 2026-01-02T00:00:00Z"]:
        parsed = soql.parse(f"SELECT id FROM thing WHERE {where} ORDER BY stamp, id")
        fresh, kept = [], []
        assert soql.run(parsed, table, {"id", "stamp", "n"}, total=kept) == \
            soql.run(parsed, rows, {"id", "stamp", "n"}, total=fresh), where
        assert kept == fresh
    bounded = soql.parse("SELECT id FROM thing WHERE stamp > 2026-01-01T00:00:00Z ORDER BY stamp, id")
    assert table.start(bounded) > 0  # rows below the bound are not even looked at


def test_a_keyset_page_tests_only_the_rows_at_its_own_timestamp():
    # Counting a keyset page's matches (totalResults, hasMore) must not test every later row: the
    # rows past its timestamp all match. Only rows at the timestamp itself, and values that are no
    # timestamp at all, are tested.
    rows = [{"id": str(1000 + i), "stamp": f"2026-01-{1 + i // 100:02d}T00:00:00Z"} for i in range(3000)]
    rows += [{"id": "9000", "stamp": "someday"}, {"id": "9001", "stamp": None}]
    table = soql.SortedRows([dict(r) for r in rows], [("stamp", False), ("id", False)])
    parsed = soql.parse("SELECT id FROM thing WHERE stamp > TO_TIMESTAMP('2026-01-10 00:00:00', "
                        "'YYYY-MM-DD HH24:MI:SS') OR (stamp = TO_TIMESTAMP('2026-01-10 00:00:00', "
                        "'YYYY-MM-DD HH24:MI:SS') AND id > 1950) ORDER BY stamp, id")
    tested = []
    where = parsed.where
    parsed.where = lambda row: tested.append(row["id"]) or where(row)
    total: list[int] = []
    page = soql.run(parsed, table, {"id", "stamp"}, window=slice(0, 10), total=total)
    assert [r["id"] for r in page] == [str(i) for i in range(1951, 1961)]
    assert total == [2049]  # 1951..1999 at the timestamp, then 2000 rows after it
    assert len(tested) == 100 + 1  # the timestamp's own rows, and the one that is no timestamp


def test_netsuite_finds_records_by_external_id_after_creates_changes_and_deletes():
    sim = NetSuiteSimulator(seed=3, records=5)
    made = sim.create("customer", externalid="G-1", companyname="Acme")
    assert sim.find("customer", external_id="G-1") is made
    sim.update("customer", made["id"], externalid="G-2")
    assert sim.find("customer", external_id="G-1") is None and sim.find("customer", external_id="G-2") is made
    sim.delete("customer", made["id"])
    assert sim.find("customer", external_id="G-2") is None


def test_the_same_seed_gives_the_same_data():
    one, two = SalesforceSimulator(seed=9, records=30), SalesforceSimulator(seed=9, records=30)
    assert one.store == two.store
    assert NetSuiteSimulator(seed=9, records=30).store == NetSuiteSimulator(seed=9, records=30).store


def test_seeded_data_is_messy_like_real_systems():
    crm = SalesforceSimulator(seed=2, records=200)
    countries = {a["BillingCountry"] for a in crm.store["Account"].values()}
    assert {"USA", "Deutschland", "Holland", "United Kingdom"} <= countries
    phones = [a["Phone"] for a in crm.store["Account"].values() if a["Phone"]]
    assert any(p.startswith("+") for p in phones) and any(not p.startswith("+") for p in phones)
    assert any(not a["Tax_Id__c"] for a in crm.store["Account"].values())
    assert any(o["StageName"] == "Closed Won" for o in crm.store["Opportunity"].values())
    erp = NetSuiteSimulator(seed=2, records=200)
    assert erp.store["invoice"] and erp.store["job"] and erp.store["salesorder"]
    stamps = [c["lastmodifieddate"] for c in erp.store["customer"].values()]
    assert len(stamps) - len(set(stamps)) > 10  # a mass update left many equal timestamps


def test_change_events_are_cdc_shaped_and_signed():
    receiver = RecordingEndpoint("/api/v1/events/salesforce/")
    try:
        sim = SalesforceSimulator(seed=1, records=5)
        account = next(iter(sim.store["Account"]))
        sim.update("Account", account, Phone="+1 415 555 0100")
        sim.delete("Account", account)
        assert emit_change_events(sim, receiver.url, "s3cret") == [200]
        assert sim.emit_change_events(receiver.url, "s3cret") == []  # nothing new
    finally:
        receiver.close()
    ((headers, body),) = receiver.received
    signature = headers["X-Concord-Signature"]
    stamp, digest = (part.split("=", 1)[1] for part in signature.split(","))
    assert abs(int(stamp) - time.time()) < 60  # signed with its time, t=...,v1=...
    assert digest == hmac.new(b"s3cret", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    update, delete = json.loads(body)
    header = update["data"]["payload"]["ChangeEventHeader"]
    assert header["entityName"] == "Account" and header["recordIds"] == [account]
    assert header["changeType"] == "UPDATE" and isinstance(header["commitTimestamp"], int)
    assert header["transactionKey"] and header["sequenceNumber"] == 1
    assert update["data"]["payload"]["Phone"] == "+1 415 555 0100"
    assert delete["data"]["payload"]["ChangeEventHeader"]["changeType"] == "DELETE"


def test_a_create_event_carries_the_fields_the_org_set_itself_like_the_contract_number():
    sim = SalesforceSimulator(seed=1, records=5)
    account = next(iter(sim.store["Account"]))
    contract = sim.create("Contract", AccountId=account, Name="Signed", Status="Activated")
    (event,) = [sim.render_event(change) for change in sim.changes if change["record_id"] == contract["Id"]]
    payload = event["data"]["payload"]
    assert payload["ChangeEventHeader"]["changeType"] == "CREATE"
    assert payload["ContractNumber"] == contract["ContractNumber"] and payload["AccountId"] == account
    assert "ContractNumber" in payload["ChangeEventHeader"]["changedFields"]


def test_duplicated_and_out_of_order_events_on_demand():
    sim = NetSuiteSimulator(seed=1, records=5, faults="dup_events,out_of_order")
    for number in range(20):
        sim.update("customer", "1001", phone=f"+49 30 {number:07d}")
    events = sim.pending_events()
    keys = [e["event_id"] for e in events]
    assert len(keys) > len(set(keys)) == 20
    first_seen = list(dict.fromkeys(keys))
    assert first_seen != sorted(first_seen, key=lambda k: int(k.rsplit("-", 1)[1]))
    assert events[0]["object_type"] == "customer" and events[0]["record"]["id"] == "1001"


def test_the_command_refuses_a_bad_fault_spec():
    with pytest.raises(CommandError):
        call_command("run_simulator", "netsuite", "--faults", "teapot:1", "--records", "1")


def test_the_hubs_event_parser_accepts_what_the_simulators_emit():
    from connectors.events import events_parse
    from connectors.netsuite.connector import NetSuiteConnector
    from connectors.salesforce.connector import SalesforceConnector

    crm = SalesforceSimulator(seed=1, records=5)
    crm.update("Account", next(iter(crm.store["Account"])), Phone="+1 415 555 0100")
    crm.create("Contract", AccountId=next(iter(crm.store["Account"])), Name="New work")
    body = json.dumps(crm.pending_events()).encode()
    parsed = events_parse(SalesforceConnector(base_url="http://127.0.0.1:9", credentials={}), body)
    assert [(e.object_type, e.domain, e.change_type) for e in parsed] == [
        ("Account", "customer", "UPDATE"), ("Contract", "contract", "CREATE")]

    erp = NetSuiteSimulator(seed=1, records=5)
    erp.update("job", next(iter(erp.store["job"])), entitystatus="Closed")
    body = json.dumps(erp.pending_events()).encode()
    (event,) = events_parse(NetSuiteConnector(base_url="http://127.0.0.1:9", credentials={}), body)
    assert (event.object_type, event.domain, event.change_type) == ("job", "project", "UPSERT")


def test_the_command_serves_a_simulator_until_stopped():
    import subprocess
    import sys
    from pathlib import Path

    import requests

    root = Path(__file__).resolve().parents[3]
    process = subprocess.Popen([sys.executable, "manage.py", "run_simulator", "salesforce", "--records", "3"],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        answer = requests.post(f"{url}/services/oauth2/token", timeout=5, data={
            "grant_type": "client_credentials", "client_id": "concord", "client_secret": "concord-secret"})
        assert answer.status_code == 200 and answer.json()["instance_url"] == url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_run_simulator_hands_the_netsuite_key_over_as_a_file_the_hub_logs_in_with(tmp_path):
    import subprocess
    import sys
    from ast import literal_eval
    from pathlib import Path

    from connectors.netsuite.client import NetSuiteClient

    root = Path(__file__).resolve().parents[3]
    key_file = tmp_path / "ns.pem"
    process = subprocess.Popen([sys.executable, "manage.py", "run_simulator", "netsuite", "--records", "3",
                                "--key-file", str(key_file)],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        credentials = literal_eval(line.split("credentials: ", 1)[1].split("; faults", 1)[0])
        assert "private_key" not in credentials and credentials["private_key_path"] == str(key_file)
        assert "PRIVATE KEY" not in line and key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
        client = NetSuiteClient(url, credentials=credentials, timeout=5)
        assert client.suiteql("SELECT id FROM customer", limit=1)["items"]
    finally:
        process.terminate()
        process.wait(timeout=10)


_STAMPS = st.one_of(st.none(), st.just("not a date"), st.integers(0, 9).map(str),
                    st.builds(lambda day, hour: f"2026-01-{day:02d}T{hour:02d}:00:00Z", st.integers(1, 4), st.integers(0, 2)))


@given(stamps=st.lists(_STAMPS, min_size=1, max_size=40), day=st.integers(1, 4), hour=st.integers(0, 2),
       after_id=st.integers(99, 140), extra=st.sampled_from(["", " AND n = 1", " OR n = 2"]))
@settings(max_examples=200, deadline=None)
def test_keyset_pages_over_sorted_rows_answer_as_a_fresh_filter_does(stamps, day, hour, after_id, extra):
    rows = [{"id": str(100 + i), "stamp": stamp, "n": i % 3} for i, stamp in enumerate(stamps)]
    table = soql.SortedRows([dict(r) for r in rows], [("stamp", False), ("id", False)])
    at = f"TO_TIMESTAMP('2026-01-{day:02d} {hour:02d}:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    parsed = soql.parse(f"SELECT id FROM thing WHERE (stamp > {at} OR (stamp = {at} AND id > {after_id})){extra} "
                        "ORDER BY stamp, id")
    kept, fresh = [], []
    assert soql.run(parsed, table, {"id", "stamp", "n"}, total=kept) == \
        soql.run(parsed, rows, {"id", "stamp", "n"}, total=fresh)
    assert kept == fresh
