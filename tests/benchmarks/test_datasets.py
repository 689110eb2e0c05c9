"""The hub-path data sets: files in the import format, the truth in the blind generator's format."""

import subprocess
import sys

import pandas as pd

from benchmarks.matching import datasets, febrl, fodors_zagats

CRM, ERP = "salesforce", "netsuite"


def test_entities_come_from_linked_pairs_and_chains_join_one_entity():
    keys = [(CRM, "1"), (CRM, "2"), (ERP, "a"), (ERP, "b")]
    entity = datasets.entities_from_links(keys, [((CRM, "1"), (ERP, "a")), ((ERP, "a"), (CRM, "2"))])
    assert entity[(CRM, "1")] == entity[(CRM, "2")] == entity[(ERP, "a")]
    assert entity[(ERP, "b")] != entity[(CRM, "1")]


def test_ours_is_written_as_two_import_files_and_a_truth_with_lookalike_groups(tmp_path):
    datasets.write_ours(tmp_path, 40, 3)
    data = datasets.load("ours", tmp_path)
    assert [system for system, _ in data.files] == [CRM, ERP]
    crm = pd.read_csv(tmp_path / "crm.csv", dtype=str)
    assert list(crm.columns) == list(datasets.HUB_COLUMNS)
    assert len(data.truth) == len(crm) + len(pd.read_csv(tmp_path / "erp.csv"))
    # a record's entity is its company: crm-7 and erp-7 are one company
    entity = dict(zip(data.truth["source_id"], data.truth["entity_id"], strict=True))
    shared = [i for i in crm["source_id"] if i.replace("crm", "erp") in entity]
    assert shared and all(entity[i] == entity[i.replace("crm", "erp")] for i in shared)
    groups = data.truth[data.truth["lookalike_group"] != ""]
    assert (groups.groupby("lookalike_group")["entity_id"].nunique() >= 1).all() and len(groups)


def test_the_blind_standin_writes_the_blind_generators_format(tmp_path):
    subprocess.run([sys.executable, str(datasets.BLIND_STANDIN), "--n", "40", "--seed", "1", "--out", str(tmp_path)],
                   check=True)
    data = datasets.load("blind", tmp_path)
    assert list(data.truth.columns) == list(datasets.TRUTH_COLUMNS)
    crm = pd.read_csv(tmp_path / "crm.csv", dtype=str)
    assert {"trading_name", *datasets.HUB_COLUMNS} <= set(crm.columns)
    assert set(data.truth["system"]) == {CRM, ERP}


def test_febrl_people_become_customers_with_one_name_and_one_address_line():
    people = pd.DataFrame({"rec_id": ["rec-1-org"], "given_name": ["kira"], "surname": ["wimmer"],
                           "street_number": ["4"], "address_1": ["sturdee crescent"], "address_2": ["ark hall"],
                           "suburb": ["tanjil south"], "postcode": ["3173"], "state": ["vic"],
                           "date_of_birth": ["19520101"], "soc_sec_id": ["4604296"]}).set_index("rec_id")
    customer = febrl.as_customers(people).iloc[0].to_dict()
    assert customer["source_id"] == "rec-1-org" and customer["name"] == "kira wimmer"
    assert customer["address_line1"] == "4 sturdee crescent, ark hall"
    assert (customer["city"], customer["postal_code"], customer["country"], customer["tax_id"]) == (
        "tanjil south", "3173", "AU", "4604296")


def test_febrl_leaves_out_missing_parts():
    people = pd.DataFrame({"rec_id": ["r"], "given_name": [None], "surname": ["babic"], "street_number": [None],
                           "address_1": ["totterdell street"], "address_2": [None], "suburb": ["x"],
                           "postcode": ["1"], "state": [None], "date_of_birth": [None],
                           "soc_sec_id": ["1"]}).set_index("rec_id")
    customer = febrl.as_customers(people).iloc[0]
    assert customer["name"] == "babic" and customer["address_line1"] == "totterdell street"


def test_restaurants_become_us_customers():
    frame = pd.DataFrame({"id": ["534"], "name": ["arnie mortons of chicago"], "addr": ["435 s. la cienega blv."],
                          "city": ["los angeles"], "phone": ["310/246-1501"], "type": ["american"]})
    customer = fodors_zagats.as_customers(frame).iloc[0].to_dict()
    assert customer == {"source_id": "534", "name": "arnie mortons of chicago", "country": "US",
                        "city": "los angeles", "address_line1": "435 s. la cienega blv.", "phone": "310/246-1501",
                        "industry": "american"}
