"""The Salesforce connector against the simulator: pulls by watermark, deletions, pushes."""

from datetime import UTC, datetime

import pytest

from connectors.base import ConnectorError, PushItem
from tests.connectors.salesforce.conftest import make_connector


def pull_all(connector, object_type="Account", watermark=None, domain="customer"):
    return list(connector.pull(domain=domain, object_type=object_type, watermark=watermark))


def ids(pages):
    return [record.source_id for page in pages for record in page.records]


def test_it_reads_every_account_once_across_many_pages(sf_sim):
    pages = pull_all(make_connector(sf_sim, page_size=7))
    assert len(pages) > 3
    assert sorted(ids(pages)) == sorted(r["Id"] for r in sf_sim.live("Account"))
    assert len(ids(pages)) == len(set(ids(pages)))
    assert all(page.next_watermark for page in pages)


def test_it_resumes_from_a_watermark_without_skipping_or_repeating(sf_sim, sf):
    pages = pull_all(sf)
    resumed = pull_all(sf, watermark=pages[1].next_watermark)
    assert ids(pages[:2]) + ids(resumed) == ids(pages)


def test_records_sharing_a_stamp_across_a_page_boundary_are_read_once(sf_sim):
    same = "2026-03-03T03:03:03.000+0000"
    for record in list(sf_sim.store["Account"].values())[:13]:
        record["SystemModstamp"] = same
    connector = make_connector(sf_sim, page_size=5)
    pages = pull_all(connector)
    assert sorted(ids(pages)) == sorted(r["Id"] for r in sf_sim.live("Account"))
    assert len(ids(pages)) == len(set(ids(pages)))
    # and resuming from the middle of the tie reads the rest of it
    middle = next(p.next_watermark for p in pages if p.next_watermark.startswith("2026-03-03T03:03:03"))
    rest = pull_all(connector, watermark=middle)
    done = ids(pages)[:ids(pages).index(middle.split("|")[1]) + 1]
    assert done + ids(rest) == ids(pages)


def test_only_changes_after_the_watermark_come_back(sf_sim, sf):
    watermark = pull_all(sf)[-1].next_watermark
    assert pull_all(sf, watermark=watermark) == []
    some = next(iter(sf_sim.live("Account")))
    sf_sim.update("Account", some["Id"], Phone="+44 20 7946 0000")
    pages = pull_all(sf, watermark=watermark)
    assert ids(pages) == [some["Id"]]
    assert pages[0].records[0].canonical["phone"] == "+44 20 7946 0000"
    assert pages[0].next_watermark > watermark


def test_records_deleted_since_the_watermark_come_back_as_deletions(sf_sim, sf):
    watermark = pull_all(sf)[-1].next_watermark
    victim = next(iter(sf_sim.live("Account")))["Id"]
    sf_sim.delete("Account", victim)
    pages = pull_all(sf, watermark=watermark)
    assert [p.deleted_source_ids for p in pages] == [[victim]]
    assert ids(pages) == []
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert sf.deleted_since(domain="customer", object_type="Account", since=since) == [victim]


def test_contracts_and_projects_pull_with_their_references(sf_sim, sf):
    contracts = pull_all(sf, "Contract", domain="contract")
    assert ids(contracts) and all(r.canonical["customer_source_id"] for p in contracts for r in p.records)
    projects = pull_all(sf, "Project__c", domain="project")
    assert all(r.canonical["contract_source_id"] for p in projects for r in p.records)


def test_push_upserts_by_golden_id_and_a_replay_changes_nothing(sf_sim, sf):
    before = len(sf_sim.live("Account"))
    attributes = {"name": "Concord Test Ltd", "country": "GB", "phone": "+442079460000"}
    first = sf.push(domain="customer", golden_id="G-1", attributes=attributes, idempotency_key="salesforce:G-1:r1",
                    correlation_id="c1")
    again = sf.push(domain="customer", golden_id="G-1", attributes=attributes, idempotency_key="salesforce:G-1:r1",
                    correlation_id="c1")
    assert first.created and not again.created and first.external_id == again.external_id
    assert len(sf_sim.live("Account")) == before + 1
    assert sf_sim.upserts_by_key["salesforce:G-1:r1"] == 2
    assert sf_sim.store["Account"][first.external_id]["Concord_Id__c"] == "G-1"


