import pytest

from tests.stewardship.scenario import build_world, demo_users


@pytest.fixture(autouse=True)
def _exact_key_matcher(settings):
    """Console tests build their review queue by hand: the exact-key matcher keeps the world the
    same whatever the hub's statistical matcher decides (test_real_matcher.py overrides this fixture
    to run with the configured one)."""
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def users(db):
    return demo_users()


def _client(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def as_user(users):
    """as_user("steward_customers") -> a logged-in test client."""
    from django.test import Client

    return lambda name: _client(Client, users[name])
