"""Standardizers: one function per attribute kind, value in, comparable value (or None) out.

Every standardizer is idempotent (standardizing a standardized value changes nothing), so the hub
may store standardized values and pass them back in. Results are cached because the same golden
values come back again and again as match candidates.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

import phonenumbers

_CACHE = 200_000


def is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def fold(value) -> str | None:
    """Lower case, accents removed (ß -> ss), punctuation to spaces, single spaces."""
    if is_missing(value):
        return None
    return _fold(str(value))


@lru_cache(maxsize=_CACHE)
def _fold(text: str) -> str | None:
    text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    text = text.replace("&", " and ")
    # Dots inside abbreviations (B.V., L.L.C.) vanish; other punctuation separates words.
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split()) or None


# --- company names -------------------------------------------------------------------------------

# Legal forms by country; a name's trailing legal form is dropped. "" holds the forms used
# everywhere. When the country is unknown every form is tried.
LEGAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "": ("inc", "incorporated", "corp", "corporation", "llc", "ltd", "limited", "plc", "co", "company",
         "lp", "llp", "sa"),
    "US": ("pc", "pllc", "lllp"),
    "GB": ("cic",),
    "DE": ("gmbh", "ag", "kg", "ohg", "ug", "gmbh and co kg", "gmbh co kg", "ev", "se"),
    "AT": ("gmbh", "ag", "kg"),
    "CH": ("gmbh", "ag", "sa", "sarl"),
    "FR": ("sas", "sasu", "sarl", "sa", "sca", "snc", "eurl"),
    "BE": ("bv", "nv", "sprl", "srl", "sa"),
    "NL": ("bv", "nv", "vof"),
    "LU": ("sarl", "sa"),
    "IT": ("spa", "srl", "sas", "snc"),
    "ES": ("sl", "sa", "slu"),
    "AU": ("pty ltd", "pty limited", "pty"),
    "NZ": ("ltd",),
    "IN": ("pvt ltd", "private limited", "pvt", "llp"),
    "SE": ("ab",),
    "NO": ("as", "asa"),
    "DK": ("as", "aps"),
    "FI": ("oy", "oyj"),
    "JP": ("kk",),
}
_ALL_SUFFIXES = tuple(sorted({s for forms in LEGAL_SUFFIXES.values() for s in forms}, key=len, reverse=True))

# Words written many ways; each variant maps to one spelling so "Acme Intl Svcs" == "Acme International Services".
COMPANY_WORDS = {
    "intl": "international", "int": "international", "internat": "international",
    "svcs": "services", "svc": "services", "srvcs": "services", "service": "services",
    "mgmt": "management", "mgt": "management",
    "tech": "technology", "techn": "technology", "technologies": "technology", "technol": "technology",
    "grp": "group", "bros": "brothers", "mfg": "manufacturing", "assoc": "associates",
    "natl": "national", "sys": "systems", "system": "systems", "ind": "industries", "inds": "industries",
    "hldgs": "holdings", "hldg": "holdings", "holding": "holdings", "dept": "department",
    "labs": "laboratories", "lab": "laboratories", "sol": "solutions", "solns": "solutions",
    "dev": "development", "eng": "engineering", "engg": "engineering", "ctr": "center", "centre": "center",
    "univ": "university", "assn": "association", "cos": "companies", "and": "and", "et": "and", "und": "and",
}


def company_name(value, country: str | None = None) -> str | None:
    """'The ACME Intl. Svcs, Inc.' -> 'acme international services'."""
    text = fold(value)
    return None if text is None else _company_name(text, country or "")


@lru_cache(maxsize=_CACHE)
def _company_name(text: str, country: str) -> str | None:
    words = [COMPANY_WORDS.get(word, word) for word in text.split()]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    forms = (LEGAL_SUFFIXES[""] + LEGAL_SUFFIXES.get(country, ())) if country in LEGAL_SUFFIXES else _ALL_SUFFIXES
    forms = tuple(sorted(forms, key=len, reverse=True))
    stripped = True
    while stripped and len(words) > 1:  # a name made only of a legal form keeps it
        stripped = False
        tail = " ".join(words)
        for form in forms:
            if tail.endswith(" " + form):
                words = words[: len(words) - len(form.split())]
                stripped = True
                break
    return " ".join(words) or None


# --- person names --------------------------------------------------------------------------------

_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx", "jr", "sr", "ii", "iii"}

NICKNAMES = {
    "bill": "william", "will": "william", "billy": "william", "liam": "william",
    "bob": "robert", "rob": "robert", "bobby": "robert", "robbie": "robert", "bert": "robert",
    "dick": "richard", "rick": "richard", "rich": "richard", "ricky": "richard",
    "jim": "james", "jimmy": "james", "jamie": "james",
    "mike": "michael", "mick": "michael", "mikey": "michael",
    "tom": "thomas", "tommy": "thomas", "dave": "david", "davy": "david",
    "joe": "joseph", "joey": "joseph", "jack": "john", "johnny": "john", "jon": "john",
    "chris": "christopher", "kit": "christopher", "dan": "daniel", "danny": "daniel",
    "matt": "matthew", "tony": "anthony", "steve": "stephen", "steven": "stephen",
    "alex": "alexander", "sandy": "alexander", "andy": "andrew", "drew": "andrew",
    "ed": "edward", "eddie": "edward", "ted": "edward", "ben": "benjamin", "sam": "samuel",
    "nick": "nicholas", "pete": "peter", "greg": "gregory", "charlie": "charles", "chuck": "charles",
    "fred": "frederick", "harry": "henry", "hank": "henry", "larry": "lawrence", "jerry": "gerald",
    "ken": "kenneth", "kenny": "kenneth", "ron": "ronald", "don": "donald", "tim": "timothy",
    "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth",
    "kate": "katherine", "katie": "katherine", "kathy": "katherine", "cathy": "katherine", "catherine": "katherine",
    "kathryn": "katherine", "peggy": "margaret", "maggie": "margaret", "meg": "margaret",
    "sue": "susan", "susie": "susan", "jen": "jennifer", "jenny": "jennifer", "patty": "patricia",
    "pat": "patricia", "trish": "patricia", "becky": "rebecca", "abby": "abigail", "mandy": "amanda",
    "debbie": "deborah", "deb": "deborah", "vicky": "victoria", "jess": "jessica", "jo": "joanne",
    "annie": "anne", "ann": "anne", "nancy": "anne", "molly": "mary", "polly": "mary",
}


def person_name(value, nicknames: bool = True) -> str | None:
    """'Dr. José  Smith-Jones' -> 'jose smith jones'; nicknames mapped to the formal given name."""
    text = fold(value)
    return None if text is None else _person_name(text, nicknames)


@lru_cache(maxsize=_CACHE)
def _person_name(text: str, nicknames: bool) -> str | None:
    words = [w for w in text.split() if w not in _TITLES] or text.split()
    if nicknames:
        words = [NICKNAMES.get(w, w) for w in words]
    return " ".join(words) or None


# --- street addresses ----------------------------------------------------------------------------

STREET_WORDS = {
    "st": "street", "str": "strasse", "strase": "strasse", "ave": "avenue", "av": "avenue", "avn": "avenue",
    "rd": "road", "blvd": "boulevard", "bd": "boulevard", "dr": "drive", "drv": "drive", "ln": "lane",
    "ct": "court", "crt": "court", "pl": "place", "plc": "place", "hwy": "highway", "pkwy": "parkway",
    "sq": "square", "tce": "terrace", "ter": "terrace", "cres": "crescent", "cct": "circuit",
    "cl": "close", "pde": "parade", "esp": "esplanade", "wy": "way", "gr": "grove", "hts": "heights",
    "mt": "mount", "ste": "suite", "fl": "floor", "apt": "apartment", "bldg": "building",
    "n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest",
    "se": "southeast", "sw": "southwest", "r": "rue", "pza": "plaza", "co": "county",
    "pobox": "po box", "p o box": "po box",
}


def street_address(value) -> str | None:
    """'12 Main St.' -> '12 main street'; 'Hauptstr. 5' -> 'hauptstrasse 5'."""
    text = fold(value)
    return None if text is None else _street_address(text)


@lru_cache(maxsize=_CACHE)
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


def city(value) -> str | None:
    text = fold(value)
    if text is None:
        return None
    words = ["saint" if w in ("st", "ste") else w for w in text.split()]
    return " ".join(words)


def postal_code(value, country: str | None = None) -> str | None:
    """Spaces and dashes removed, upper case; US ZIP+4 kept to the five-digit ZIP."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    if country == "US" and len(text) == 9 and text.isdigit():
        text = text[:5]
    return text or None


