"""Blocking keys find true pairs in several passes and keep candidate pairs few."""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from matching.engine import CUSTOMER, blocking_keys, pair_completeness, reduction_ratio
from matching.engine.blocking import candidate_pairs, prepare

from .records import ACME_CRM, ACME_ERP, ACME_GERMANY, GLOBEX


def test_keys_are_stable_strings_named_by_rule():
    keys = blocking_keys("customer", ACME_CRM)
    assert "tax:US|123456789" in keys
    assert "web:acme.com" in keys
    assert "phone:+14155550123" in keys
    assert keys == blocking_keys(CUSTOMER, dict(ACME_CRM))


def test_the_same_customer_written_two_ways_shares_keys():
    assert set(blocking_keys("customer", ACME_CRM)) & set(blocking_keys("customer", ACME_ERP))


def test_different_customers_share_no_key():
    assert not set(blocking_keys("customer", ACME_CRM)) & set(blocking_keys("customer", GLOBEX))


def test_a_rule_with_a_missing_part_gives_no_key():
    keys = blocking_keys("customer", {"name": "Acme", "country": "US"})
    assert keys == ["name_sound:US|AKM"]


def test_tax_id_keys_are_scoped_by_country():
    assert "tax:DE|811222333" in blocking_keys("customer", ACME_GERMANY)


def test_batch_candidates_are_pairs_sharing_a_key():
    df = pd.DataFrame([ACME_CRM, ACME_ERP, ACME_GERMANY, GLOBEX])
    columns = prepare(CUSTOMER, df)
    left, right = candidate_pairs(CUSTOMER, columns)
    ids = columns["id"]
    found = {(ids[a], ids[b]) for a, b in zip(left, right, strict=True)}
    assert ("crm-1", "erp-7") in found
    assert all("crm-2" not in pair for pair in found)


def test_too_common_keys_are_skipped():
    many = pd.DataFrame([{"id": i, "name": "Acme", "country": "US"} for i in range(5)])
    schema = CUSTOMER.__class__(**{**CUSTOMER.__dict__, "max_block_size": 4})
    left, _ = candidate_pairs(schema, prepare(schema, many))
    assert len(left) == 0
    left, _ = candidate_pairs(CUSTOMER, prepare(CUSTOMER, many))
    assert len(left) == 10


def test_linkage_only_pairs_across_sources():
    df = pd.DataFrame([ACME_CRM, ACME_ERP, {**ACME_CRM, "id": "crm-3"}])
    columns = prepare(CUSTOMER, df)
    left, right = candidate_pairs(CUSTOMER, columns, sources=np.array([0, 1, 0]))
    assert {(int(a), int(b)) for a, b in zip(left, right, strict=True)} == {(0, 1), (1, 2)}


def test_pair_completeness_counts_true_pairs_that_survived():
    assert pair_completeness({("a", "b"), ("c", "d")}, {("b", "a"), ("e", "f")}) == 0.5


def test_reduction_ratio_for_dedup_and_linkage():
    assert reduction_ratio(45, 10) == 0.0
    assert reduction_ratio(10, 10, 10) == 0.9


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=120, unique_by=lambda t: t[0]))
def test_pairs_within_blocks_are_every_pair_sharing_a_key_once(rows_and_keys):
    from itertools import combinations

    import numpy as np

    from matching.engine.blocking import pairs_within_blocks

    rows = np.array([r for r, _ in rows_and_keys], dtype=np.int64)
    keys = np.array([k for _, k in rows_and_keys], dtype=np.int64)
    left, right = pairs_within_blocks(rows, keys)
    expected = {pair for key in set(keys.tolist())
                for pair in combinations(sorted(rows[keys == key].tolist()), 2)}
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == sorted(expected)
