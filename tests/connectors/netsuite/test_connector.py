"""The NetSuite connector and client against the simulator."""

import threading
import time
from datetime import UTC, datetime

import pytest

from connectors.base import ConnectorError
from connectors.netsuite.simulator import NetSuiteSimulator
from tests.connectors.netsuite.conftest import make_connector


def pull_all(connector, object_type="customer", watermark=None, domain="customer"):
    return list(connector.pull(domain=domain, object_type=object_type, watermark=watermark))


def ids(pages):
    return [record.source_id for page in pages for record in page.records]


def test_it_reads_every_customer_once_across_many_pages(ns_sim, ns):
    pages = pull_all(ns)
    assert len(pages) > 3
    assert sorted(ids(pages)) == sorted(ns_sim.store["customer"])
    assert len(ids(pages)) == len(set(ids(pages)))


def test_it_reads_past_the_offset_cap_without_skipping_or_repeating():
    with NetSuiteSimulator(seed=5, records=120, offset_cap=50).serve() as sim:
        connector = make_connector(sim, page_size=20)
        pages = pull_all(connector, "job", domain="project")
        assert len(sim.store["job"]) > 150  # three times the cap
        assert sorted(ids(pages), key=int) == sorted(sim.store["job"], key=int)
        assert len(ids(pages)) == len(set(ids(pages)))
        # offset paging of the same query stops at the cap with a permanent error
        connector.client.offset_cap = 50
        with pytest.raises(ConnectorError) as capped:
            list(connector.client.suiteql_pages("SELECT id FROM job ORDER BY id", limit=20))
        assert capped.value.code == "OFFSET_CAP" and not capped.value.retryable


def test_the_simulator_refuses_offsets_beyond_the_cap():
    with NetSuiteSimulator(seed=5, records=20, offset_cap=50).serve() as sim:
        connector = make_connector(sim)
        with pytest.raises(ConnectorError) as refused:
            connector.client.suiteql("SELECT id FROM customer", limit=20, offset=40)
        assert not refused.value.retryable and refused.value.code == "INVALID_PARAMETER"


def test_rows_sharing_a_timestamp_across_pages_are_read_once(ns_sim):
    for row in list(ns_sim.store["customer"].values())[:23]:
        row["lastmodifieddate"] = "2026-04-04T04:04:04Z"
    pages = pull_all(make_connector(ns_sim, page_size=5))
    assert sorted(ids(pages)) == sorted(ns_sim.store["customer"]) and len(ids(pages)) == len(set(ids(pages)))


def test_a_row_changed_while_we_read_does_not_push_an_unread_row_out_of_view(ns_sim):
    connector = make_connector(ns_sim, page_size=5)
    seen = []
    for number, page in enumerate(connector.pull(domain="customer", object_type="customer", watermark=None)):
        seen += [r.source_id for r in page.records]
        if number == 0:  # someone edits a customer we already read
            ns_sim.update("customer", page.records[0].source_id, phone="+31 20 000 0000")
    assert set(seen) == set(ns_sim.store["customer"])
    assert len(seen) == len(ns_sim.store["customer"]) + 1  # the edited one comes back, newer


def test_only_changes_after_the_watermark_come_back(ns_sim, ns):
    watermark = pull_all(ns)[-1].next_watermark
    assert pull_all(ns, watermark=watermark) == []
    ns_sim.update("customer", "1001", billcountry="Deutschland")
    pages = pull_all(ns, watermark=watermark)
    assert ids(pages) == ["1001"] and pages[0].records[0].canonical["country"] == "Deutschland"


def test_an_expired_token_is_renewed_once(ns_sim, ns):
    pull_all(ns)
    ns_sim.expire_tokens()
    assert pull_all(ns)
    assert ns.client.authentications == 2


def test_a_429_is_retried_after_its_retry_after(ns_sim, ns):
    ns.client.authenticate()
    ns_sim.fail_next(429, retry_after=0.3)
    started = time.monotonic()
    assert pull_all(ns)
    assert time.monotonic() - started >= 0.3


def test_a_500_storm_ends_in_a_retryable_error(ns_sim, ns):
    ns_sim.set_faults("500:1")
    with pytest.raises(ConnectorError) as storm:
        pull_all(ns)
    assert storm.value.retryable and storm.value.code == "UNEXPECTED_ERROR"


