"""Shared fixtures: named personas (one per role), API clients, and a record factory."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from mdm.records import IncomingRecord
from tests.browser_fixtures import browser_page, chromium  # noqa: F401


@pytest.fixture(autouse=True, scope="session")
def _country_names_indexed():
    """The country-name indexes (every language pycountry carries: about a second to build, once
    per process) are built before any test runs, not inside the first example a property test
    times against its deadline."""
    from matching.engine.standardize import places
    from mdm import standardize

    standardize.country("DE")
    places.country("DE")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_permission_cache():
    """Each test starts without remembered permissions (users and roles are made per test)."""
    from django.core.cache import cache

    cache.clear()


def _persona(username: str, role: str | None) -> User:
    user = User.objects.create_user(username, password="pw")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(db):
    """A data steward."""
    return _persona("alice", "steward")


@pytest.fixture
def bob(db):
    """An auditor: reads everything, changes nothing."""
    return _persona("bob", "auditor")


@pytest.fixture
def carol(db):
    """An integration client (another system calling the API)."""
    return _persona("carol", "integration")


@pytest.fixture
def dave(db):
    """A member of the master data council."""
    return _persona("dave", "council")


@pytest.fixture
def nobody(db):
    """Logged in, but in no role."""
    return _persona("nobody", None)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates with the user's token."""
    from rest_framework.authtoken.models import Token

    client = APIClient()

    def as_user(user):
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    client.as_user = as_user
    return client


def at(day: int, hour: int = 0) -> datetime:
    """A business timestamp in June 2026: at(3) is 3 June."""
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def record(source_id: str, object_type: str = "Account", updated: datetime | None = None, **canonical) -> IncomingRecord:
    return IncomingRecord(source_id=source_id, object_type=object_type, canonical=canonical,
                          payload={"Id": source_id, **canonical}, source_updated_at=updated or at(1))
