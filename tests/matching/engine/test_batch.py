"""Batch deduplication and linkage give the same answer as the hub's incremental calls."""

import numpy as np
import pandas as pd
import pytest

from matching.engine import CUSTOMER, FellegiSunterModel, blocking_keys, deduplicate, link, score_candidates, train

from .records import ACME_CRM, ACME_ERP, ACME_GERMANY, GLOBEX

GLOBEX_ERP = {**GLOBEX, "id": "erp-9", "name": "GLOBEX CORP.", "phone": "269.555.0199", "tax_id": None,
              "website": "http://www.globex.com/about"}
INITECH = {"id": "crm-3", "name": "Initech LLC", "tax_id": None, "country": "US", "city": "Austin",
           "postal_code": "73301", "address_line1": "4120 Freidrich Ln", "phone": "(512) 555-0100",
           "email": "bill@initech.com", "website": "initech.com"}
INITECH_ERP = {**INITECH, "id": "erp-10", "name": "Initech", "address_line1": "4120 Freidrich Lane",
               "email": "accounts@initech.com"}
RECORDS = [ACME_CRM, ACME_ERP, ACME_GERMANY, GLOBEX, GLOBEX_ERP, INITECH, INITECH_ERP]


@pytest.fixture
def frame():
    return pd.DataFrame(RECORDS)


@pytest.fixture
def model():
    return FellegiSunterModel.untrained(CUSTOMER)


def clusters_of(result):
    groups = result.clusters.groupby("cluster")["id"].apply(lambda ids: tuple(sorted(ids)))
    return sorted(g for g in groups if len(g) > 1)


def test_deduplicate_finds_the_same_customers(frame, model):
    result = deduplicate(frame, "customer", model)
    assert clusters_of(result) == [("crm-1", "erp-7"), ("crm-2", "erp-9"), ("crm-3", "erp-10")]
    assert set(result.pairs.columns) >= {"left_id", "right_id", "probability", "decision", "rule", "contribution_name"}


def test_link_pairs_only_across_the_two_frames(frame, model):
    crm = frame[frame["id"].str.startswith("crm")]
    erp = frame[frame["id"].str.startswith("erp")]
    result = link(crm, erp, "customer", model)
    assert result.matched_pairs() == {("crm-1", "erp-7"), ("crm-2", "erp-9"), ("crm-3", "erp-10")}
    assert set(result.clusters["source"]) == {"left", "right"}


def test_incremental_matching_gives_the_batch_answer(frame, model):
    batch = deduplicate(frame, "customer", model)
    batch_scores = {frozenset((a, b)): p for a, b, p in
                    zip(batch.pairs.left_id, batch.pairs.right_id, batch.pairs.probability, strict=True)}
    # The hub's side: a blocking index of keys -> golden ids, filled one record at a time.
    index: dict[str, set] = {}
    by_id = {r["id"]: r for r in RECORDS}
    incremental = {}
    for record in RECORDS:
        keys = blocking_keys("customer", record)
        candidates = sorted({g for k in keys for g in index.get(k, ())})
        for score in score_candidates("customer", record, [by_id[g] for g in candidates], model):
            if score.probability >= model.lower:
                incremental[frozenset((score.left_id, score.right_id))] = score.probability
        for k in keys:
            index.setdefault(k, set()).add(record["id"])
    assert incremental.keys() == batch_scores.keys()
    for pair, p in incremental.items():
        assert p == pytest.approx(batch_scores[pair])


def test_a_model_can_be_fitted_without_labels(frame):
    model = train(frame, "customer", random_pairs=1000)
    assert model.schema == "customer"
    assert 0 < model.prior < 1
    assert deduplicate(frame, "customer", model).clusters["cluster"].nunique() <= len(frame)


def test_a_stored_model_scores_exactly_like_the_fitted_one(frame):
    import json

    model = train(frame, "customer", random_pairs=1000)
    stored = FellegiSunterModel.from_dict(json.loads(json.dumps(model.to_dict())))
    before = deduplicate(frame, "customer", model).pairs
    after = deduplicate(frame, "customer", stored).pairs
    pd.testing.assert_frame_equal(before, after)


def test_the_pairs_tax_ids_decide_are_the_fits_certain_pairs():
    from matching.engine.batch import certain_pairs
    from matching.engine.blocking import prepare

    other = {**ACME_ERP, "id": "erp-11", "tax_id": "987650000"}  # another valid id of the same kind
    slip = {**ACME_ERP, "id": "erp-12", "tax_id": "123456780"}  # a one-digit slip: left to the model
    columns = prepare(CUSTOMER, pd.DataFrame([ACME_CRM, ACME_ERP, other, slip, INITECH]))
    certain = certain_pairs(CUSTOMER, columns, np.array([0, 0, 0, 0]), np.array([1, 2, 3, 4]))
    assert certain[:2].tolist() == [1.0, 0.0]
    assert np.isnan(certain[2:]).all()


