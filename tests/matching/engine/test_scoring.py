"""Scores are explainable, identity rules override the model, thresholds decide."""

import dataclasses
import math

import numpy as np
import pytest

from matching.engine import CUSTOMER, Decision, FellegiSunterModel, decide, score_candidates, score_pairs
from matching.engine.schema import standardize_record

from .records import ACME_CRM, ACME_ERP, ACME_GERMANY, GLOBEX


@pytest.fixture
def model():
    return FellegiSunterModel.untrained(CUSTOMER)


def test_the_same_customer_from_crm_and_erp_is_linked(model):
    [score] = score_pairs("customer", [ACME_CRM], [ACME_ERP], model)
    assert score.decision == Decision.LINK
    assert score.levels["name"] == "exact"
    assert score.levels["phone"] == "exact"


def test_contributions_explain_the_match_weight(model):
    [score] = score_pairs("customer", [ACME_CRM], [GLOBEX], model)
    assert set(score.contributions) == {f.name for f in CUSTOMER.compared}
    assert score.match_weight == pytest.approx(model.prior_weight + sum(score.contributions.values()))
    assert score.contributions["name"] < 0


def test_the_same_tax_id_in_the_same_country_is_a_match(model):
    renamed = {**ACME_ERP, "name": "Totally Different Name", "city": "Boston", "phone": None, "email": None,
               "website": None, "address_line1": None, "postal_code": None}
    [score] = score_pairs("customer", [ACME_CRM], [renamed], model)
    assert score.rule == "same tax_id"
    assert score.probability == 1.0
    assert score.decision == Decision.LINK


def test_two_different_valid_tax_ids_in_the_same_country_are_not_a_match(model):
    twin = {**ACME_ERP, "tax_id": "99-9999998"}
    [score] = score_pairs("customer", [ACME_CRM], [twin], model)
    assert score.rule == "different tax_id"
    assert score.decision == Decision.NO_MATCH
    assert score.contributions["name"] > 0  # the model's view is still reported


def test_tax_ids_of_two_countries_are_two_legal_entities(model):
    # A brand's subsidiary abroad registers on its own: however alike, it is another customer.
    [score] = score_pairs("customer", [ACME_CRM], [ACME_GERMANY], model)
    assert score.rule == "tax_id of another country"
    assert score.decision == Decision.NO_MATCH


def test_placeholder_tax_ids_do_not_trigger_rules(model):
    a = {**ACME_CRM, "tax_id": "000000000"}
    b = {**ACME_ERP, "tax_id": "000000000"}
    [score] = score_pairs("customer", [a], [b], model)
    assert score.rule == ""


def test_decisions_follow_the_two_thresholds():
    model = FellegiSunterModel.untrained(CUSTOMER, upper=0.9, lower=0.5)
    assert decide(0.95, model) == Decision.LINK
    assert decide(0.9, model) == Decision.LINK
    assert decide(0.7, model) == Decision.REVIEW
    assert decide(0.2, model) == Decision.NO_MATCH


def test_candidates_come_back_best_first(model):
    scores = score_candidates("customer", ACME_CRM, [GLOBEX, ACME_GERMANY, ACME_ERP], model)
    assert [s.right_id for s in scores][0] == "erp-7"
    assert [s.left_id for s in scores] == ["crm-1"] * 3


def test_standardized_records_score_the_same(model):
    raw = score_candidates("customer", ACME_CRM, [ACME_ERP, GLOBEX], model)
    std = [standardize_record(CUSTOMER, r) for r in (ACME_CRM, ACME_ERP, GLOBEX)]
    again = score_candidates("customer", std[0], std[1:], model, standardized=True)
    assert [(s.right_id, s.probability) for s in raw] == [(s.right_id, s.probability) for s in again]


def test_score_pairs_wants_aligned_lists(model):
    with pytest.raises(ValueError):
        score_pairs("customer", [ACME_CRM], [], model)


def test_no_candidates_no_scores(model):
    assert score_candidates("customer", ACME_CRM, [], model) == []