# --- contact points ------------------------------------------------------------------------------

def phone(value, country: str | None = None) -> str | None:
    """E.164 ('+14155550123') using the record's country for national numbers; digits if unparseable."""
    if is_missing(value):
        return None
    return _phone(str(value).strip(), country or None)


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@lru_cache(maxsize=_CACHE)
def _phone(text: str, country: str | None) -> str | None:
    if _E164.fullmatch(text):
        # Already E.164 (as the hub stores phones): parsing and formatting would give it back as is.
        return text
    try:
        number = phonenumbers.parse(text, country)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    digits = re.sub(r"\D", "", text)
    return ("+" + digits if text.startswith("+") else digits) or None


def email(value) -> str | None:
    """Lower case, 'mailto:' and surrounding brackets removed."""
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    text = re.sub(r"^mailto:", "", text).strip("<> ")
    return text if "@" in text else None


def web_domain(value) -> str | None:
    """'https://www.Acme.com/contact?x=1' -> 'acme.com'. An email address gives its domain."""
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    if "@" in text and "//" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.split(r"[/?#:]", text, maxsplit=1)[0]
    text = re.sub(r"^www\d?\.", "", text).strip(".")
    return text if "." in text else None


# --- identifiers ---------------------------------------------------------------------------------

# VAT prefixes that differ from the ISO code.
_VAT_PREFIX = {"GR": "EL"}


