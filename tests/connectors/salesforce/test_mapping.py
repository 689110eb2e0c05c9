"""Salesforce records to canonical attributes: pure functions, no server."""

from datetime import UTC, datetime

from connectors.salesforce import mapping
from connectors.salesforce.connector import SalesforceConnector, soql_after, watermark_format, watermark_parse

ACCOUNT = {"attributes": {"type": "Account"}, "Id": "001A", "Name": "Müller Beratung GmbH",
           "BillingCountry": "Deutschland", "BillingCity": "München", "BillingPostalCode": "80331",
           "BillingStreet": "Hauptstraße 5", "Phone": "089/1234567", "Website": "www.mueller.de",
           "Industry": "Banking", "CurrencyIsoCode": "EUR", "Tax_Id__c": None, "ParentId": "001P",
           "SystemModstamp": "2026-06-01T10:15:00.000+0000", "IsDeleted": False}


def test_it_maps_an_account_to_a_customer_keeping_raw_values():
    record, reason = mapping.to_record("Account", ACCOUNT)
    assert reason == ""
    assert record.source_id == "001A" and record.object_type == "Account"
    assert record.canonical["country"] == "Deutschland"
    assert record.canonical["phone"] == "089/1234567"
    assert record.canonical["parent_source_id"] == "001P"
    assert record.source_updated_at == datetime(2026, 6, 1, 10, 15, tzinfo=UTC)
    assert "attributes" not in record.payload


def test_it_rejects_a_record_without_an_id_or_not_an_object():
    assert mapping.to_record("Account", {**ACCOUNT, "Id": None}) == (None, "Account without an Id")
    assert mapping.to_record("Account", {**ACCOUNT, "Id": "  "})[0] is None
    record, reason = mapping.to_record("Account", ["not", "a", "dict"])
    assert record is None and "not a JSON object" in reason


def test_a_page_with_bad_entries_rejects_them_and_keeps_the_rest():
    connector = SalesforceConnector(base_url="http://127.0.0.1:9", credentials={})
    page = connector.page_of("customer", "Account", [ACCOUNT, {"Name": "no id"}, "garbage"])
    assert [r.source_id for r in page.records] == ["001A"]
    assert [reason for _, reason in page.rejects] == ["Account without an Id", "not a JSON object: str"]
    assert page.next_watermark == "2026-06-01T10:15:00.000Z|001A"


def test_billing_picklist_values_map_and_unknown_ones_stay_as_they_are():
    contract = {"Id": "800A", "AccountId": "001A", "Billing_Type__c": "Time & Materials", "Status": "Activated",
                "SystemModstamp": "2026-06-01T10:15:00.000+0000", "StartDate": "2026-01-01"}
    record, _ = mapping.to_record("Contract", contract)
    assert record.canonical["billing_type"] == "time_and_materials"
    assert record.canonical["customer_source_id"] == "001A"
    assert record.canonical["start_date"] == "2026-01-01"
    record, _ = mapping.to_record("Contract", {**contract, "Billing_Type__c": "Success Fee"})
    assert record.canonical["billing_type"] == "Success Fee"


def test_a_project_maps_its_references_and_budget():
    raw = {"Id": "a0PA", "Name": "Cloud move", "Project_Code__c": "PRJ-1", "Account__c": "001A",
           "Contract__c": "800A", "Status__c": "In Progress", "Billing_Type__c": "Fixed Fee", "Budget__c": 5000.0,
           "SystemModstamp": "2026-06-01T10:15:00.000+0000"}
    record, _ = mapping.to_record("Project__c", raw)
    assert record.canonical["code"] == "PRJ-1"
    assert record.canonical["contract_source_id"] == "800A"
    assert record.canonical["billing_type"] == "fixed_fee"
    assert record.canonical["budget"] == 5000.0


def test_an_unreadable_stamp_is_reported_as_a_problem_not_raised():
    record, _ = mapping.to_record("Account", {**ACCOUNT, "SystemModstamp": "yesterday"})
    assert record.source_updated_at is None
    assert "source_updated_at" in record.problems


def test_a_deleted_record_is_marked_deleted():
    record, _ = mapping.to_record("Account", {**ACCOUNT, "IsDeleted": True})
    assert record.deleted


def test_opportunity_summary_says_whether_it_was_won():
    summary = mapping.opportunity_summary({"Id": "006A", "StageName": "Closed Won", "AccountId": "001A",
                                           "Amount": 120000.0, "Billing_Type__c": "Retainer",
                                           "SystemModstamp": "2026-06-01T10:15:00.000+0000"})
    assert summary["won"] and summary["billing_type"] == "retainer" and summary["customer_source_id"] == "001A"
    assert not mapping.opportunity_summary({"Id": "006B", "StageName": "Closed Lost"})["won"]


def test_golden_attributes_become_account_fields_with_references_by_external_id():
    fields = mapping.customer_to_account({"name": "Acme Ltd", "country": "GB", "parent": "42", "tax_id": None})
    assert fields == {"Name": "Acme Ltd", "BillingCountry": "GB", "Parent": {"Concord_Id__c": "42"}}
    contract = mapping.contract_to_sf_contract({"title": "Run", "customer": "42", "billing_type": "fixed_fee"})
    assert contract["Account"] == {"Concord_Id__c": "42"} and contract["Billing_Type__c"] == "Fixed Fee"


def test_watermarks_round_trip_and_build_a_tie_breaking_query():
    stamp = datetime(2026, 6, 1, 10, 15, tzinfo=UTC)
    watermark = watermark_format(stamp, "001A")
    assert watermark == "2026-06-01T10:15:00.000Z|001A"
    assert watermark_parse(watermark) == (stamp, "001A")
    soql = soql_after("Account", watermark, ["Id"])
    assert soql == ("SELECT Id FROM Account WHERE SystemModstamp > 2026-06-01T10:15:00Z OR "
                    "(SystemModstamp = 2026-06-01T10:15:00Z AND Id > '001A') ORDER BY SystemModstamp, Id")
