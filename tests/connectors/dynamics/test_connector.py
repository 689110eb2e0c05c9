"""The Business Central connector against the simulator: pulls in watermark order, idempotent
upserts with ETags, and the same answers under throttling and server errors."""

import pytest

from connectors.base import ConnectorError
from connectors.dynamics import mapping
from tests.connectors.dynamics.conftest import make_connector


def pull_all(connector, object_type, domain="customer", watermark=None):
    pages = list(connector.pull(domain=domain, object_type=object_type, watermark=watermark))
    return pages, [r for page in pages for r in page.records]


def test_pull_reads_everything_in_pages_then_only_what_changed(bc, bc_sim):
    pages, records = pull_all(bc, mapping.CUSTOMERS)
    assert len(pages) > 1 and {r.source_id for r in records} == set(bc_sim.store["customers"])
    first = records[0]
    assert first.canonical["legal_entity"] == "Concord Consulting Inc." and first.canonical["country"] == "US"
    assert first.canonical["credit_status"] in {"good", "on_hold", "blocked"}
    watermark = pages[-1].next_watermark
    assert list(bc.pull(domain="customer", object_type=mapping.CUSTOMERS, watermark=watermark)) == []

    changed = next(iter(bc_sim.store["customers"]))
    bc_sim.update("customers", changed, displayName="Renamed Corp.")
    _, again = pull_all(bc, mapping.CUSTOMERS, watermark=watermark)
    assert [(r.source_id, r.canonical["name"]) for r in again] == [(changed, "Renamed Corp.")]


def test_entities_sharing_a_timestamp_across_a_page_boundary_are_read_once(bc, bc_sim):
    stamp = "2026-02-02T02:02:02.000Z"
    for record in bc_sim.store["customers"].values():
        record["lastModifiedDateTime"] = stamp
    pages, records = pull_all(bc, mapping.CUSTOMERS)
    assert len(pages) > 1 and len(records) == len({r.source_id for r in records}) == len(bc_sim.store["customers"])
    middle = pages[0].next_watermark
    _, rest = pull_all(bc, mapping.CUSTOMERS, watermark=middle)
    assert {r.source_id for r in pages[0].records}.isdisjoint({r.source_id for r in rest})
    assert len(pages[0].records) + len(rest) == len(records)


def test_orders_and_projects_map_to_contracts_and_projects(bc, bc_sim):
    _, contracts = pull_all(bc, mapping.SALES_ORDERS, domain="contract")
    order = contracts[0]
    raw = bc_sim.store["salesOrders"][order.source_id]
    assert order.canonical["number"] == raw["number"]
    assert order.canonical["customer_source_id"] == raw["customerId"]
    assert order.canonical["total_value"] == raw["totalAmountExcludingTax"]
    assert order.canonical["billing_type"] in {"time_and_materials", "fixed_fee", "retainer"}
    _, projects = pull_all(bc, mapping.PROJECTS, domain="project")
    assert all(p.canonical["customer_source_id"] in bc_sim.store["customers"] for p in projects)
    assert all(p.canonical["contract_source_id"] in bc_sim.store["salesOrders"] for p in projects)


def test_time_entries_are_read_as_plain_values(bc, bc_sim):
    entries = list(bc.time_entries())
    assert len(entries) == len(bc_sim.store["timeRegistrationEntries"])
    assert all(e["hours"] > 0 and e["project_source_id"] in bc_sim.store["projects"] for e in entries)


CUSTOMER = {"name": "Northwind Logistics Inc.", "country": "US", "city": "Austin", "credit_status": "good",
            "tax_id": "12-3456789", "currency": "USD"}


def test_a_customer_push_creates_once_and_then_updates_in_place(bc, bc_sim):
    first = bc.push(domain="customer", golden_id="CUS-0000000001", attributes=dict(CUSTOMER),
                    idempotency_key="k1", correlation_id="")
    assert first.created
    again = bc.push(domain="customer", golden_id="CUS-0000000001", attributes=dict(CUSTOMER),
                    idempotency_key="k1", correlation_id="")
    assert not again.created and again.external_id == first.external_id
    moved = bc.push(domain="customer", golden_id="CUS-0000000001", attributes={**CUSTOMER, "city": "Chicago"},
                    idempotency_key="k2", correlation_id="")
    assert moved.external_id == first.external_id
    held = bc_sim.find("customers", number="CUS-0000000001")
    assert held["city"] == "Chicago" and held["blocked"] == " "
    assert bc_sim.created_by_key == {("customers", "CUS-0000000001"): 1}