def test_contracts_and_projects_have_schemas():
    a = {"id": 1, "customer_id": "G1", "number": "CT-2024/001", "title": "Support renewal 2024", "start_date": "2024-01-01",
         "end_date": "2024-12-31"}
    b = {**a, "id": 2, "number": "ct2024001", "title": "Support Renewal (2024)"}
    [score] = score_pairs("contract", [a], [b])
    assert score.rule == "same number"
    other_number = {**b, "number": "ERP-778"}
    [score] = score_pairs("contract", [a], [other_number])
    assert score.rule == ""  # CRM and ERP number contracts differently: no veto
    p = {"id": 1, "customer_id": "G1", "code": "PRJ-7", "name": "ERP rollout", "start_date": "2024-03-01"}
    [score] = score_pairs("project", [p], [{**p, "id": 2, "code": "prj 7"}])
    assert score.decision == Decision.LINK


def test_stored_standardized_candidates_score_like_raw_ones(model):
    raw = score_candidates("customer", ACME_CRM, [ACME_ERP, GLOBEX], model)
    stored = [standardize_record(CUSTOMER, r) for r in (ACME_ERP, GLOBEX)]
    again = score_candidates("customer", ACME_CRM, stored, model, candidates_standardized=True)
    assert [(s.right_id, s.probability) for s in raw] == [(s.right_id, s.probability) for s in again]


# --- one site, seen twice ---------------------------------------------------------------------------

_CASINO = {"country": "US", "city": "Las Vegas", "postal_code": "89109", "address_line1": "3400 Las Vegas Blvd S",
           "phone": "702 791 7111"}


def test_a_street_line_and_a_phone_agreeing_count_as_one_site(model):
    bistro, mikado = {**_CASINO, "name": "Bistro"}, {**_CASINO, "name": "Mikado"}
    [score] = score_pairs("customer", [bistro], [mikado], model)
    site = {name: score.contributions[name] for name in ("address_line1", "phone")}
    assert sorted(site.values())[0] == 0.0  # the lesser agreement is the same fact
    assert max(site.values()) > 0  # the site itself still counts
    [phone_only] = score_pairs("customer", [bistro], [{**mikado, "address_line1": "1 Other Road"}], model)
    assert phone_only.contributions["phone"] > 0
    assert phone_only.contributions["address_line1"] < 0  # a street line that differs still counts against


def test_at_one_site_a_place_that_disagrees_says_nothing(model):
    grill = {**_CASINO, "name": "Grill on the Alley", "city": "Beverly Hills"}
    [score] = score_pairs("customer", [grill], [{**grill, "city": "Los Angeles"}], model)
    assert score.levels["city"] == "different"
    assert score.contributions["city"] == 0.0
    [elsewhere] = score_pairs("customer", [grill], [{**grill, "city": "Los Angeles", "phone": None}], model)
    assert elsewhere.contributions["city"] < 0  # without the phone it is not known to be one site


def test_a_schema_without_a_site_counts_every_agreement():
    schema = dataclasses.replace(CUSTOMER, site=None)
    untrained = FellegiSunterModel.untrained(schema)
    record = {**_CASINO, "name": "Bistro"}
    [score] = score_pairs(schema, [record], [{**record, "name": "Mikado"}], untrained)
    assert score.contributions["address_line1"] > 0 and score.contributions["phone"] > 0


def _places_implied() -> object:
    """The customer schema with the country implied by the city and postal code, the city by the
    postal code (Field.implied_by: a mechanism the shipped schema leaves off)."""
    implied = {"country": ("city", "postal_code"), "city": ("postal_code",)}
    return dataclasses.replace(CUSTOMER, fields=tuple(
        dataclasses.replace(f, implied_by=implied.get(f.name, f.implied_by)) for f in CUSTOMER.fields))


