"""Comparison kinds turn value pairs into agreement levels, whole arrays at a time."""

import numpy as np

from matching.engine.comparisons import KINDS, MISSING, comparison_levels


def levels(kind, left, right):
    return comparison_levels(kind, np.array(left, dtype=object), np.array(right, dtype=object)).tolist()


def test_exact_values_reach_the_top_level():
    top = KINDS["person_name"].n_levels - 1
    assert levels("person_name", ["smith"], ["smith"]) == [top]


def test_typos_land_between_exact_and_different():
    assert levels("person_name", ["jonathan", "smith", "smith"], ["jonathon", "smyth", "jones"]) == [2, 1, 0]


def test_a_missing_side_is_missing_not_different():
    assert levels("company_name", [None, "acme"], ["acme", None]) == [MISSING, MISSING]


def test_company_names_in_another_word_order_are_close():
    assert levels("company_name", ["acme holdings"], ["holdings acme"])[0] >= 2


def test_identifiers_allow_one_or_two_edits():
    assert levels("identifier", ["4137877", "4137877", "4137877", "4137877"],
                  ["4137877", "4137787", "4137800", "9999999"]) == [3, 2, 1, 0]


def test_dates_with_day_and_month_swapped_are_close():
    assert levels("date", ["1951-11-05", "1951-11-05", "1951-11-05"], ["1951-05-11", "1951-01-01", "1960-01-01"]) \
        == [2, 1, 0]


def test_phones_sharing_the_subscriber_number_are_close():
    assert levels("phone", ["+14155550123", "+14155550123"], ["+14155550123", "4155550123"]) == [2, 1]


def test_emails_with_the_same_mailbox_are_close():
    assert levels("email", ["info@acme.com", "info@acme.com"], ["info@acme.de", "sales@globex.com"]) == [1, 0]


def test_empty_batches_are_fine():
    assert levels("person_name", [], []) == []
