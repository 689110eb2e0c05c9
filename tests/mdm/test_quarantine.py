import pytest
from django.core.exceptions import ValidationError

from mdm.models import Customer, QuarantinedRecord
from mdm.services.ingest import source_records_ingest
from mdm.services.quarantine import quarantine_discard, quarantine_replay
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_record():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001C", name="Lost Co", country="Atlantis")])
    return QuarantinedRecord.objects.get()


def test_a_fixed_record_replays_into_a_golden_record(lost_record, alice):
    quarantine_replay(entry_id=lost_record.id, fixes={"country": "Portugal"}, acting_user=alice)
    assert Customer.objects.get().country == "PT"
    lost_record.refresh_from_db()
    assert (lost_record.status, lost_record.resolved_by) == ("replayed", alice)


def test_a_replay_that_is_still_bad_writes_nothing_and_says_why(lost_record, alice):
    with pytest.raises(ValidationError, match="unknown country 'Narnia'"):
        quarantine_replay(entry_id=lost_record.id, fixes={"country": "Narnia"}, acting_user=alice)
    assert Customer.objects.count() == 0
    lost_record.refresh_from_db()
    assert lost_record.status == "open"


def test_discarding_needs_a_reason(lost_record, alice):
    with pytest.raises(ValidationError):
        quarantine_discard(entry_id=lost_record.id, acting_user=alice, reason="")
    quarantine_discard(entry_id=lost_record.id, acting_user=alice, reason="test data")
    lost_record.refresh_from_db()
    assert lost_record.status == "discarded"
