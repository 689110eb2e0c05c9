"""Packed lineage reads back exactly as it was decided."""

from mdm.lineage import lineage_pack, lineage_unpack

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
