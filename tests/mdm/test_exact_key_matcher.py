"""The simple matcher behind the seam: equality on normalized keys kept on the golden rows."""

import pytest

from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exact_key_matcher(settings):
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"


def test_the_same_normalized_name_in_one_country_links_and_the_keys_follow_the_golden_record():
    source_records_ingest(system="salesforce", domain="customer", records=[record("001A", name="Acme, Inc.", country="USA")])
    golden = Customer.objects.get()
    assert (golden.match_key, golden.alt_match_key) == ("name:US:acme", "")
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("42", object_type="customer", name="ACME INC", country="US", tax_id="12-3456789")])
    golden.refresh_from_db()
    assert Customer.objects.count() == 1
    assert (golden.match_key, golden.alt_match_key) == ("tax:US:123456789", "name:US:acme")