def test_a_contract_push_links_its_account_by_golden_id(sf_sim, sf):
    account = sf.push(domain="customer", golden_id="G-7", attributes={"name": "Linked AG"}, idempotency_key="k1",
                      correlation_id="c")
    result = sf.push(domain="contract", golden_id="K-7", attributes={"title": "Run", "customer": "G-7",
                                                                     "billing_type": "retainer"},
                     idempotency_key="k2", correlation_id="c")
    stored = sf_sim.store["Contract"][result.external_id]
    assert stored["AccountId"] == account.external_id and stored["Billing_Type__c"] == "Retainer"


def test_a_push_the_system_refuses_is_a_permanent_error(sf):
    with pytest.raises(ConnectorError) as refused:
        sf.push(domain="customer", golden_id="G-2", attributes={"country": "GB"}, idempotency_key="k",
                correlation_id="c")
    assert not refused.value.retryable and refused.value.code == "REQUIRED_FIELD_MISSING"
    with pytest.raises(ConnectorError) as unknown:
        sf.client.upsert("Account", "Concord_Id__c", "G-2", {"Nope__c": 1})
    assert not unknown.value.retryable and unknown.value.code == "INVALID_FIELD"


def test_a_reference_to_a_record_not_delivered_yet_is_retryable(sf_sim, sf):
    with pytest.raises(ConnectorError) as dangling:
        sf.push(domain="contract", golden_id="K-2", attributes={"customer": "not-yet-delivered"}, idempotency_key="k",
                correlation_id="c")
    assert dangling.value.retryable and dangling.value.code == "REFERENCE_NOT_FOUND"
    assert dangling.value.retry_after


def test_a_golden_record_salesforce_contributed_is_written_to_its_own_account(sf_sim, sf):
    own = next(iter(sf_sim.live("Account")))
    before = len(sf_sim.live("Account"))
    result = sf.push(domain="customer", golden_id="G-20", attributes={"name": "Golden Name Ltd",
                                                                      "_source_ids": [own["Id"]]},
                     idempotency_key="k", correlation_id="c")
    assert result.external_id == own["Id"] and not result.created
    assert len(sf_sim.live("Account")) == before
    assert own["Concord_Id__c"] == "G-20" and own["Name"] == "Golden Name Ltd"
    # once stamped, the next write finds it either way
    again = sf.push(domain="customer", golden_id="G-20", attributes={"name": "Golden Name Ltd"},
                    idempotency_key="k2", correlation_id="c")
    assert again.external_id == own["Id"]


def test_if_its_own_account_was_deleted_the_push_upserts_by_golden_id(sf_sim, sf):
    own = next(iter(sf_sim.live("Account")))["Id"]
    sf_sim.delete("Account", own)
    result = sf.push(domain="customer", golden_id="G-21", attributes={"name": "Reborn Ltd", "_source_ids": [own]},
                     idempotency_key="k", correlation_id="c")
    assert result.created and result.external_id != own


def test_changes_we_push_are_marked_as_ours_in_change_events(sf_sim, sf):
    sf.push(domain="customer", golden_id="G-3", attributes={"name": "Echo Ltd"}, idempotency_key="k",
            correlation_id="c")
    (event,) = sf_sim.pending_events()
    assert "client=concord" in event["data"]["payload"]["ChangeEventHeader"]["changeOrigin"]


def test_map_record_maps_an_event_payload_like_the_pull(sf):
    record = sf.map_record(object_type="Account", payload={"Id": "001X", "Name": "Evented Inc.",
                                                           "SystemModstamp": "2026-06-01T10:15:00.000+0000"})
    assert record.canonical["name"] == "Evented Inc."
    with pytest.raises(ValueError):
        sf.map_record(object_type="Account", payload={"Name": "no id"})


def test_closed_won_opportunities_come_as_plain_dicts(sf_sim, sf):
    won = list(sf.opportunities())
    assert won and all(o["won"] and o["stage"] == "Closed Won" for o in won)
    assert len(won) == sum(1 for o in sf_sim.live("Opportunity") if o["StageName"] == "Closed Won")


def test_subsidiaries_point_at_a_parent_that_is_read_before_them():
    from connectors.salesforce.simulator import SalesforceSimulator

    with SalesforceSimulator(seed=1, records=200).serve() as sim:
        order = ids(pull_all(make_connector(sim, page_size=50)))
        children = [r for r in sim.live("Account") if r["ParentId"]]
        assert children
        for child in children:
            assert order.index(child["ParentId"]) < order.index(child["Id"])


COLLECTION = "PATCH /services/data/v60.0/composite/sobjects/Account/Concord_Id__c"