def test_a_timeout_is_retryable_and_a_slow_answer_is_just_slow(ns_sim):
    connector = make_connector(ns_sim, timeout=0.3, max_retries=1)
    connector.client.authenticate()
    ns_sim.set_faults("timeout:1@1s")
    with pytest.raises(ConnectorError) as slow:
        pull_all(connector)
    assert slow.value.retryable and slow.value.code == "timeout"
    ns_sim.set_faults("slow:1@0.1s")
    assert ids(pull_all(make_connector(ns_sim, page_size=100)))


def test_a_page_failing_mid_pagination_is_retried_transparently(ns_sim):
    ns_sim.set_faults("page_fail:2")
    client = make_connector(ns_sim).client
    pages = list(client.suiteql_pages("SELECT id FROM customer ORDER BY id", limit=10))
    got = [item["id"] for page in pages for item in page["items"]]
    assert got == sorted(ns_sim.store["customer"], key=int)


def test_after_a_page_failure_the_pull_resumes_from_the_last_committed_watermark(ns_sim):
    connector = make_connector(ns_sim, page_size=5, max_retries=0)
    ns_sim.set_faults("page_fail:3")
    committed, watermark = [], None
    with pytest.raises(ConnectorError) as failed:
        for page in connector.pull(domain="customer", object_type="customer", watermark=None):
            committed += [r.source_id for r in page.records]
            watermark = page.next_watermark
    assert failed.value.retryable and len(committed) == 10
    ns_sim.set_faults("")
    for page in connector.pull(domain="customer", object_type="customer", watermark=watermark):
        committed += [r.source_id for r in page.records]
    assert sorted(committed) == sorted(ns_sim.store["customer"]) and len(committed) == len(set(committed))


def test_many_deletions_are_read_in_keyset_pages(ns_sim, ns):
    for record_id in list(ns_sim.store["job"])[:25]:
        ns_sim.delete("job", record_id)
    ns.page_size = 10
    calls = ns_sim.calls["POST /services/rest/query/v1/suiteql"]
    deleted = ns.deleted_since(domain="project", object_type="job", since=datetime(2026, 1, 1, tzinfo=UTC))
    assert len(deleted) == 25 == len(set(deleted))
    assert ns_sim.calls["POST /services/rest/query/v1/suiteql"] - calls == 3


