from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mdm.models import AttributeOverride, Customer
from mdm.services.ingest import source_records_ingest
from mdm.services.overrides import override_remove, override_set, overrides_expire
from tests.conftest import at, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(1), name="Acme", country="US", phone="212 555 0100")])
    return Customer.objects.get()


def test_a_pinned_override_beats_the_sources_until_removed(acme, alice):
    override = override_set(golden_id=acme.id, attribute="name", value="Acme Corporation", reason="legal name",
                            acting_user=alice)
    acme.refresh_from_db()
    assert acme.name == "Acme Corporation"
    assert acme.lineage_entries["name"]["rule"] == "steward override"
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(2), name="Acme Inc", country="US")])
    acme.refresh_from_db()
    assert acme.name == "Acme Corporation"
    override_remove(override_id=override.id, reason="settled", acting_user=alice)
    acme.refresh_from_db()
    assert acme.name == "Acme Inc"


def test_an_override_until_the_source_changes_ends_when_it_changes(acme, alice):
    override_set(golden_id=acme.id, attribute="phone", value="+1 212 555 0199", mode="until_source_change",
                 reason="customer called", acting_user=alice)
    acme.refresh_from_db()
    assert acme.phone == "+12125550199"
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(3), name="Acme", country="US", phone="212 555 0177")])
    acme.refresh_from_db()
    assert acme.phone == "+12125550177"
    assert not AttributeOverride.objects.get().is_active


def test_an_override_until_a_date_expires(acme, alice):
    override_set(golden_id=acme.id, attribute="name", value="Acme (in liquidation)", mode="until_date",
                 until=timezone.now() + timedelta(days=1), reason="until court date", acting_user=alice)
    assert overrides_expire(now=timezone.now() + timedelta(days=2)) == 1
    acme.refresh_from_db()
    assert acme.name == "Acme"


def test_an_override_value_is_standardized_and_checked(acme, alice):
    with pytest.raises(ValidationError, match="unknown country"):
        override_set(golden_id=acme.id, attribute="country", value="Atlantis", reason="x", acting_user=alice)
    with pytest.raises(ValidationError, match="no attribute"):
        override_set(golden_id=acme.id, attribute="colour", value="red", reason="x", acting_user=alice)
    override_set(golden_id=acme.id, attribute="country", value="Deutschland", reason="moved", acting_user=alice)
    acme.refresh_from_db()
    assert acme.country == "DE"


@pytest.mark.parametrize("attribute, value, message", [
    ("email", "not an email", "'not an email' is not an email address"),
    ("phone", "12", "'12' is not a possible phone number"),
    ("website", "acme", "'acme' is not a web address"),
    ("name", "", "a customer needs a name"),
    ("name", 123, "expected a string, got a number"),
    ("parent", "CUS-0000000000", "no customer golden record 'CUS-0000000000'"),
])
def test_a_steward_value_no_standardizer_takes_is_refused_and_nothing_is_saved(acme, alice, attribute, value,
                                                                                 message):
    before = (acme.email, acme.phone, acme.website, acme.name, acme.revision)
    with pytest.raises(ValidationError) as error:
        override_set(golden_id=acme.id, attribute=attribute, value=value, reason="the customer told us",
                     acting_user=alice)
    assert error.value.message_dict == {"value": [message]}
    acme.refresh_from_db()
    assert (acme.email, acme.phone, acme.website, acme.name, acme.revision) == before
    assert not AttributeOverride.objects.exists()


def test_a_steward_value_is_standardized_like_a_source_value(acme, alice):
    override_set(golden_id=acme.id, attribute="email", value="Billing@Acme.example", reason="asked", acting_user=alice)
    acme.refresh_from_db()
    assert acme.email == "billing@acme.example"


def test_a_record_cannot_be_its_own_parent(acme, alice):
    with pytest.raises(ValidationError, match="cannot point at itself"):
        override_set(golden_id=acme.id, attribute="parent", value=acme.id, reason="x", acting_user=alice)