def test_a_record_business_central_contributed_is_updated_not_twinned(bc, bc_sim):
    own = next(iter(bc_sim.store["customers"].values()))
    result = bc.push(domain="customer", golden_id="CUS-0000000002",
                     attributes={**CUSTOMER, "_source_ids": [own["id"]]}, idempotency_key="k", correlation_id="")
    assert result.external_id == own["id"] and not result.created
    assert bc_sim.store["customers"][own["id"]]["displayName"] == CUSTOMER["name"]
    assert not bc_sim.created_by_key


def test_a_contract_goes_with_its_customer_and_its_value_on_a_line(bc, bc_sim):
    with pytest.raises(ConnectorError) as waiting:
        bc.push(domain="contract", golden_id="CON-0000000001", attributes={"customer": "CUS-0000000003"},
                idempotency_key="c0", correlation_id="")
    assert waiting.value.retryable and waiting.value.code == "REFERENCE_NOT_FOUND"
    customer = bc.push(domain="customer", golden_id="CUS-0000000003", attributes=dict(CUSTOMER),
                       idempotency_key="c1", correlation_id="")
    contract = {"customer": "CUS-0000000003", "number": "OPP-1", "title": "Strategy programme",
                "start_date": "2026-07-01", "end_date": "2027-06-30", "total_value": "120000.00",
                "billing_type": "fixed_fee", "currency": "USD"}
    order = bc.push(domain="contract", golden_id="CON-0000000001", attributes=contract, idempotency_key="c2",
                    correlation_id="")
    held = bc_sim.store["salesOrders"][order.external_id]
    assert held["customerId"] == customer.external_id and held["externalDocumentNumber"] == "CON-0000000001"
    assert held["totalAmountExcludingTax"] == 120000 and held["shortcutDimension2Code"] == "FIXED"
    bc.push(domain="contract", golden_id="CON-0000000001", attributes={**contract, "total_value": "150000"},
            idempotency_key="c3", correlation_id="")
    assert held["totalAmountExcludingTax"] == 150000
    assert bc_sim.created_by_key[("salesOrders", "CON-0000000001")] == 1


def test_an_entity_changed_meanwhile_is_read_again_and_updated(bc, bc_sim, monkeypatch):
    bc.push(domain="customer", golden_id="CUS-0000000004", attributes=dict(CUSTOMER), idempotency_key="a",
            correlation_id="")
    held = bc_sim.find("customers", number="CUS-0000000004")
    original_find = bc._find

    def stale_find(entity_set, golden_id):
        found = original_find(entity_set, golden_id)
        bc_sim.update("customers", held["id"], email="someone@else.example")  # a user, just now
        return found

    monkeypatch.setattr(bc, "_find", stale_find)
    bc.push(domain="customer", golden_id="CUS-0000000004", attributes={**CUSTOMER, "city": "Denver"},
            idempotency_key="b", correlation_id="")
    assert held["city"] == "Denver" and held["email"] == "someone@else.example"
    assert bc_sim.calls[f"PATCH /v2.0/{bc_sim.tenant}/{bc_sim.environment}/api/v2.0/companies({bc_sim.company_id})"
                        f"/customers({held['id']})"] == 2


def test_pull_and_push_get_through_429_and_500_storms(bc_sim):
    bc_sim.set_faults("429:0.3@0.01s,500:0.2")
    connector = make_connector(bc_sim, max_retries=12)
    _, records = pull_all(connector, mapping.CUSTOMERS)
    assert {r.source_id for r in records} == set(bc_sim.store["customers"])
    for n in range(5):
        connector.push(domain="customer", golden_id=f"CUS-000000010{n}", attributes=dict(CUSTOMER),
                       idempotency_key=f"s{n}", correlation_id="")
    assert all(count == 1 for count in bc_sim.created_by_key.values()) and len(bc_sim.created_by_key) == 5


def test_a_storm_longer_than_the_retries_is_a_retryable_failure(bc_sim):
    connector = make_connector(bc_sim, max_retries=2)
    connector.company  # noqa: B018 - resolved before the storm
    bc_sim.set_faults("500:1")
    with pytest.raises(ConnectorError) as failure:
        pull_all(connector, mapping.CUSTOMERS)
    assert failure.value.retryable and failure.value.code == "Internal_ServerError"


def test_an_expired_token_is_renewed_once(bc, bc_sim):
    pull_all(bc, mapping.CUSTOMERS)
    bc_sim.expire_tokens()
    pull_all(bc, mapping.CUSTOMERS)
    assert bc.client.authentications == 2


def test_a_wrong_company_is_a_configuration_error(bc_sim):
    connector = make_connector(bc_sim)
    connector.credentials = {**connector.credentials, "company": "Nowhere GmbH"}
    with pytest.raises(ConnectorError) as failure:
        connector.company  # noqa: B018
    assert not failure.value.retryable and "Nowhere GmbH" in str(failure.value)


