"""Operations fixtures: two systems of our own, rows with chosen timestamps, and a registry that
each test may add to without leaking into the next."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from operations import registry


@pytest.fixture(autouse=True)
def _registry_restored():
    """Sections and figure collectors registered by a test are gone after it."""
    figures, sections = dict(registry._figures), dict(registry._sections)
    yield
    registry._figures.clear()
    registry._figures.update(figures)
    registry._sections.clear()
    registry._sections.update(sections)


@pytest.fixture
def test_templates(settings):
    """tests/operations/templates on the template path (for sections a test app registers)."""
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine.get("DIRS", []), Path(__file__).parent / "templates"]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def crm(db):
    from mdm.models import SourceSystem

    return SourceSystem.objects.create(name="opscrm", display_name="Ops CRM", kind="crm")


@pytest.fixture
def erp(db):
    from mdm.models import SourceSystem

    return SourceSystem.objects.create(name="opserp", display_name="Ops ERP", kind="erp")


def ago(now, **delta):
    return now - timedelta(**delta)


def samples(figures, name):
    """{frozenset(labels.items()): value} of one figure, for exact comparisons."""
    figure = next(f for f in figures if f.name == name)
    return {frozenset(labels.items()): value for labels, value in figure.samples}


def value(figures, name, **labels):
    return samples(figures, name).get(frozenset(labels.items()))