def test_a_fit_learns_how_names_at_one_site_compare_from_the_pairs_tax_ids_part():
    firms = []
    for k in range(25):  # a parent and its subsidiary at one address and switchboard, each with its tax id
        site = {"country": "DE", "city": "Berlin", "postal_code": f"{10115 + k}", "address_line1": f"Hauptstr. {k + 1}",
                "phone": f"030 {7000000 + k}"}
        firms.append({**site, "id": 2 * k, "name": f"Nordwind{k} Energie", "tax_id": f"DE{100000000 + 7919 * k}"})
        firms.append({**site, "id": 2 * k + 1, "name": f"Nordwind{k} Logistik", "tax_id": f"DE{987654321 - 7919 * k}"})
    model = train(pd.DataFrame(firms), "customer")
    assert set(model.site_u) == {"name"}
    assert model.site_u["name"][-1] == model.fields[0].u[-1]
    assert train(pd.DataFrame(firms).drop(columns="tax_id"), "customer").site_u == {}  # nothing parts them


def test_a_fit_learns_how_names_of_one_web_domain_compare_from_the_pairs_tax_ids_part():
    firms = []
    for k in range(25):  # a parent and its subsidiary on one domain, at two addresses, each with its tax id
        family = {"country": "DE", "city": "Berlin", "website": f"nordwind{k}-gruppe.de"}
        firms.append({**family, "id": 2 * k, "name": f"Nordwind{k} Energie", "tax_id": f"DE{100000000 + 7919 * k}",
                      "address_line1": f"Hauptstr. {k + 1}"})
        firms.append({**family, "id": 2 * k + 1, "name": f"Nordwind{k} Logistik", "tax_id": f"DE{987654321 - 7919 * k}",
                      "address_line1": f"Ringstr. {k + 40}"})
    model = train(pd.DataFrame(firms), "customer")
    assert set(model.site_u) == {"name"}
    assert model.site_u["name"][1] > model.fields[0].u[1]  # two firms of one family share a word far more often


def _look_alikes(k: int, *, tax_ids: bool) -> list[dict]:
    """Two firms of one brand in one city, at two addresses, with no domain in common."""
    place = {"country": "DE", "city": "Berlin", "postal_code": f"{10115 + k}"}
    return [{**place, "id": f"{k}-a", "name": f"Nordwind{k} Energie", "address_line1": f"Hauptstr. {k + 1}",
             "tax_id": f"DE{100000000 + 7919 * k}" if tax_ids else None},
            {**place, "id": f"{k}-b", "name": f"Nordwind{k} Logistik", "address_line1": f"Ringstr. {k + 40}",
             "tax_id": f"DE{987654321 - 7919 * k}" if tax_ids else None}]


def test_a_fit_holds_one_systems_pairs_to_what_its_certain_pairs_say():
    firms = [r for k in range(60) for r in _look_alikes(k, tax_ids=True)]
    model = train(pd.DataFrame(firms), "customer", systems=["crm"] * len(firms))
    [(lowest, highest, same, pairs)] = model.calibration["crm|crm names apart"]
    assert same == 0 and pairs >= 50  # every pair the tax ids decide among them was two firms
    assert train(pd.DataFrame(firms), "customer").calibration == {}  # without systems: nothing to hold to
    few = firms[:8]  # at most 28 certain pairs: too few to say anything of the kind
    assert train(pd.DataFrame(few), "customer", systems=["crm"] * len(few)).calibration == {}


def test_two_records_of_one_system_are_held_to_its_certain_pairs_but_not_across_systems():
    model = FellegiSunterModel.untrained(CUSTOMER, lower=0.0)  # every pair reported, however weak
    pair = pd.DataFrame(_look_alikes(1, tax_ids=False))
    scored = deduplicate(pair, "customer", model, systems=["crm", "crm"]).pairs
    before, weight = scored["probability"].iloc[0], scored["match_weight"].iloc[0]
    apart = "crm|crm names apart"  # "Energie" / "Logistik": the brand word in common, others apart
    model.calibration = {apart: [[weight - 5, weight + 5, 0.0, 40.0]]}  # 40 certain pairs scoring so: two firms
    within = deduplicate(pair, "customer", model, systems=["crm", "crm"])
    across = deduplicate(pair, "customer", model, systems=["crm", "erp"])
    assert within.pairs["probability"].iloc[0] < before / 10
    assert across.pairs["probability"].iloc[0] == pytest.approx(before)
    model.calibration = {"crm|crm": [[weight - 5, weight + 5, 0.0, 40.0]]}  # names that agree: another stratum
    assert deduplicate(pair, "customer", model, systems=["crm", "crm"]).pairs["probability"].iloc[0] == \
        pytest.approx(before)