SUMMARY = {"summary": "PRJ-0000000007:2026-11-16:r0", "kind": "summary", "revision": 0,
           "project": "PRJ-0000000007", "project_code": "PRJ-7", "week_start": "2026-11-16",
           "week_end": "2026-11-22", "hours": "15.50", "amount": "2325.00", "currency": "USD",
           "lines": [{"resource": "RES-1", "name": "Ada Tester", "hours": "15.50", "bill_rate": "150.00",
                      "amount": "2325.00"}]}


def push_summary(connector, attributes, key="t0"):
    return connector.push(domain="timesheet", golden_id=attributes["project"], attributes=dict(attributes),
                          idempotency_key=key, correlation_id="")


def test_a_summary_becomes_one_journal_line_however_often_it_is_delivered(bc, bc_sim):
    assert type(bc).takes("timesheet")
    first = push_summary(bc, SUMMARY)
    assert first.created
    (journal,) = [j for j in bc_sim.store["journals"].values() if j["code"] == "CONCORD"]  # made on first use
    assert journal["balancingAccountNumber"] == "40150"  # revenue, from the connection
    for _ in range(3):  # delivered again: the answer lost, the worker killed before the outbox heard
        again = push_summary(bc, SUMMARY)
        assert not again.created and again.external_id == first.external_id
    (line,) = bc_sim.journal_lines("CONCORD")
    assert (line["amount"], line["accountNumber"], line["postingDate"]) == (2325.0, "13150", "2026-11-22")
    assert bc_sim.created_by_key == {("journals", "CONCORD"): 1,
                                     ("journalLines", mapping.summary_document_number(SUMMARY["summary"])): 1}


def test_an_adjustment_is_a_line_of_its_own_carrying_the_difference(bc, bc_sim):
    push_summary(bc, SUMMARY)
    adjustment = {**SUMMARY, "summary": "PRJ-0000000007:2026-11-16:r1", "kind": "adjustment", "revision": 1,
                  "hours": "-2.00", "amount": "-300.00"}
    push_summary(bc, adjustment, key="t1")
    push_summary(bc, adjustment, key="t1")
    assert [line["amount"] for line in bc_sim.journal_lines("CONCORD")] == [2325.0, -300.0]


def test_a_line_changed_in_business_central_is_put_right_with_its_etag(bc, bc_sim, monkeypatch):
    first = push_summary(bc, SUMMARY)
    bc_sim.update("journalLines", first.external_id, amount=99.0)  # someone in finance, just now
    original_first = bc._first

    def stale_first(path, where):  # a user changes the line between our read and our PATCH
        found = original_first(path, where)
        if "journalLines" in path:
            bc_sim.update("journalLines", first.external_id, comment="checked")
        return found

    monkeypatch.setattr(bc, "_first", stale_first)
    again = push_summary(bc, SUMMARY)
    (line,) = bc_sim.journal_lines("CONCORD")
    assert not again.created and line["amount"] == 2325.0 and line["comment"].startswith("Ada Tester")
    path = (f"PATCH /v2.0/{bc_sim.tenant}/{bc_sim.environment}/api/v2.0/companies({bc_sim.company_id})"
            f"/journals({line['journalId']})/journalLines({line['id']})")
    assert bc_sim.calls[path] == 2  # 412 on the stale ETag, read again, then done


def test_summaries_need_the_account_they_are_posted_to(bc_sim):
    connector = make_connector(bc_sim)
    connector.credentials = {k: v for k, v in connector.credentials.items() if k != "timesheet_account"}
    with pytest.raises(ConnectorError) as failure:
        push_summary(connector, SUMMARY)
    assert not failure.value.retryable and "CONCORD_DYNAMICS_TIMESHEET_ACCOUNT" in str(failure.value)
    connector.credentials = {**bc_sim.credentials, "timesheet_account": "99999"}  # not in the chart
    with pytest.raises(ConnectorError) as refused:
        push_summary(connector, SUMMARY)
    assert not refused.value.retryable and refused.value.code == "Application_DialogException"
    assert bc_sim.journal_lines() == []


def test_a_summary_delivered_again_after_finance_posted_its_batch_is_not_written_again(bc, bc_sim):
    push_summary(bc, SUMMARY)
    (journal,) = [j for j in bc_sim.store["journals"].values() if j["code"] == "CONCORD"]
    bc.client.request("POST", f"{bc.path(mapping.JOURNALS, journal['id'])}/Microsoft.NAV.post")
    assert bc_sim.journal_lines("CONCORD") == []  # posted: the line left the journal for the ledger
    again = push_summary(bc, SUMMARY)  # a replay, days later
    assert not again.created and again.external_id in bc_sim.store["generalLedgerEntries"]
    assert bc_sim.journal_lines("CONCORD") == [] and len(bc_sim.store["generalLedgerEntries"]) == 2