def test_a_shared_postal_code_or_city_makes_the_country_no_further_evidence(model):
    schema = _places_implied()
    berlin = {"name": "Nordwind Energie", "country": "DE", "city": "Berlin", "postal_code": "10115"}
    potsdam = {"name": "Nordwind Energie", "country": "DE", "city": "Potsdam", "postal_code": "14467"}
    [same_place] = score_pairs(schema, [berlin], [{**berlin, "city": None}], model)
    [same_city] = score_pairs(schema, [berlin], [{**berlin, "postal_code": None}], model)
    [elsewhere] = score_pairs(schema, [berlin], [potsdam], model)
    assert same_place.contributions["country"] == same_city.contributions["country"] == 0.0
    assert elsewhere.contributions["country"] > 0  # only the country is shared: it still counts
    [abroad] = score_pairs(schema, [berlin], [{**berlin, "country": "AT"}], model)
    assert abroad.contributions["country"] < 0  # a disagreement is news the postal code did not give


def test_a_shared_postal_code_makes_the_city_no_further_evidence(model):
    schema = _places_implied()
    berlin = {"name": "Nordwind Energie", "country": "DE", "city": "Berlin", "postal_code": "10115"}
    [same_code] = score_pairs(schema, [berlin], [berlin], model)
    [same_city] = score_pairs(schema, [berlin], [{**berlin, "postal_code": "10117"}], model)
    assert same_code.contributions["city"] == 0.0
    assert same_city.contributions["city"] > 0  # another postal code in the city: the city still counts


def test_at_one_site_a_name_short_of_exact_weighs_against_what_neighbours_share(model):
    parent = {**_CASINO, "name": "Loire Editions"}
    subsidiary = {**_CASINO, "name": "Loire Plasturgie"}
    [before] = score_pairs("customer", [parent], [subsidiary], model)
    [exact_before] = score_pairs("customer", [parent], [parent], model)
    model.site_u = {"name": [0.2, 0.7, 0.05, 0.049, 0.001]}
    [after] = score_pairs("customer", [parent], [subsidiary], model)
    [exact_after] = score_pairs("customer", [parent], [parent], model)
    [elsewhere] = score_pairs("customer", [parent], [{**subsidiary, "address_line1": None, "phone": None}], model)
    assert after.levels["name"] == "words in common, others apart"
    m = model.fields[0].m[1]
    assert after.contributions["name"] == pytest.approx(math.log2(m / 0.7))
    assert after.contributions["name"] < before.contributions["name"]
    assert exact_after.contributions["name"] == exact_before.contributions["name"]
    assert elsewhere.contributions["name"] == before.contributions["name"]  # not at one site: as before


def test_a_shared_web_domain_weighs_names_as_one_site_does(model):
    parent = {"country": "FR", "city": "Nantes", "name": "Loire Editions", "website": "loire-groupe.fr"}
    subsidiary = {"country": "FR", "city": "Nantes", "name": "Loire Plasturgie", "website": "loire-groupe.fr",
                  "address_line1": "12 quai de la Fosse"}
    [before] = score_pairs("customer", [parent], [subsidiary], model)
    model.site_u = {"name": [0.2, 0.7, 0.05, 0.049, 0.001]}
    [after] = score_pairs("customer", [parent], [subsidiary], model)
    [apart] = score_pairs("customer", [parent], [{**subsidiary, "website": "plasturgie.fr"}], model)
    assert after.contributions["name"] == pytest.approx(math.log2(model.fields[0].m[1] / 0.7))
    assert after.contributions["name"] < before.contributions["name"]
    assert apart.contributions["name"] == before.contributions["name"]  # another domain: as random pairs weigh it
    assert after.contributions["website"] > 0  # the domain itself still counts: it is not the site counted once


def test_at_one_site_a_very_similar_name_keeps_its_weight(model):
    firm = {**_CASINO, "name": "Bellagio Conservatory"}
    [before] = score_pairs("customer", [firm], [{**firm, "name": "Bellagio Conservatry"}], model)
    model.site_u = {"name": [0.2, 0.5, 0.25, 0.049, 0.001]}
    [after] = score_pairs("customer", [firm], [{**firm, "name": "Bellagio Conservatry"}], model)
    assert after.levels["name"] == "very similar"
    assert after.contributions["name"] == before.contributions["name"]  # a typo names the firm itself


