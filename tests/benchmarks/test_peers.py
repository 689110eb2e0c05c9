"""The peers' own cleaning of raw CSV values (not Concord's standardizers) and their golden records."""

import pandas as pd

from benchmarks.matching import peers


def test_company_names_lose_case_punctuation_legal_forms_and_a_leading_the():
    assert peers.clean_name("The ACME Intl. Services, Inc.") == "acme intl services"
    assert peers.clean_name("Müller & Söhne GmbH") == "muller and sohne"
    assert peers.clean_name("Ltd") == "ltd"  # nothing but a legal form: kept rather than emptied
    assert peers.clean_name(None) is None


def test_phones_keep_their_last_nine_digits():
    assert peers.clean_phone("+49 30 1234567") == peers.clean_phone("030 1234567") == "301234567"
    assert peers.clean_phone("n/a") is None


def test_web_addresses_become_their_host():
    assert peers.clean_website("https://www.acme.de/about") == peers.clean_website("acme.de") == "acme.de"
    assert peers.clean_website("  ") is None


def test_tax_ids_lose_spacing_and_their_own_country_prefix():
    assert peers.clean_tax_id("GB1 234 567 89", "GB") == peers.clean_tax_id("123456789", "GB") == "123456789"
    assert peers.clean_tax_id("DE123456789", "GB") == "de123456789"


def test_both_files_are_read_as_one_table_keyed_by_system_and_source_id(tmp_path):
    pd.DataFrame({"source_id": ["1"], "name": ["Acme Ltd"], "phone": ["020 7946 0958"]}).to_csv(
        tmp_path / "crm.csv", index=False)
    pd.DataFrame({"source_id": ["1"], "name": ["ACME LIMITED"], "website": ["www.acme.co.uk"]}).to_csv(
        tmp_path / "erp.csv", index=False)
    records = peers.read_records([("salesforce", tmp_path / "crm.csv"), ("netsuite", tmp_path / "erp.csv")])
    assert list(records[peers.UID]) == ["salesforce|1", "netsuite|1"]
    assert list(records["name"]) == ["acme", "acme"]
    assert records.loc[0, "website"] is None and records.loc[1, "website"] == "acme.co.uk"


def test_golden_records_are_the_connected_components_of_the_matches():
    clusters = peers.components(["a", "b", "c", "d"], [("b", "a"), ("c", "b")])
    assert clusters == {"a": "a", "b": "a", "c": "a", "d": "d"}
