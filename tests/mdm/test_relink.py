"""Moving single source records between golden records, as a re-match does."""

import pytest

from mdm.models import CrossReference, Customer, SourceRecord
from mdm.services.ingest import source_records_ingest
from mdm.services.relink import source_records_relink
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme Consulting", country="US"), record("001B", name="Zenith Advisory", country="DE")])
    return [SourceRecord.objects.get(source_id=s).xref for s in ("001A", "001B")]


def test_a_moved_record_is_linked_to_its_target_with_history_saying_who_and_why(two_customers, alice):
    moved, kept = two_customers
    source_records_relink(domain="customer", moves={moved.source_record_id: kept.golden_id}, acting_user=alice,
                          reason="re-matched in batch")
    moved.refresh_from_db()
    assert (moved.golden_id, moved.linked_by) == (kept.golden_id, "re-match")
    last = moved.history.order_by("-history_id").first()
    assert (last.history_type, last.golden_id, last.history_user, last.history_change_reason) == (
        "~", kept.golden_id, alice, "re-matched in batch")
    assert Customer.objects.get(pk=kept.golden_id).record_status == "active"


def test_records_moving_together_to_a_new_golden_record_share_it(two_customers):
    moves = {xref.source_record_id: "new:1" for xref in two_customers}
    new_ids = source_records_relink(domain="customer", moves=moves, acting_user=None, reason="split")
    assert set(CrossReference.objects.values_list("golden_id", flat=True)) == {new_ids["new:1"]}
    assert Customer.objects.filter(pk=new_ids["new:1"], record_status="active").exists()
