"""Tax ids, by the root their family shares.

One company's identifiers come in families: a French SIREN (9 digits) is inside its SIRET (SIREN
+ 5) and its VAT number (FR + 2 check characters + SIREN); an Indian PAN inside the GSTIN (state
code + PAN + 3); an Australian ACN inside the ABN (2 check digits + ACN); a Canadian business
number before its program account (123456789 RT0001); a Brazilian CNPJ's 8-digit root before its
branch (/0001, /0002) and check digits. Each is standardized to that root, so the
VAT number in the ERP and the registry number in the CRM compare equal. Labels ("EIN:", "VAT No.")
and separators are dropped, and the record's own country prefix.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import CACHE_SIZE, is_missing

# VAT prefixes that differ from the ISO code.
_VAT_PREFIX = {"GR": "EL", "CH": "CHE"}


def tax_id(value, country: str | None = None) -> str | None:
    """'DE 123-456.789' (country DE) -> '123456789'; 'FR 40 123456789' and SIRET '12345678900017'
    (country FR) -> '123456789'."""
    if is_missing(value):
        return None
    return _tax_id(str(value), (country or "").upper())


@lru_cache(maxsize=CACHE_SIZE)
def _tax_id(text: str, country: str) -> str | None:
    text = _without_labels(text)
    text = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    for prefix in (_VAT_PREFIX.get(country, ""), country):
        if prefix and text.startswith(prefix) and len(text) > len(prefix) + 3:
            text = text[len(prefix):]
            break
    root = _ROOTS.get(country)
    return (root(text) if root else None) or text or None


# Words that name an identifier rather than being part of it.
_LABELS = re.compile(r"^(?:(?:ein|fein|vat|tva|btw|iva|p\s?iva|partita|tax|taxid|tin|id|no|nr|number|num|reg|"
                     r"registration|ust|ust\s?id|ustidnr|ust\s?idnr|idnr|uid|mwst|gst|gstin|abn|acn|bn|nif|cif|nie|"
                     r"siren|siret|vat\s?id|vat\s?no|code|de\s?la|kvk|crn|company|#)[\s.:#-]*)+",
                     re.IGNORECASE)


def _without_labels(text: str) -> str:
    """'EIN: 12-3456789' -> '12-3456789', 'VAT No. GB123 4567 89' -> 'GB123 4567 89'; an id's own
    letters ('HRB 12345', 'B12345678') stay. Trailing words without digits ('… MWST') go too."""
    text = _LABELS.sub("", text.strip())
    words = text.split()
    while len(words) > 1 and not any(c.isdigit() for c in words[-1]):
        words.pop()
    return " ".join(words)


def _digits_root(lengths: dict[int, slice]):
    """A root by the length of an all-digit id: {14: slice(0, 9)} takes a SIRET's SIREN."""
    def root(text: str) -> str | None:
        if text.isdigit() and len(text) in lengths:
            return text[lengths[len(text)]]
        return None
    return root


def _fr(text: str) -> str | None:
    # TVA: 2 check characters (digits or letters) + SIREN; SIRET: SIREN + 5 digits.
    if len(text) == 11 and text[2:].isdigit():
        return text[2:]
    return _digits_root({14: slice(0, 9), 9: slice(0, 9)})(text)


def _in(text: str) -> str | None:
    # GSTIN: 2-digit state code + PAN (5 letters, 4 digits, 1 letter) + 3 characters.
    if len(text) == 15 and text[:2].isdigit() and re.fullmatch(r"[A-Z]{5}\d{4}[A-Z]", text[2:12]):
        return text[2:12]
    return None


def _nl(text: str) -> str | None:
    found = re.fullmatch(r"(\d{9})B\d{2}", text)  # BTW: RSIN + B + 2 digits
    return found.group(1) if found else None


def _be(text: str) -> str | None:
    return "0" + text if text.isdigit() and len(text) == 9 else None  # the enterprise number's leading 0


def _gb(text: str) -> str | None:
    return text[:9] if text.isdigit() and len(text) == 12 else None  # a VAT branch suffix


def _br(text: str) -> str | None:
    return text[:8] if text.isdigit() and len(text) == 14 else None  # CNPJ: 8-digit root + branch + check digits


def _at(text: str) -> str | None:
    return text[1:] if re.fullmatch(r"U\d{8}", text) else None  # ATU + 8 digits


_ROOTS = {
    "FR": _fr, "IN": _in, "NL": _nl, "BE": _be, "GB": _gb, "AT": _at, "BR": _br,
    "AU": _digits_root({11: slice(2, 11)}),  # ABN: 2 check digits + ACN
    "CA": lambda text: text[:9] if re.fullmatch(r"\d{9}[A-Z]{2}\d{4}", text) else None,  # BN + program account
}


@lru_cache(maxsize=CACHE_SIZE)
def tax_id_is_valid(value) -> bool:
    """A plausible identifier: at least five characters, some digits, not one repeated character."""
    return bool(value) and len(value) >= 5 and any(c.isdigit() for c in value) and len(set(value)) > 1


def same_kind_of_id(a: str, b: str) -> bool:
    """Whether two standardized ids are of one kind (same length, letters and digits in the same
    places): only then do they contradict each other. A DE VAT number and a commercial register
    number are two identifiers of one firm, not a conflict."""
    return len(a) == len(b) and all(x.isdigit() == y.isdigit() for x, y in zip(a, b, strict=True))