def test_push_many_upserts_a_batch_in_one_collection_call_with_an_outcome_per_record(sf_sim, sf):
    own = next(iter(sf_sim.live("Account")))["Id"]
    items = [PushItem("G-1", {"name": "Batch One Ltd", "country": "GB"}, "salesforce:G-1:r1"),
             PushItem("G-2", {"country": "GB"}, "salesforce:G-2:r1"),  # no name: Salesforce refuses it
             PushItem("G-3", {"name": "Batch Three", "parent": "G-404"}, "salesforce:G-3:r1"),  # parent not there yet
             PushItem("G-4", {"name": "Its Own Account", "_source_ids": [own]}, "salesforce:G-4:r1"),
             PushItem("G-5", {"name": "Batch Five Ltd"}, "salesforce:G-5:r1")]
    one, two, three, four, five = sf.push_many(domain="customer", items=items)

    assert sf_sim.calls[COLLECTION] == 1  # G-1, G-2, G-3 and G-5 in one call
    assert one.created and five.created and sf_sim.store["Account"][one.external_id]["Name"] == "Batch One Ltd"
    assert (two.code, two.retryable) == ("REQUIRED_FIELD_MISSING", False)
    assert (three.code, three.retryable) == ("REFERENCE_NOT_FOUND", True)
    # A collection upsert takes external ids only: its own Account is written by Id, alone.
    assert four.external_id == own and sf_sim.store["Account"][own]["Concord_Id__c"] == "G-4"
    assert sf_sim.upserts_by_external_id[("Account", "Concord_Id__c", "G-1")] == 1
    assert sf_sim.upserts_by_key["salesforce:G-2:r1"] == 1  # each record's key travels with the call

    # The same batch again writes the same records: no twins.
    before = len(sf_sim.live("Account"))
    again = sf.push_many(domain="customer", items=[items[0], items[4]])
    assert [r.external_id for r in again] == [one.external_id, five.external_id] and not again[0].created
    assert len(sf_sim.live("Account")) == before
    assert sf_sim.upserts_by_external_id[("Account", "Concord_Id__c", "G-1")] == 2


def test_a_collection_call_that_fails_fails_every_record_in_it(sf_sim, sf):
    sf_sim.fail_next(503, times=10)
    outcomes = sf.push_many(domain="customer", items=[PushItem(f"G-{n}", {"name": f"N{n}"}, f"k{n}") for n in range(3)])
    assert all(isinstance(o, ConnectorError) and o.retryable for o in outcomes)
    assert not any((r.get("Concord_Id__c") or "").startswith("G-") for r in sf_sim.live("Account"))


def test_the_collection_endpoint_refuses_record_ids_and_oversized_batches(sf_sim, sf):
    with pytest.raises(ConnectorError) as refused:
        sf.client.upsert_many("Account", "Id", [{"Name": "x"}])
    assert refused.value.code == "INVALID_FIELD" and not refused.value.retryable
    with pytest.raises(ConnectorError) as too_many:
        sf.client.upsert_many("Account", "Concord_Id__c", [{"Name": "x", "Concord_Id__c": f"G-{n}"} for n in range(201)])
    assert too_many.value.code == "INVALID_BATCH_SIZE"


# --- reconciliation: what it holds, in the terms of what a push writes -----------------------------

def test_read_all_gives_back_what_a_push_wrote_in_the_pushs_own_terms(sf_sim, sf):
    customer = {"name": "Acme GmbH", "country": "DE", "city": "Berlin", "currency": "EUR"}
    contract = {"title": "Acme retainer", "customer": "CUS-0000000001", "total_value": "120000.00",
                "start_date": "2026-03-01", "billing_type": "retainer"}
    sf.push(domain="customer", golden_id="CUS-0000000001", attributes=customer, idempotency_key="k1",
            correlation_id="")
    sf.push(domain="contract", golden_id="CON-0000000001", attributes=contract, idempotency_key="k2",
            correlation_id="")
    for domain, golden_id, attributes in (("customer", "CUS-0000000001", customer),
                                          ("contract", "CON-0000000001", contract)):
        held = {record.golden_id: record for record in sf.read_all(domain=domain)}
        sent = sf.outbound_fields(domain=domain, attributes=attributes)
        assert {name: held[golden_id].fields[name] for name in sent} == sent
    live = [a for a in sf_sim.store["Account"].values() if not a["IsDeleted"]]
    assert len(list(sf.read_all(domain="customer"))) == len(live)
