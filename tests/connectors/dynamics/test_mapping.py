"""A timesheet billing summary as a Business Central general journal line, without a server: the
key it is found again by, the fields' lengths, and an adjustment carrying only the difference."""

import pytest

from connectors.dynamics import mapping

SUMMARY = {"summary": "PRJ-0000000007:2026-11-16:r0", "kind": "summary", "revision": 0,
           "project": "PRJ-0000000007", "project_code": "PRJ-7", "project_name": "Platform",
           "week_start": "2026-11-16", "week_end": "2026-11-22", "hours": "15.50", "amount": "2325.00",
           "currency": "USD", "lines": [{"resource": "RES-1", "name": "Ada Tester", "hours": "15.50",
                                         "bill_rate": "150.00", "amount": "2325.00"}]}


def test_a_summary_is_one_journal_line_on_the_unbilled_account_dated_the_weeks_last_day():
    line = mapping.time_summary_to_journal_line(SUMMARY, account="13150")
    assert line["accountType"] == "G/L Account" and line["accountNumber"] == "13150"
    assert line["postingDate"] == "2026-11-22" and line["amount"] == 2325.0
    assert line["description"] == "PRJ-7 time 2026-11-16..2026-11-22 summary r0: 15.50 h"
    assert line["comment"] == "Ada Tester 15.50 h x 150.00 = 2325.00"


def test_the_key_is_a_stable_digest_of_the_summary_key_that_fits_both_document_numbers():
    number = mapping.summary_document_number(SUMMARY["summary"])
    assert number == mapping.summary_document_number("PRJ-0000000007:2026-11-16:r0")  # the same, every time
    assert number.startswith("TS-") and number == number.upper()  # Code fields are upper-cased by the service
    assert len(number) <= mapping.DOCUMENT_NUMBER_LENGTH <= mapping.EXTERNAL_DOCUMENT_LENGTH
    line = mapping.time_summary_to_journal_line(SUMMARY, account="13150")
    assert line["documentNumber"] == line["externalDocumentNumber"] == number
    others = {mapping.summary_document_number(f"PRJ-0000000007:2026-11-16:r{n}") for n in range(1, 50)}
    assert number not in others and len(others) == 49  # each revision its own line


def test_an_adjustment_carries_only_the_difference():
    adjustment = {**SUMMARY, "summary": "PRJ-0000000007:2026-11-16:r1", "kind": "adjustment", "revision": 1,
                  "hours": "-2.00", "amount": "-300.00",
                  "lines": [{"resource": "RES-1", "name": "Ada Tester", "hours": "-2.00", "bill_rate": "150.00",
                             "amount": "-300.00"}]}
    line = mapping.time_summary_to_journal_line(adjustment, account="13150")
    assert line["amount"] == -300.0 and "adjustment r1: -2.00 h" in line["description"]
    assert line["externalDocumentNumber"] != mapping.time_summary_to_journal_line(SUMMARY, account="13150")[
        "externalDocumentNumber"]


def test_long_texts_are_clipped_to_the_tables_lengths():
    crowd = [{"resource": f"RES-{n}", "name": f"Consultant Number {n}", "hours": "8.00", "bill_rate": "150.00",
              "amount": "1200.00"} for n in range(30)]
    line = mapping.time_summary_to_journal_line({**SUMMARY, "project_code": "P" * 90, "lines": crowd},
                                                account="13150")
    assert len(line["description"]) == mapping.DESCRIPTION_LENGTH and line["description"].endswith("…")
    assert len(line["comment"]) == mapping.COMMENT_LENGTH


def test_an_unreadable_amount_is_refused():
    with pytest.raises(ValueError, match="unreadable amount"):
        mapping.time_summary_to_journal_line({**SUMMARY, "amount": "lots"}, account="13150")
