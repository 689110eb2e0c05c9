import pytest
from django.core.exceptions import ValidationError

from mdm.models import Contract, CrossReference, Customer
from mdm.services.ingest import source_records_ingest
from mdm.services.merge import golden_record_merge, golden_record_unmerge
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers_with_contracts():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme Consulting", country="US"), record("001B", name="Acme Advisory", country="US")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("800A", object_type="Contract", number="C-1", customer_source_id="001A"),
        record("800B", object_type="Contract", number="C-2", customer_source_id="001B")])
    return Customer.objects.get(name="Acme Consulting"), Customer.objects.get(name="Acme Advisory")


def test_merge_keeps_the_survivors_id_and_repoints_contracts(two_customers_with_contracts, alice):
    survivor, merged = two_customers_with_contracts
    golden_record_merge(survivor_id=survivor.id, merged_id=merged.id, acting_user=alice, reason="same company")
    merged.refresh_from_db()
    assert (merged.record_status, merged.merged_into) == ("merged", survivor.id)
    assert set(Contract.objects.values_list("customer_id", flat=True)) == {survivor.id}
    assert CrossReference.objects.filter(golden_id=survivor.id).count() == 2
    last = survivor.history.first()
    assert last.history_user == alice and "same company" in last.history_change_reason


def test_unmerge_restores_the_original_ids_and_references(two_customers_with_contracts, alice):
    survivor, merged = two_customers_with_contracts
    golden_record_merge(survivor_id=survivor.id, merged_id=merged.id, acting_user=alice, reason="same company")
    golden_record_unmerge(merged_id=merged.id, acting_user=alice, reason="they are two subsidiaries")
    merged.refresh_from_db()
    assert merged.record_status == "active" and merged.merged_into == ""
    assert Contract.objects.get(number="C-2").customer_id == merged.id
    assert CrossReference.objects.get(source_record__source_id="001B").golden_id == merged.id
    assert Customer.objects.get(pk=merged.id).name == "Acme Advisory"
    reasons = list(merged.history.values_list("history_change_reason", flat=True))
    assert any("unmerged" in r for r in reasons) and any("merged into" in r for r in reasons)


def test_merge_needs_a_reason_and_two_active_records_of_one_domain(two_customers_with_contracts, alice):
    survivor, merged = two_customers_with_contracts
    with pytest.raises(ValidationError, match="say why"):
        golden_record_merge(survivor_id=survivor.id, merged_id=merged.id, acting_user=alice, reason=" ")
    with pytest.raises(ValidationError, match="same domain"):
        golden_record_merge(survivor_id=survivor.id, merged_id=Contract.objects.first().id, acting_user=alice,
                            reason="x")
    golden_record_merge(survivor_id=survivor.id, merged_id=merged.id, acting_user=alice, reason="same")
    with pytest.raises(ValidationError, match="not active"):
        golden_record_merge(survivor_id=survivor.id, merged_id=merged.id, acting_user=alice, reason="again")
