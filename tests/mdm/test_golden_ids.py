"""Golden ids: ten characters, stable, and issued together they sort together."""

import pytest

from mdm.models import Customer, new_golden_id
from mdm.services.ingest import unused_golden_ids

T = 1_800_000_000.0  # a moment in 2027: tick 128 of 1,024


def test_an_id_is_its_prefix_and_ten_unambiguous_characters():
    golden_id = new_golden_id("CUS", now=T)
    prefix, body = golden_id.split("-")
    assert prefix == "CUS" and len(body) == 10
    assert not set(body) & set("ILOU")


def test_ids_issued_in_one_tick_share_their_first_two_characters():
    ids = {new_golden_id("CUS", now=T + offset) for offset in (0.0, 1.0, 3.9)}
    assert len({golden_id[:6] for golden_id in ids}) == 1
    assert len(ids) == 3  # the other 40 bits are random


def test_the_next_tick_sorts_after_and_the_clock_wraps_after_68_minutes():
    assert new_golden_id("CUS", now=T + 4)[:6] > new_golden_id("CUS", now=T)[:6]
    assert new_golden_id("CUS", now=T + 4 * 1024)[:6] == new_golden_id("CUS", now=T)[:6]


@pytest.mark.django_db
def test_a_batch_gets_distinct_ids_none_of_them_already_issued(monkeypatch):
    Customer.objects.create(id="CUS-0000000001", name="Taken")
    drawn = iter(["CUS-0000000001", "CUS-0000000002", "CUS-0000000002", "CUS-0000000003"])
    monkeypatch.setattr("mdm.services.ingest.new_golden_id", lambda prefix: next(drawn))
    assert sorted(unused_golden_ids(Customer, 2)) == ["CUS-0000000002", "CUS-0000000003"]
