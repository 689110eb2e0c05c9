"""NetSuite rows to canonical attributes: pure functions, no server."""

from datetime import UTC, datetime

from connectors.netsuite import mapping
from connectors.netsuite.connector import NetSuiteConnector, suiteql_after, watermark_format, watermark_parse

CUSTOMER = {"links": [], "id": "1042", "companyname": "Blue Harbor Logistics B.V.", "billcountry": "Holland",
            "billcity": "Amsterdam", "billzip": "1017 AB", "billaddr1": "12 Keizersgracht", "phone": "0031 20 123 4567",
            "vatregnumber": "NL123456789B01", "currency": "EUR", "terms": "Net 45", "creditholdoverride": "ON",
            "subsidiary": "Concord Consulting NL", "category": "Transportation", "parent": None,
            "lastmodifieddate": "2026-06-01T10:15:00Z"}


def test_it_maps_a_customer_keeping_raw_values():
    record, reason = mapping.to_record("customer", CUSTOMER)
    assert reason == "" and record.source_id == "1042"
    assert record.canonical["country"] == "Holland"
    assert record.canonical["phone"] == "0031 20 123 4567"
    assert record.canonical["tax_id"] == "NL123456789B01"
    assert record.canonical["payment_terms"] == "Net 45"
    assert record.canonical["credit_status"] == "on hold"
    assert record.canonical["legal_entity"] == "Concord Consulting NL"
    assert record.source_updated_at == datetime(2026, 6, 1, 10, 15, tzinfo=UTC)
    assert "links" not in record.payload


def test_it_rejects_rows_without_an_id_and_non_objects():
    assert mapping.to_record("customer", {**CUSTOMER, "id": None}) == (None, "customer without an id")
    assert mapping.to_record("customer", 17)[0] is None
    page = NetSuiteConnector(base_url="http://127.0.0.1:9", credentials={}).page_of(
        "customer", "customer", [CUSTOMER, {"companyname": "anonymous"}, None])
    assert [r.source_id for r in page.records] == ["1042"]
    assert len(page.rejects) == 2 and page.next_watermark == "2026-06-01T10:15:00Z|1042"


def test_sales_orders_keep_raw_dates_and_map_billing_types():
    raw = {"id": "7", "tranid": "SO7", "entity": "1042", "status": "Pending Billing", "startdate": "1/15/2026",
           "enddate": "1/14/2027", "total": "120000.00", "currency": "EUR", "custbody_billing_type": "T&M",
           "lastmodifieddate": "2026-06-01T10:15:00Z"}
    record, _ = mapping.to_record("salesOrder", raw)
    assert record.canonical["start_date"] == "1/15/2026"
    assert record.canonical["billing_type"] == "time_and_materials"
    assert record.canonical["customer_source_id"] == "1042"
    record, _ = mapping.to_record("salesOrder", {**raw, "custbody_billing_type": "Success Fee"})
    assert record.canonical["billing_type"] == "Success Fee"


def test_jobs_map_to_projects_with_their_references():
    raw = {"id": "9", "entityid": "PRJ-0001-00", "companyname": "Cloud move", "parent": "1042",
           "custentity_sales_order": "7", "entitystatus": "In Progress", "jobbillingtype": "FBM",
           "custentity_budget": "60000.00", "lastmodifieddate": "2026-06-01T10:15:00Z"}
    record, _ = mapping.to_record("job", raw)
    assert record.canonical["code"] == "PRJ-0001-00"
    assert record.canonical["contract_source_id"] == "7"
    assert record.canonical["billing_type"] == "fixed_fee"


def test_golden_attributes_become_rest_fields_with_references_by_external_id():
    fields = mapping.contract_to_sales_order({"title": "Run", "customer": "42", "billing_type": "retainer",
                                              "currency": "EUR"})
    assert fields == {"memo": "Run", "entity": {"externalId": "42"}, "custbody_billing_type": "Retainer",
                      "currency": {"refName": "EUR"}}


def test_watermarks_round_trip_and_build_a_keyset_query():
    stamp = datetime(2026, 6, 1, 10, 15, tzinfo=UTC)
    assert watermark_parse(watermark_format(stamp, "1042")) == (stamp, 1042)
    q = suiteql_after("customer", (stamp, 1042))
    assert "lastmodifieddate > TO_TIMESTAMP('2026-06-01 10:15:00'" in q
    assert "AND id > 1042)" in q and q.endswith("ORDER BY lastmodifieddate, id")
