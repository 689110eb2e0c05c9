"""Packed lineage reads back exactly as it was decided."""

from hypothesis import given
from hypothesis import strategies as st

from mdm.lineage import lineage_pack, lineage_repack, lineage_unpack

NOW = "2026-11-27T10:00:00+00:00"
EARLIER = "2026-11-01T08:00:00+00:00"


def entry(value, rule, system=None, source_record_id=None, source_id=None, updated=None, decided_at=NOW, **details):
    return {"value": value, "rule": rule, "system": system, "source_record_id": source_record_id,
            "source_id": source_id, "source_updated_at": updated, "decided_at": decided_at, **details}


def test_each_source_is_named_once_and_every_entry_reads_back_unchanged():
    entries = {
        "name": entry("Acme GmbH", "trust", "salesforce", 7, "001A", "2026-05-17T10:00:00+00:00"),
        "phone": entry("+49301234567", "recent", "netsuite", 9, "42", "2026-06-01T00:00:00+00:00",
                       decided_at=EARLIER),
        "city": entry("Berlin", "complete", "salesforce", 7, "001A", "2026-05-17T10:00:00+00:00"),
        "currency": entry(None, "trust"),
        "credit_status": entry("on_hold", "steward override", override_id=3, mode="until_source_change"),
    }
    packed = lineage_pack(entries, NOW)
    assert lineage_unpack(packed) == entries
    assert set(packed["sources"]) == {"7", "9"}
    assert len(str(packed)) < len(str(entries)) / 2


def test_lineage_written_before_packing_reads_as_it_is():
    old = {"name": entry("Acme", "trust", "salesforce", 1, "001A")}
    assert lineage_unpack(old) == old
    assert lineage_unpack({}) == {} and lineage_unpack(None) == {}


def test_one_source_packing_is_the_general_packing_of_the_same_decisions():
    from mdm.lineage import lineage_pack_one_source

    said = ["salesforce", "001A", "2026-05-17T10:00:00+00:00"]
    decided = {"name": ("trust", "Acme GmbH"), "city": ("complete", "Berlin"), "currency": ("trust", None)}
    entries = {name: entry(value, rule, *(said[:1] + [7] + said[1:]) if value is not None else ())
               for name, (rule, value) in decided.items()}
    assert lineage_pack_one_source(decided, 7, said, NOW) == lineage_pack(entries, NOW)
    assert lineage_pack_one_source({"currency": ("trust", None)}, 7, said, NOW) == \
        lineage_pack({"currency": entry(None, "trust")}, NOW)


def test_repacking_decisions_keeps_the_decision_time_of_what_did_not_change():
    said = {7: ["salesforce", "001A", "2026-05-17T10:00:00+00:00"], 9: ["netsuite", "42", None]}
    before = lineage_pack({
        "name": entry("Acme GmbH", "trust", "salesforce", 7, "001A", "2026-05-17T10:00:00+00:00", decided_at=EARLIER),
        "city": entry("Berlin", "trust", "netsuite", 9, "42", None, decided_at=EARLIER),
        "currency": entry(None, "trust", decided_at=EARLIER),
        "credit_status": entry("hold", "steward override", override_id=3, mode="pinned", decided_at=EARLIER),
    }, EARLIER)
    decided = {"name": ("trust", 7, "Acme GmbH"), "city": ("trust", 7, "Berlin"), "currency": ("trust", None, None),
               "credit_status": ("trust", 9, "good")}
    packed, unchanged = lineage_repack(decided, said, before, NOW)
    assert not unchanged
    entries = lineage_unpack(packed)
    assert {name: e["decided_at"] for name, e in entries.items()} == {
        "name": EARLIER, "currency": EARLIER,  # as decided before
        "city": NOW,  # same value, another source record: decided anew
        "credit_status": NOW}  # the override ended
    assert entries["city"]["source_id"] == "001A" and "override_id" not in entries["credit_status"]
    assert packed == lineage_pack(entries, NOW)

    again, unchanged = lineage_repack(decided, said, packed, "2026-12-01T00:00:00+00:00")
    assert unchanged and lineage_unpack(again) == entries
    assert lineage_repack(decided, said, None, NOW)[1] is False  # a new record's lineage is new


# The general path: unpack, compare entry by entry, pack. lineage_repack must say the same.
def _repacked_the_long_way(decided, said, previous, decided_at):
    before = lineage_unpack(previous)
    entries = {}
    for name, (rule, source_record_id, value) in decided.items():
        system, source_id, updated = said[source_record_id] if source_record_id is not None else (None, None, None)
        new = {"value": value, "rule": rule, "system": system, "source_record_id": source_record_id,
               "source_id": source_id, "source_updated_at": updated}
        was = before.get(name, {})
        same = {k: v for k, v in was.items() if k != "decided_at"} == new
        entries[name] = {**new, "decided_at": was.get("decided_at") if same and was else decided_at}
    return lineage_pack(entries, decided_at), entries == before

_SAID = {7: ["salesforce", "001A", "2026-05-17T10:00:00+00:00"], 9: ["netsuite", "42", None],
         11: ["csv", "r1", "2026-01-01T00:00:00+00:00"]}
_decisions = st.dictionaries(
    st.sampled_from(("name", "city", "phone", "currency")),
    st.tuples(st.sampled_from(("trust", "recent")), st.sampled_from((None, 7, 9, 11)),
              st.sampled_from(("A", "B", None))).map(lambda d: (d[0], d[1], None if d[1] is None else d[2])),
)


@given(_decisions, _decisions, st.booleans())
def test_repacking_says_what_unpacking_comparing_and_packing_say(first, second, with_override):
    previous, _ = _repacked_the_long_way(first, _SAID, None, EARLIER)
    if with_override and first:
        name = next(iter(first))
        entries = lineage_unpack(previous)
        entries[name] = {**entries[name], "rule": "steward override", "override_id": 1, "mode": "pinned"}
        previous = lineage_pack(entries, EARLIER)
    for decided in (first, second):
        assert lineage_repack(decided, _SAID, previous, NOW) == _repacked_the_long_way(decided, _SAID, previous, NOW)