def tax_id(value, country: str | None = None) -> str | None:
    """'DE 123-456-789' (country DE) -> '123456789': separators and the country's own prefix removed."""
    if is_missing(value):
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    if country:
        for prefix in (country.upper(), _VAT_PREFIX.get(country.upper(), "")):
            if prefix and text.startswith(prefix) and len(text) > len(prefix) + 3:
                text = text[len(prefix):]
                break
    return text or None


@lru_cache(maxsize=_CACHE)
def tax_id_is_valid(value) -> bool:
    """A plausible identifier: at least five characters, some digits, not one repeated character."""
    return bool(value) and len(value) >= 5 and any(c.isdigit() for c in value) and len(set(value)) > 1


def code(value) -> str | None:
    """Business codes and numbers: upper case, no separators ('ct-2024/001' -> 'CT2024001')."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    return text or None


_COUNTRIES = {
    "united states": "US", "usa": "US", "united states of america": "US", "us": "US", "america": "US",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "germany": "DE", "deutschland": "DE", "france": "FR", "netherlands": "NL", "the netherlands": "NL",
    "holland": "NL", "nederland": "NL", "belgium": "BE", "belgique": "BE", "switzerland": "CH",
    "schweiz": "CH", "suisse": "CH", "austria": "AT", "osterreich": "AT", "italy": "IT", "italia": "IT",
    "spain": "ES", "espana": "ES", "australia": "AU", "new zealand": "NZ", "india": "IN",
    "canada": "CA", "ireland": "IE", "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI",
    "japan": "JP", "china": "CN", "brazil": "BR", "mexico": "MX", "luxembourg": "LU", "portugal": "PT",
    "poland": "PL", "greece": "GR", "singapore": "SG",
}


def country(value) -> str | None:
    """ISO 3166 alpha-2 code from a code or a common name ('Deutschland' -> 'DE')."""
    text = fold(value)
    if text is None:
        return None
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _COUNTRIES.get(text, text.upper())


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
)


def date(value) -> str | None:
    """ISO 'YYYY-MM-DD' from ISO, compact 'YYYYMMDD' or day-first 'DD/MM/YYYY'; else the digits."""
    if is_missing(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    text = str(value).strip()
    if re.fullmatch(r"\d{8}(\.0)?", text):
        text = text[:8]
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    for pattern, order in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            parts = dict(zip(order, found.groups(), strict=False))
            return f"{int(parts['y']):04d}-{int(parts['m']):02d}-{int(parts['d']):02d}"
    return re.sub(r"\D", "", text) or None


def text(value) -> str | None:
    """Free text (titles, descriptions): folded."""
    return fold(value)


def exact(value) -> str | None:
    """Values compared as they are, apart from surrounding spaces (ids, golden references)."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
