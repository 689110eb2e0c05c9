"""Attribute lineage: for each golden attribute, the value, the rule that chose it, the source
record that gave it (system, source id, the source's timestamp) and when it was decided.

Readers see one entry per attribute (`lineage_unpack`). What a golden record stores is packed
(`lineage_pack`): each contributing source record is named once rather than in every attribute,
and the decision time once unless an attribute kept an earlier one. Every golden record and
every history row carries its lineage, so the unpacked form — about 3 kB a customer against 0.8 kB
— was most of the bytes an initial load wrote. Pure: no Django.
"""

from __future__ import annotations

from typing import Any

_SOURCE_FIELDS = ("system", "source_id", "source_updated_at")


def lineage_pack(entries: dict[str, dict[str, Any]], decided_at: str) -> dict[str, Any]:
    """{"decided_at", "sources": {source record id: [system, source id, source updated at]},
    "attributes": {name: [rule, source record id, value] (+ [{what else the entry says}])}}."""
    sources: dict[str, list[Any]] = {}
    attributes: dict[str, list[Any]] = {}
    for name, entry in entries.items():
        source_record_id = entry.get("source_record_id")
        said = [entry.get(field) for field in _SOURCE_FIELDS]
        extras = {key: value for key, value in entry.items()
                  if key not in ("value", "rule", "source_record_id", "decided_at", *_SOURCE_FIELDS)}
        if source_record_id is None:
            # No source gave it (a blank attribute, a steward override): say only what is there.
            extras.update({field: value for field, value in zip(_SOURCE_FIELDS, said, strict=True) if value is not None})
        elif sources.setdefault(str(source_record_id), said) != said:
            extras.update(zip(_SOURCE_FIELDS, said, strict=True))  # never the case today; kept exact if it were
        if entry.get("decided_at") != decided_at:
            extras["decided_at"] = entry.get("decided_at")
        attributes[name] = [entry.get("rule"), source_record_id, entry.get("value")] + ([extras] if extras else [])
    return {"decided_at": decided_at, "sources": sources, "attributes": attributes}


def lineage_pack_one_source(decided: dict[str, tuple[str, Any]], source_record_id: int, said: list[Any],
                            decided_at: str) -> dict[str, Any]:
    """lineage_pack for the commonest case, written directly: every attribute decided from one
    source record (`said`: its system, source id and timestamp) or left blank.
    `decided`: name -> (rule, value or None)."""
    attributes = {name: [rule, None if value is None else source_record_id, value]
                  for name, (rule, value) in decided.items()}
    used = any(value is not None for _rule, value in decided.values())
    return {"decided_at": decided_at, "sources": {str(source_record_id): list(said)} if used else {},
            "attributes": attributes}


def lineage_unpack(stored: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """One entry per attribute: value, rule, system, source_record_id, source_id,
    source_updated_at, decided_at (and a steward override's details)."""
    if not stored:
        return {}
    if "attributes" not in stored:
        return stored  # written before lineage was packed: entries as they are
    return {name: _entry(packed, stored) for name, packed in stored["attributes"].items()}


_NO_SOURCE = (None, None, None)


def _entry(packed: list[Any], stored: dict[str, Any]) -> dict[str, Any]:
    """One attribute's entry unpacked from `stored` (a packed lineage)."""
    rule, source_record_id, value, *rest = packed
    said = stored.get("sources", {}).get(str(source_record_id), _NO_SOURCE) if source_record_id is not None \
        else _NO_SOURCE
    entry = {"value": value, "rule": rule, "system": said[0], "source_record_id": source_record_id,
             "source_id": said[1], "source_updated_at": said[2], "decided_at": stored.get("decided_at")}
    if rest:
        entry.update(rest[0])
    return entry


def lineage_repack(decided: dict[str, tuple[str, int | None, Any]], sources: dict[int, list[Any]],
                   previous: dict[str, Any] | None, decided_at: str) -> tuple[dict[str, Any], bool]:
    """The packed lineage of decisions made by rule, and whether it says what `previous` said.

    `decided`: attribute -> (rule, source record id or None, value); `sources`: source record id ->
    [system, source id, source updated at]; `previous`: the stored (packed) lineage or None.
    An attribute whose decision is unchanged keeps its decision time. What
    `lineage_pack` makes of the unpacked entries, compared without unpacking `previous`."""
    before = previous["attributes"] if previous else {}
    unchanged = len(before) == len(decided)
    out_sources: dict[str, list[Any]] = {}
    attributes: dict[str, list[Any]] = {}
    for name, (rule, source_record_id, value) in decided.items():
        said = sources[source_record_id] if source_record_id is not None else None
        when = decided_at
        packed = before.get(name)
        if packed is None:
            unchanged = False
        else:
            extras = packed[3] if len(packed) > 3 else {}
            if extras.keys() <= {"decided_at"}:
                was = previous.get("sources", {}).get(str(packed[1]), _NO_SOURCE) if packed[1] is not None else _NO_SOURCE
                same = (packed[0] == rule and packed[1] == source_record_id and packed[2] == value
                        and tuple(was) == (tuple(said) if said is not None else _NO_SOURCE))
                previously = extras.get("decided_at", previous.get("decided_at"))
            else:  # an entry with more to say (a steward override's): compared whole
                entry = _entry(packed, previous)
                previously = entry.pop("decided_at")
                system, source_id, updated_at = said if said is not None else _NO_SOURCE
                same = entry == {"value": value, "rule": rule, "system": system, "source_record_id": source_record_id,
                                 "source_id": source_id, "source_updated_at": updated_at}
            if same:
                when = previously
            else:
                unchanged = False
        if said is not None:
            out_sources.setdefault(str(source_record_id), said)
        attributes[name] = [rule, source_record_id, value] + ([{"decided_at": when}] if when != decided_at else [])
    return {"decided_at": decided_at, "sources": out_sources, "attributes": attributes}, unchanged
