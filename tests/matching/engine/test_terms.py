"""Term frequencies: agreeing on a rare value is strong evidence, on a common one weak."""

import numpy as np

from matching.engine import CUSTOMER, FellegiSunterModel, score_pairs
from matching.engine.model import measure_terms
from matching.engine.schema import standardize_columns
from matching.engine.terms import TermFrequencies


def test_counts_keep_only_what_was_seen_twice_and_items_count_once_per_record():
    frequencies = TermFrequencies.of(["springfield", "springfield", "oberursel", "a|b", None])
    assert frequencies.total == 4
    assert frequencies.counts == {"springfield": 2}
    assert frequencies.share("oberursel") == frequencies.share("never seen") == 0.25
    assert frequencies.shared_share("a|springfield", "springfield|c") == 0.25  # one other record of four


def test_the_chance_another_record_holds_a_value_leaves_the_holder_out():
    frequencies = TermFrequencies.of(["springfield"] * 3 + ["oberursel"] * 2 + ["a", "b", "c", "d", "e"])
    assert frequencies.others_share("springfield") == 0.2  # two others of ten
    assert frequencies.others_share("oberursel") == 0.1  # only its partner
    assert frequencies.others_share("a") == frequencies.others_share("never seen") == 0.05  # half a record


def test_word_weights_fall_as_a_word_gets_common():
    words = TermFrequencies.of(["acme consulting", "apex consulting", "globex consulting"], words=True)
    assert words.weight("acme") > words.weight("consulting") > 0


def test_agreeing_on_a_common_city_weighs_less_than_on_a_rare_one():
    cities = ["Springfield"] * 50 + ["Oberursel"] + [f"Town {i}" for i in range(49)]
    columns = standardize_columns(CUSTOMER, {"id": list(range(100)), "city": cities, "country": ["US"] * 100})
    model = FellegiSunterModel.untrained(CUSTOMER)
    model.terms = measure_terms(CUSTOMER, columns)
    common, rare = score_pairs(CUSTOMER, [{"city": "Springfield", "country": "US"}, {"city": "Oberursel", "country": "US"}],
                               [{"city": "Springfield", "country": "US"}, {"city": "Oberursel", "country": "US"}], model)
    assert common.contributions["city"] < rare.contributions["city"]
    assert common.contributions["city"] >= 0  # agreement never counts against a pair


def test_a_model_keeps_its_term_frequencies_through_json():
    model = FellegiSunterModel.untrained(CUSTOMER)
    model.terms.values["city"] = TermFrequencies(10, {"springfield": 3})
    again = FellegiSunterModel.from_dict(model.to_dict())
    assert again.terms.values["city"].counts == {"springfield": 3}
    assert np.isclose(again.terms.values["city"].share("springfield"), 0.3)
