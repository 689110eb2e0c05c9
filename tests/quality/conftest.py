import pytest

from tests.stewardship.scenario import demo_users


@pytest.fixture(autouse=True)
def _exact_key_matcher(settings):
    """Quality tests build their records by hand: the exact-key matcher keeps one golden record per
    distinct company whatever the statistical matcher would decide."""
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"


@pytest.fixture
def users(db):
    """The console's demo personas: steward_customers (customers in DE, NL, FR), steward_projects,
    council, auditor, admin."""
    return demo_users()


@pytest.fixture
def as_user(users):
    from django.test import Client

    def login(name):
        client = Client()
        client.force_login(users[name])
        return client

    return login