def test_the_client_keeps_to_the_accounts_concurrency_limit():
    with NetSuiteSimulator(seed=5, records=10, concurrency_limit=1, faults="slow:1@0.3s").serve() as sim:
        polite = make_connector(sim, concurrency=1, max_retries=0)
        polite.client.authenticate()
        errors = []

        def read(connector):
            try:
                connector.client.suiteql("SELECT id FROM customer", limit=5)
            except ConnectorError as error:
                errors.append(error)

        threads = [threading.Thread(target=read, args=(polite,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and sim.max_in_flight == 1

        greedy = make_connector(sim, concurrency=2, max_retries=0)
        greedy.client.authenticate()
        threads = [threading.Thread(target=read, args=(greedy,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [e.code for e in errors] == ["CONCURRENCY_LIMIT_EXCEEDED"] and errors[0].retryable


def test_push_upserts_by_golden_id_and_a_replay_changes_nothing(ns_sim, ns):
    before = len(ns_sim.store["customer"])
    attributes = {"name": "Concord Test B.V.", "country": "NL", "currency": "EUR"}
    first = ns.push(domain="customer", golden_id="G-1", attributes=attributes, idempotency_key="netsuite:G-1:r1",
                    correlation_id="c")
    again = ns.push(domain="customer", golden_id="G-1", attributes=attributes, idempotency_key="netsuite:G-1:r1",
                    correlation_id="c")
    assert first.external_id == again.external_id
    assert len(ns_sim.store["customer"]) == before + 1
    assert ns_sim.upserts_by_key["netsuite:G-1:r1"] == 2
    stored = ns_sim.store["customer"][first.external_id]
    assert stored["externalid"] == "G-1" and stored["currency"] == "EUR" and stored["billcountry"] == "NL"


def test_contract_and_project_pushes_link_by_golden_ids(ns_sim, ns):
    ns.push(domain="customer", golden_id="G-2", attributes={"name": "Linked GmbH"}, idempotency_key="a",
            correlation_id="c")
    order = ns.push(domain="contract", golden_id="K-2", attributes={"title": "Run", "customer": "G-2"},
                    idempotency_key="b", correlation_id="c")
    job = ns.push(domain="project", golden_id="P-2", attributes={"name": "Run it", "customer": "G-2",
                                                                 "contract": "K-2", "billing_type": "fixed_fee"},
                  idempotency_key="c", correlation_id="c")
    stored = ns_sim.store["job"][job.external_id]
    assert stored["custentity_sales_order"] == order.external_id and stored["jobbillingtype"] == "FBM"


def test_refused_pushes_are_permanent_and_dangling_references_retryable(ns):
    with pytest.raises(ConnectorError) as missing:
        ns.push(domain="customer", golden_id="G-3", attributes={"country": "NL"}, idempotency_key="k",
                correlation_id="c")
    assert not missing.value.retryable and missing.value.code == "USER_ERROR"
    with pytest.raises(ConnectorError) as dangling:
        ns.push(domain="contract", golden_id="K-3", attributes={"customer": "nobody"}, idempotency_key="k",
                correlation_id="c")
    assert dangling.value.retryable and dangling.value.code == "REFERENCE_NOT_FOUND"
    with pytest.raises(ConnectorError) as unknown:
        ns.client.upsert("customer", "G-3", {"companyName": "X", "shoeSize": 44})
    assert not unknown.value.retryable and unknown.value.code == "INVALID_CONTENT"


def test_a_golden_record_netsuite_contributed_is_written_to_its_own_customer(ns_sim, ns):
    before = len(ns_sim.store["customer"])
    result = ns.push(domain="customer", golden_id="G-20", attributes={"name": "Golden Name B.V.",
                                                                      "_source_ids": ["1001"]},
                     idempotency_key="k", correlation_id="c")
    assert result.external_id == "1001" and len(ns_sim.store["customer"]) == before
    own = ns_sim.store["customer"]["1001"]
    assert own["externalid"] == "G-20" and own["companyname"] == "Golden Name B.V."
    assert ns.push(domain="customer", golden_id="G-20", attributes={"name": "Golden Name B.V."},
                   idempotency_key="k2", correlation_id="c").external_id == "1001"


def test_if_its_own_customer_was_deleted_the_push_upserts_by_golden_id(ns_sim, ns):
    ns_sim.delete("customer", "1001")
    result = ns.push(domain="customer", golden_id="G-21", attributes={"name": "Reborn B.V.", "_source_ids": ["1001"]},
                     idempotency_key="k", correlation_id="c")
    assert result.external_id != "1001" and ns_sim.store["customer"][result.external_id]["externalid"] == "G-21"


def test_deleted_since_reads_the_deleted_record_table(ns_sim, ns):
    ns_sim.delete("customer", "1001")
    assert ns.deleted_since(domain="customer", object_type="customer",
                            since=datetime(2026, 1, 1, tzinfo=UTC)) == ["1001"]
    assert ns.deleted_since(domain="project", object_type="job", since=datetime(2026, 1, 1, tzinfo=UTC)) == []


# --- reconciliation: what it holds, in the terms of what a push writes -----------------------------

def test_read_all_gives_back_what_a_push_wrote_in_the_pushs_own_terms(ns_sim, ns):
    parent = {"name": "Parent Holding AG", "country": "DE", "currency": "EUR", "payment_terms": "Net 30"}
    child = {"name": "Child GmbH", "country": "DE", "city": "Berlin", "parent": "CUS-0000000001",
             "phone": "+49 30 1234567"}
    ns.push(domain="customer", golden_id="CUS-0000000001", attributes=parent, idempotency_key="k1", correlation_id="")
    ns.push(domain="customer", golden_id="CUS-0000000002", attributes=child, idempotency_key="k2", correlation_id="")
    records = list(ns.read_all(domain="customer"))
    assert len(records) == len(ns_sim.store["customer"])  # ours and NetSuite's own
    held = {record.golden_id: record for record in records}
    for golden_id, attributes in (("CUS-0000000001", parent), ("CUS-0000000002", child)):
        sent = ns.outbound_fields(domain="customer", attributes=attributes)
        assert {name: held[golden_id].fields[name] for name in sent} == sent
    assert held["CUS-0000000002"].fields["parent"] == {"externalId": "CUS-0000000001"}
    assert held["CUS-0000000001"].fields["currency"] == {"refName": "EUR"}


def test_read_all_reads_every_row_once_past_many_pages(ns_sim, ns):
    held = [record.source_id for record in ns.read_all(domain="project")]
    assert sorted(held, key=int) == sorted(ns_sim.store["job"], key=int)
