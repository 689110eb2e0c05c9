"""Tryton mapping: pure functions, no server."""

from datetime import UTC, datetime
from decimal import Decimal

from connectors.tryton.client import from_rpc, to_rpc
from connectors.tryton.mapping import (
    golden_id_of,
    party_to_record,
    project_to_work,
    sale_to_record,
    work_comment,
    work_marker,
    work_to_record,
)

WHEN = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)


def test_a_party_with_its_parts_is_a_customer():
    record = party_to_record({
        "id": 7, "name": "Acme GmbH", "active": True, "write_date": WHEN, "create_date": WHEN,
        "identifiers": [{"type": None, "code": "CUS-0123456789"}, {"type": "eu_vat", "code": "DE123456789"}],
        "addresses": [{"street": "Main 1", "city": "Berlin", "postal_code": "10115"}],
        "contact_mechanisms": [{"type": "email", "value": "info@acme.test"}, {"type": "phone", "value": "+49 30 1"}],
    })
    assert (record.source_id, record.object_type, record.source_updated_at) == ("7", "party.party", WHEN)
    assert record.canonical == {"name": "Acme GmbH", "tax_id": "DE123456789", "address_line1": "Main 1",
                                "city": "Berlin", "postal_code": "10115", "email": "info@acme.test",
                                "phone": "+49 30 1"}
    assert record.payload["write_date"] == WHEN.isoformat() and not record.deleted


def test_an_inactive_party_is_a_deletion():
    assert party_to_record({"id": 1, "name": "Gone", "active": False, "write_date": WHEN}).deleted


def test_a_sale_is_a_contract_of_its_party():
    record = sale_to_record({"id": 3, "number": "SO-0001", "state": "confirmed", "party": 7,
                             "sale_date": WHEN.date(), "total_amount": Decimal("1200.50"), "write_date": WHEN})
    assert record.canonical == {"number": "SO-0001", "status": "active", "start_date": "2026-06-01",
                                "total_value": "1200.50", "customer_source_id": "7"}


def test_the_golden_id_is_the_untyped_identifier_shaped_like_one():
    assert golden_id_of([{"type": "eu_vat", "code": "CUS-0123456789"}, {"type": None, "code": "misc"},
                         {"type": None, "code": "CUS-ABCDEFGH12"}]) == "CUS-ABCDEFGH12"
    assert golden_id_of([{"type": None, "code": "hello"}]) is None


def test_rpc_values_round_trip():
    value = {"at": WHEN, "day": WHEN.date(), "amount": Decimal("1.50"), "list": [WHEN]}
    assert from_rpc(to_rpc(value)) == value


def test_a_golden_contract_is_a_sale_keyed_by_its_number():
    from datetime import date

    from connectors.tryton.mapping import contract_to_sale

    assert contract_to_sale({"number": "K-1", "title": "Service", "start_date": "2026-07-01"}) == {
        "reference": "K-1", "description": "Service", "sale_date": date(2026, 7, 1)}


def test_a_work_concord_wrote_reads_back_with_the_golden_code_and_status():
    comment = work_comment("PRJ-0123456789", {"code": "P 10]01", "status": "on_hold"}, "Kick-off in May")
    assert comment.splitlines()[0] == "Kick-off in May"
    assert work_marker(comment) == {"golden_id": "PRJ-0123456789", "code": "P 10]01", "status": "on_hold"}
    # Written again, the marker is replaced, not added.
    again = work_comment("PRJ-0123456789", {"code": "P-1002"}, comment)
    assert again == "Kick-off in May\n[concord PRJ-0123456789 code=P-1002]"

    row = {"id": 4, "number": "17", "name": "Rollout", "party": 9, "status_name": "Open", "comment": comment,
           "write_date": WHEN}
    assert work_to_record(row).canonical == {"code": "P 10]01", "name": "Rollout", "status": "on_hold",
                                             "customer_source_id": "9"}
    # Someone in Tryton closed it: Tryton's status is news, and reads as Tryton says.
    assert work_to_record({**row, "status_name": "Done"}).canonical["status"] == "done"


def test_a_work_born_in_tryton_keeps_its_number_as_code():
    record = work_to_record({"id": 5, "number": "18", "name": "Audit", "status_name": "Open", "comment": "no marker",
                             "write_date": WHEN})
    assert (record.canonical["code"], record.canonical["status"]) == ("18", "open")
    assert work_marker("[concord CUS-0123456789]") is None


def test_a_golden_project_is_a_work_of_type_project_with_its_marker():
    values = project_to_work("PRJ-0123456789", {"code": "P-1", "name": "Rollout", "status": "active"})
    assert values == {"name": "Rollout", "type": "project", "comment": "[concord PRJ-0123456789 code=P-1 status=active]"}
