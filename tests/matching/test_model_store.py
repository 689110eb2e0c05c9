"""The domain's stored model: parsed once and reused while its parameters stay the same."""

import dataclasses

import pytest

from matching import model_store
from matching.engine import SCHEMAS, FellegiSunterModel
from matching.model_store import domain_model
from matching.models import MatchModel

pytestmark = pytest.mark.django_db


def stored(prior: float) -> None:
    model = dataclasses.replace(FellegiSunterModel.untrained(SCHEMAS["customer"]), prior=prior)
    model_store.model_store("customer", model, 100)


def test_the_stored_model_is_parsed_once_while_it_stays_the_same(monkeypatch):
    stored(0.01)
    parsed = []
    original = FellegiSunterModel.from_dict
    monkeypatch.setattr(FellegiSunterModel, "from_dict", lambda d: parsed.append(1) or original(d))
    model_store._PARSED.clear()
    assert domain_model("customer").prior == domain_model("customer").prior == 0.01
    assert len(parsed) == 1


def test_a_changed_model_is_read_again():
    stored(0.01)
    assert domain_model("customer").prior == 0.01
    stored(0.02)
    assert domain_model("customer").prior == 0.02
    MatchModel.objects.filter(domain="customer").update(parameters=FellegiSunterModel.untrained(
        SCHEMAS["customer"]).to_dict())  # not through model_store: no timestamp changes, the digest does
    assert domain_model("customer").prior == FellegiSunterModel.untrained(SCHEMAS["customer"]).prior


def test_thresholds_are_read_each_time_and_the_shared_model_is_not_changed():
    stored(0.01)
    MatchModel.objects.filter(domain="customer").update(upper_threshold=0.95, lower_threshold=0.4)
    first = domain_model("customer")
    assert (first.upper, first.lower) == (0.95, 0.4)
    first.upper = 0.5  # a caller changing its copy
    MatchModel.objects.filter(domain="customer").update(upper_threshold=0.97)
    assert (domain_model("customer").upper, domain_model("customer").lower) == (0.97, 0.4)
