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


@pytest.fixture
def three_customers():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("X", name="Xenon Partners", country="US", tax_id="11111111"),
        record("Y", name="Ypsilon Beratung", country="DE", tax_id="22222222"),
        record("Z", name="Zephyr Conseil", country="FR", tax_id="33333333")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("cX", object_type="Contract", number="C-X", customer_source_id="X")])
    return {c.name[0]: c.id for c in Customer.objects.all()}


def customer_sources() -> dict[str, str]:
    """Which golden record holds each customer source record."""
    return dict(CrossReference.objects.filter(domain="customer").values_list("source_record__source_id", "golden_id"))


def test_unmerge_after_a_chain_gives_the_record_its_own_sources_back(three_customers, alice):
    x, y, z = three_customers["X"], three_customers["Y"], three_customers["Z"]
    golden_record_merge(survivor_id=y, merged_id=x, acting_user=alice, reason="same firm")
    golden_record_merge(survivor_id=z, merged_id=y, acting_user=alice, reason="same firm")
    golden_record_unmerge(merged_id=x, acting_user=alice, reason="X is its own firm")
    assert customer_sources() == {"X": x, "Y": z, "Z": z}
    assert Customer.objects.get(pk=x).record_status == "active"
    assert Customer.objects.get(pk=x).name == "Xenon Partners"
    assert Contract.objects.get(number="C-X").customer_id == x  # its contract follows it back
    reasons = list(Customer.objects.get(pk=x).history.values_list("history_change_reason", flat=True))
    assert f"unmerged from {y} (now in {z}): X is its own firm" in reasons
    # Y is still merged into Z, with its own source there; unmerging it now gives it only that one.
    golden_record_unmerge(merged_id=y, acting_user=alice, reason="Y is its own firm too")
    assert customer_sources() == {"X": x, "Y": y, "Z": z}


def test_unmerge_of_a_record_merged_into_another_before_that_one_was_merged_too(three_customers, alice):
    x, y, z = three_customers["X"], three_customers["Y"], three_customers["Z"]
    golden_record_merge(survivor_id=y, merged_id=x, acting_user=alice, reason="same firm")
    golden_record_merge(survivor_id=z, merged_id=y, acting_user=alice, reason="same firm")
    golden_record_unmerge(merged_id=y, acting_user=alice, reason="Y and X are another firm")
    assert customer_sources() == {"X": y, "Y": y, "Z": z}  # X is still merged into Y: its source goes with Y
    assert Contract.objects.get(number="C-X").customer_id == y


def test_unmerge_refuses_with_a_reason_when_nothing_is_left_to_give_back(three_customers, alice):
    x, y, z = three_customers["X"], three_customers["Y"], three_customers["Z"]
    golden_record_merge(survivor_id=y, merged_id=x, acting_user=alice, reason="same firm")
    CrossReference.objects.filter(source_record__source_id="X").update(golden_id=z)  # moved by hand, outside the hub
    with pytest.raises(ValidationError, match="there is nothing to give back, so it stays merged"):
        golden_record_unmerge(merged_id=x, acting_user=alice, reason="X is its own firm")
    assert Customer.objects.get(pk=x).record_status == "merged"
