"""A golden record's attributes as plain JSON values, from an instance or read by id."""

import pytest

from mdm.choices import GoldenStatus
from mdm.models import Contract
from mdm.services.golden import golden_values, golden_values_read
from mdm.services.ingest import source_records_ingest
from tests.conftest import record

pytestmark = pytest.mark.django_db


def contracts(*records):
    source_records_ingest(system="salesforce", domain="customer", records=[record("001A", name="Acme", country="US")])
    source_records_ingest(system="salesforce", domain="contract", records=list(records))
    return list(Contract.objects.order_by("number"))


def test_values_read_by_id_equal_those_of_the_instance():
    first, second = contracts(
        record("800A", object_type="Contract", number="C-1", customer_source_id="001A", currency="USD",
               total_value="$10,000", start_date="2026-01-01", billing_type="Fixed Fee"),
        record("800B", object_type="Contract", number="C-2", customer_source_id="001A"))
    read = golden_values_read("contract", [first.id, second.id, "CON-NOSUCHRECORD"])
    assert read == {first.id: golden_values(first), second.id: golden_values(second)}
    assert read[first.id]["total_value"] == "10000.00" and read[first.id]["start_date"] == "2026-01-01"
    assert read[first.id]["customer"] == first.customer_id and read[second.id]["total_value"] is None


def test_only_active_records_are_read():
    (contract,) = contracts(record("800A", object_type="Contract", number="C-1", customer_source_id="001A"))
    Contract.objects.filter(pk=contract.pk).update(record_status=GoldenStatus.RETIRED)
    assert golden_values_read("contract", [contract.id]) == {}