def test_within_one_organisation_a_shared_city_makes_the_country_no_further_evidence(model):
    parent = {"name": "Nordwind Energie", "country": "DE", "city": "Berlin", "website": "nordwind-gruppe.de"}
    subsidiary = {**parent, "name": "Nordwind Logistik"}
    [family] = score_pairs("customer", [parent], [subsidiary], model)
    [elsewhere] = score_pairs("customer", [parent], [{**subsidiary, "website": None}], model)
    [abroad] = score_pairs("customer", [parent], [{**subsidiary, "country": "AT", "city": "Vienna"}], model)
    assert family.levels["country"] == "exact" and family.contributions["country"] == 0.0
    assert elsewhere.contributions["country"] > 0  # not known to be one organisation: it still counts
    assert abroad.contributions["country"] < 0  # a disagreement is news the city did not give


# --- siblings at one site, within one system -------------------------------------------------------

_HOTEL = {"country": "US", "city": "Atlanta", "postal_code": "30326", "address_line1": "3434 Peachtree Rd",
          "phone": "404 237 2700"}


def _scored_within_and_across(model, left: dict, right: dict):
    """The pair scored as two records of one system and as two records of two systems."""
    import numpy as np

    from matching.engine.schema import standardize_columns
    from matching.engine.scoring import score_arrays

    names = ["id", *CUSTOMER.inputs]
    columns = standardize_columns(CUSTOMER, {name: [left.get(name), right.get(name)] for name in names})
    place = [f.name for f in CUSTOMER.compared].index("city")
    out = []
    for kind in ("guide|guide", "guide|other", None):
        kinds = None if kind is None else np.array([kind], dtype=object)
        scored = score_arrays(CUSTOMER, model, columns, columns, np.array([0]), np.array([1]), kinds)
        out.append(scored.contributions[0, place])
    return out


def test_within_one_system_a_sites_siblings_get_nothing_from_the_places(model):
    cafe, dining = {**_HOTEL, "name": "Ritz-Carlton Cafe Buckhead"}, {**_HOTEL, "name": "Ritz-Carlton Dining Room"}
    within, across, unknown = _scored_within_and_across(model, cafe, dining)
    assert within == 0.0  # one guide lists the hotel's restaurants apart: the city is the site again
    assert across > 0 and unknown == across  # two systems, or none known: the city keeps its weight


def test_within_one_system_the_places_count_where_the_name_names_the_firm_or_shares_nothing(model):
    firm = {**_HOTEL, "name": "Ritz-Carlton Cafe Buckhead"}
    typo, _, _ = _scored_within_and_across(model, firm, {**firm, "name": "Ritz-Carlton Cafe Buckhaed"})
    renamed, _, _ = _scored_within_and_across(model, firm, {**firm, "name": "Peachtree Grill"})
    elsewhere, _, _ = _scored_within_and_across(model, firm, {**firm, "name": "Ritz-Carlton Dining Room",
                                                              "phone": "404 555 0100"})
    assert typo > 0  # a typo: one firm keyed twice
    assert renamed > 0  # nothing in common: a rename at the same site, or a neighbour the name parts anyway
    assert elsewhere > 0  # another phone: not known to be one site


def test_pairs_whose_names_share_only_some_words_are_calibrated_apart():
    from matching.engine.scoring import calibration_strata

    name = [f.name for f in CUSTOMER.compared].index("name")
    levels = np.full((3, len(CUSTOMER.compared)), -1, dtype=np.int8)
    levels[:, name] = [1, 3, -1]  # words in common, others apart; very similar; missing
    strata = calibration_strata(CUSTOMER, np.array(["crm|crm"] * 3, dtype=object), levels)
    assert strata.tolist() == ["crm|crm names apart", "crm|crm", "crm|crm"]


def test_where_certain_pairs_hold_a_systems_siblings_they_decide_and_the_places_keep_their_weight(model):
    import copy

    cafe, dining = {**_HOTEL, "name": "Ritz-Carlton Cafe Buckhead"}, {**_HOTEL, "name": "Ritz-Carlton Dining Room"}
    held = copy.deepcopy(model)
    held.calibration = {"guide|guide names apart": [[-10.0, 40.0, 5.0, 60.0]]}  # 5 of 60 certain pairs the same
    within, _, _ = _scored_within_and_across(held, cafe, dining)
    assert within > 0  # measured by the guide's own certain pairs, not reasoned about twice
