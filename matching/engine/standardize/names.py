"""Company and person names.

A company name standardizes to one or more *variants* (items): the name itself and the other
names the same text gives for the firm — a trading name after "t/a" or "DBA", a name in
parentheses, a former name after "formerly". Decorations that systems add to a name (an office,
"(Billing)", "DO NOT USE", "c/o …") are taken off first; then each variant is folded, legal forms
are dropped and common abbreviations are spelled one way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import CACHE_SIZE, ITEM_SEPARATOR, fold, is_missing, items, joined

# Legal forms by country; a name's trailing legal form is dropped. "" holds the forms used
# everywhere. When the country is unknown every form is tried.
LEGAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "": ("inc", "incorporated", "corp", "corporation", "llc", "ltd", "limited", "plc", "co", "company",
         "lp", "llp", "sa", "co ltd", "co inc"),
    "US": ("pc", "pllc", "lllp"),
    "GB": ("cic",),
    "IE": ("dac", "uc", "clg"),
    "DE": ("gmbh", "ag", "kg", "ohg", "ug", "gmbh and co kg", "gmbh co kg", "ev", "se", "kgaa", "mbh", "gbr"),
    "AT": ("gmbh", "gesmbh", "ges m b h", "ag", "kg", "og", "mbh"),
    "CH": ("gmbh", "ag", "sa", "sarl", "sagl"),
    "FR": ("sas", "sasu", "sarl", "sa", "sca", "snc", "eurl", "sci"),
    "BE": ("bv", "nv", "sprl", "srl", "sa", "bvba", "cvba", "scrl"),
    "NL": ("bv", "nv", "vof", "cv"),
    "LU": ("sarl", "sa", "sca"),
    "IT": ("spa", "srl", "sas", "snc", "srls", "sapa"),
    "ES": ("sl", "sa", "slu", "sau", "sll"),
    "PT": ("lda", "sa"),
    "BR": ("ltda", "sa", "eireli", "me"),
    "MX": ("sa de cv", "s de rl de cv", "sapi de cv"),
    "AU": ("pty ltd", "pty limited", "pty"),
    "NZ": ("ltd",),
    "IN": ("pvt ltd", "private limited", "pvt", "llp", "opc"),
    "SG": ("pte ltd", "pte"),
    "SE": ("ab", "hb"),
    "NO": ("as", "asa"),
    "DK": ("as", "aps", "is"),
    "FI": ("oy", "oyj", "ab"),
    "PL": ("sp z oo", "spzoo", "sa"),
    "CZ": ("sro", "as"),
    "JP": ("kk", "gk"),
    "CA": ("ulc",),
}


_CLEANCO_SPELLINGS = {"Columbia": "Colombia", "Luxemborg": "Luxembourg", "Bosnia / Herzegovina": "BA",
                      "Russia": "RU", "Macedonia": "MK", "Turkey": "TR", "United States of America": "US"}


def _legal_forms_by_country() -> dict[str, tuple[str, ...]]:
    """LEGAL_SUFFIXES with the legal forms cleanco knows per country (its term data), folded
    as names are: 's.r.o.' -> 'sro', 'A/S' -> 'as'."""
    import pycountry
    from cleanco.termdata import terms_by_country

    forms = {country: set(terms) for country, terms in LEGAL_SUFFIXES.items()}
    for name, terms in terms_by_country.items():
        try:
            country = pycountry.countries.lookup(_CLEANCO_SPELLINGS.get(name, name)).alpha_2
        except LookupError:
            continue
        forms.setdefault(country, set()).update(f for term in terms if (f := fold(_SLASHED_FORM.sub(r"\1\2", term))))
    return {country: tuple(sorted(set(LEGAL_SUFFIXES[""]) | terms, key=len, reverse=True))
            for country, terms in forms.items()}

# Legal forms spelled out, as registries and ERPs write them: folded to their abbreviation.
LEGAL_FORMS_SPELLED = {
    "gesellschaft mit beschrankter haftung": "gmbh", "aktiengesellschaft": "ag", "kommanditgesellschaft": "kg",
    "offene handelsgesellschaft": "ohg", "eingetragener verein": "ev",
    "societe par actions simplifiee unipersonnelle": "sasu", "societe par actions simplifiee": "sas",
    "societe a responsabilite limitee": "sarl", "societe anonyme": "sa", "societe en nom collectif": "snc",
    "besloten vennootschap": "bv", "naamloze vennootschap": "nv",
    "societa per azioni": "spa", "societa a responsabilita limitata": "srl",
    "sociedad limitada": "sl", "sociedad anonima": "sa", "sociedad de responsabilidad limitada": "sl",
    "sociedade limitada": "ltda", "limitada": "ltda",
    "proprietary limited": "pty ltd", "private limited": "pvt ltd", "public limited company": "plc",
    "limited liability company": "llc", "limited liability partnership": "llp", "limited partnership": "lp",
    "aktiebolag": "ab", "aksjeselskap": "as", "osakeyhtio": "oy", "anpartsselskab": "aps",
    "spolka z ograniczona odpowiedzialnoscia": "sp z oo", "spolka z o o": "sp z oo",
    "sp z o o": "sp z oo", "pte limited": "pte ltd",
}
_LEGAL_SPELLED = re.compile(r"\b(" + "|".join(sorted(map(re.escape, LEGAL_FORMS_SPELLED), key=len, reverse=True))
                            + r")\b")

# Words written many ways; each variant maps to one spelling so "Acme Intl Svcs" == "Acme International Services".
COMPANY_WORDS = {
    "intl": "international", "int": "international", "internat": "international", "intern": "international",
    "svcs": "services", "svc": "services", "srvcs": "services", "service": "services", "servs": "services",
    "mgmt": "management", "mgt": "management", "mngmt": "management",
    "tech": "technology", "techn": "technology", "technologies": "technology", "technol": "technology",
    "grp": "group", "bros": "brothers", "bro": "brothers", "mfg": "manufacturing", "mfrs": "manufacturers",
    "assoc": "associates", "assocs": "associates", "asso": "associates", "associate": "associates",
    "natl": "national", "sys": "systems", "system": "systems",
    "ind": "industries", "inds": "industries", "indus": "industries", "industry": "industries",
    "hldgs": "holdings", "hldg": "holdings", "holding": "holdings", "dept": "department",
    "labs": "laboratories", "lab": "laboratories", "laboratory": "laboratories",
    "sol": "solutions", "solns": "solutions", "solution": "solutions",
    "dev": "development", "devt": "development", "eng": "engineering", "engg": "engineering",
    "ctr": "center", "cntr": "center", "centre": "center", "univ": "university", "assn": "association",
    "cos": "companies", "et": "and", "und": "and",
    "consultants": "consulting", "consultancy": "consulting", "consult": "consulting",
    "partner": "partners", "ptnrs": "partners", "ptrs": "partners",
    "finl": "financial", "fincl": "financial", "ins": "insurance",
    "mktg": "marketing", "comms": "communications", "communication": "communications",
    "hosp": "hospital", "med": "medical", "pharma": "pharmaceuticals", "pharm": "pharmaceuticals",
    "pharmaceutical": "pharmaceuticals", "elec": "electric", "electr": "electric",
    "constr": "construction", "distr": "distribution", "invest": "investments", "investment": "investments",
    "enterprise": "enterprises", "entp": "enterprises",
    "st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort",
}

# Marks systems put on a name that are not part of it: an office of the same customer, an
# account's purpose, a record a user retired. Only recognised when they stand apart from the name
# (after a dash, in brackets, with punctuation), so "Old Mutual" or "Office Depot" keep their words.
_MARKER_WORDS = ("office", "offices", "branch", "billing", "invoicing", "invoices", "invoice", "accounts payable",
                 "payables", "head office", "headquarters", "hq", "ap", "a p", "ar", "bill to", "ship to",
                 "sold to", "prospect", "old", "inactive", "do not use", "dnu", "duplicate", "dup", "obsolete",
                 "closed", "deleted", "not used", "archived", "legacy", "test", "division", "dept", "department",
                 "site", "location", "warehouse", "plant", "factory", "store", "outlet", "account", "main")
_MARKER = r"(?:" + "|".join(sorted(map(re.escape, _MARKER_WORDS), key=len, reverse=True)) + r")"
_BRACKETED = re.compile(r"[(\[{<]([^)\]}>]*)[)\]}>]")
# The parts of a bracket or a dashed tail that say "a mark, not a name".
_MARKER_TEXT = re.compile(rf"^\W*(?:\w+\s+){{0,3}}?{_MARKER}(?:\s+\w+){{0,3}}\W*$|^\W*{_MARKER}\b.*$", re.IGNORECASE)
_LEADING_MARK = re.compile(rf"^\s*(?:z{{2,}}|x{{2,}}|\*+\s*{_MARKER}\s*\*+|{_MARKER}\s*[-:*/]+|do not use\b|dnu\b)\W*",
                           re.IGNORECASE)
_CARE_OF = re.compile(r"\s*(?:\bc/o\b|\bc\.o\.|\battn\b\.?:?|\battention\b:?|\bz\.\s?hd\.?|\bto the attention of\b).*$",
                      re.IGNORECASE)
_NUMBERED_MARK = re.compile(r"\s*(?:[-,#]\s*)?\b(?:branch|office|filiale|agence)\.?\s*(?:no\.?|nr\.?|#)?\s*\d+\s*$",
                            re.IGNORECASE)
_RETIRED = re.compile(r"\b(?:do not use|dnu|not in use|please use\b.*)\b", re.IGNORECASE)
# A/S, S/A, I/S: legal forms written with a slash, at a name's end ("t/a" and "c/o" inside are not).
_SLASHED_FORM = re.compile(r"\b([A-Za-z])/([A-Za-z])\b(?=\W*$)")
_DASHED_TAIL = re.compile(r"\s+[-–—:/|]+\s+(.*)$")
# The other names a text gives for one firm: "Legal Ltd t/a Trading", "Legal DBA Trading", "formerly Old Name".
_ALSO_KNOWN_AS = re.compile(r"\s+(?:t/a|t\.a\.|d/b/a|d\.b\.a\.?|dba|trading as|trading under|aka|a\.k\.a\.?|"
                            r"also known as|formerly known as|formerly|fka|f/k/a|vormals|ehemals|anciennement)\s+", re.IGNORECASE)


_SUFFIXES_BY_COUNTRY = _legal_forms_by_country()
_ALL_SUFFIXES = tuple(sorted({s for forms in _SUFFIXES_BY_COUNTRY.values() for s in forms}, key=len, reverse=True))


def company_name(value, country: str | None = None) -> str | None:
    """'The ACME Intl. Svcs, Inc.' -> 'acme international services'; 'Legal Ltd t/a Trade' ->
    'legal|trade' (its variants, as items)."""
    if is_missing(value):
        return None
    return _company_name(str(value), country or "")


@lru_cache(maxsize=CACHE_SIZE)
def _company_name(text: str, country: str) -> str | None:
    if ITEM_SEPARATOR in text:  # standardized already: its variants, each standardized again
        return joined(_variant(part, country) for part in items(text))
    variants = [_variant(part, country) for part in name_variants(text)]
    return joined(variants) or joined([_variant(text, country)])


def name_variants(text: str) -> list[str]:
    """The names a raw name text gives, decorations taken off, the name itself first."""
    text = undecorated(text)
    found = []
    for part in _ALSO_KNOWN_AS.split(text):
        # A name in brackets ("Trading (Legal Name GmbH)") is a variant of its own; a single word
        # ("(UK)", "(Europe)") stays part of the name, or any two "(Europe)"s would be one firm.
        named = [m.group(1) for m in _BRACKETED.finditer(part) if len(m.group(1).split()) > 1]
        found.append(_BRACKETED.sub(lambda m: " " if len(m.group(1).split()) > 1 else f" {m.group(1)} ", part))
        found.extend(named)
    return [undecorated(part) for part in found if part.strip()]


def undecorated(text: str) -> str:
    """A raw name without the marks systems add to it (see _MARKER_WORDS)."""
    text = _CARE_OF.sub("", text)
    text = _RETIRED.sub(" ", text)
    text = _SLASHED_FORM.sub(r"\1\2", text)
    text = _LEADING_MARK.sub("", text)
    text = _BRACKETED.sub(lambda m: " " if _MARKER_TEXT.match(m.group(1)) else m.group(0), text)
    tail = _DASHED_TAIL.search(text)
    if tail and _MARKER_TEXT.match(tail.group(1)):
        text = text[:tail.start()]
    text = _NUMBERED_MARK.sub("", text)
    return text.strip(" -–—,;:*") or text


def _variant(text: str, country: str) -> str | None:
    folded = fold(text)
    return None if folded is None else _standard_words(folded, country)


@lru_cache(maxsize=CACHE_SIZE)
def _standard_words(folded: str, country: str) -> str | None:
    folded = _LEGAL_SPELLED.sub(lambda m: LEGAL_FORMS_SPELLED[m.group(1)], folded)
    words = _letters_joined(folded.split())
    words = [COMPANY_WORDS.get(word, word) for word in words]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[-1] == "the":  # "Apple Pan, The"
        words = words[:-1]
    forms = _SUFFIXES_BY_COUNTRY.get(country, _ALL_SUFFIXES) if country else _ALL_SUFFIXES
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


def _letters_joined(words: list[str]) -> list[str]:
    """A name's last letters written apart joined ('a s' -> 'as', 'g m b h' -> 'gmbh'): legal
    forms typed with spaces between their dotted letters."""
    end = len(words)
    start = end
    while start > 0 and len(words[start - 1]) == 1:
        start -= 1
    if end - start >= 2:
        return words[:start] + ["".join(words[start:])]
    return words


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


@lru_cache(maxsize=CACHE_SIZE)
def _person_name(text: str, nicknames: bool) -> str | None:
    words = [w for w in text.split() if w not in _TITLES] or text.split()
    if nicknames:
        words = [NICKNAMES.get(w, w) for w in words]
    return " ".join(words) or None
