"""Value standardizers for canonical attributes. Pure functions, no Django.

Each takes what a system sent and returns the canonical value, or raises `InvalidValue` with a
message a steward can act on. Blank input is None: a blank optional attribute is normal.
"""

from __future__ import annotations

import gettext
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import pycountry
from anyascii import anyascii

from mdm import timestamps


class InvalidValue(ValueError):
    """The value cannot be turned into its canonical form."""


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fold(text: str) -> str:
    text = anyascii(text) if not text.isascii() else text
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# Names CRM users actually type that ISO lists do not carry (local names, old names, abbreviations).
_COUNTRY_ALIASES = {
    "usa": "US", "u s a": "US", "us": "US", "u s": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom": "GB",
    "deutschland": "DE", "germany": "DE", "brd": "DE",
    "holland": "NL", "the netherlands": "NL", "nederland": "NL", "netherlands": "NL",
    "france": "FR", "espana": "ES", "spain": "ES", "italia": "IT", "schweiz": "CH", "suisse": "CH",
    "svizzera": "CH", "osterreich": "AT", "oesterreich": "AT", "belgie": "BE", "belgique": "BE",
    "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI", "polska": "PL", "eire": "IE",
    "uae": "AE", "emirates": "AE", "south korea": "KR", "korea": "KR", "russia": "RU",
    "czech republic": "CZ", "czechia": "CZ", "brasil": "BR", "mexico": "MX", "turkey": "TR",
    "turkiye": "TR", "vietnam": "VN", "taiwan": "TW", "hong kong": "HK", "macau": "MO",
}


def _country_languages() -> list[str]:
    """Every language pycountry carries ISO 3166 country names in (about 160, Debian's iso-codes):
    a country's own name in its own language ("Hrvatska", "Lietuva", "Србија") is among them, not
    only the names in the languages of the firm's own offices."""
    root = Path(pycountry.LOCALES_DIR)
    return sorted(path.parent.parent.name for path in root.glob("*/LC_MESSAGES/iso3166-1.mo"))


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    """Folded name or code -> ISO alpha-2: English names and codes first, then the names in every
    language pycountry translates them to ("République française", "Allemagne", "Hrvatska"),
    leaving out a name two countries share in some language, then the aliases users type."""
    index: dict[str, str] = {}
    names = [(country, getattr(country, attr, None)) for country in pycountry.countries
             for attr in ("name", "official_name", "common_name")]
    for country, value in names:
        if value:
            index[_fold(value)] = country.alpha_2
        index[country.alpha_3.lower()] = country.alpha_2
        index[country.alpha_2.lower()] = country.alpha_2
    translated: dict[str, set[str]] = {}
    for language in _country_languages():
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for country, value in names:
            name = translation.gettext(value) if value else value
            if name and name != value:  # untranslated names are the English ones, indexed already
                translated.setdefault(_fold(name), set()).add(country.alpha_2)
    index.update({name: codes.pop() for name, codes in translated.items()
                  if name and len(codes) == 1 and name not in index})
    index.update(_COUNTRY_ALIASES)
    return index


@lru_cache(maxsize=4096)
def country(value: Any) -> str | None:
    """Country name, variant or code -> ISO 3166-1 alpha-2 ("Deutschland" -> "DE")."""
    if blank(value):
        return None
    code = _country_index().get(_fold(str(value)))
    if code is None:
        raise InvalidValue(f"unknown country {value!r}")
    return code


@lru_cache(maxsize=1)
def _currency_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "CHF": "CHF"}


def currency(value: Any) -> str | None:
    """ISO 4217 code; a few symbols are accepted. Anything else is invalid, not guessed."""
    if blank(value):
        return None
    text = str(value).strip()
    text = _CURRENCY_SYMBOLS.get(text, text).upper()
    if text not in _currency_codes():
        raise InvalidValue(f"{value!r} is not an ISO 4217 currency code")
    return text


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y",
                 "%B %d, %Y", "%Y%m%d")


def date_value(value: Any) -> str | None:
    """A calendar date -> ISO "YYYY-MM-DD". Slashes are read day-first (dd/mm/yyyy), as in most of
    the world; ISO datetimes are cut to their date."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    found = _date_text(str(value).strip())
    if found is None:
        raise InvalidValue(f"unparseable date {value!r}")
    return found


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=1 << 14)  # a load meets the same few thousand days again and again
def _date_text(text: str) -> str | None:
    if _ISO_DATE.fullmatch(text):  # the common case, without trying formats one by one
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None  # not a real day (2026-02-30); no other format reads YYYY-MM-DD
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# The shape of an ISO 8601 date and time, to tell "not ISO at all" from "not a real moment".
_ISO_MOMENT = re.compile(r"\d{4}-?\d{2}-?\d{2}(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?"
                         r"(?:Z|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE)


def timestamp(value: Any) -> datetime | None:
    """An ISO 8601 date and time -> an aware datetime (its offset kept; without one, UTC).

    "2026-13-45T00:00:00Z" and "2026-02-30T10:00:00Z" have the shape but name no moment: they are
    invalid, with the reason, like any text that is not ISO 8601."""
    if blank(value):
        return None
    try:
        moment = timestamps.moment(value)
    except ValueError as error:
        if _ISO_MOMENT.fullmatch(str(value).strip()):
            raise InvalidValue(f"{value!r} is not a real date and time ({error})") from None
        raise InvalidValue(f"{value!r} is not an ISO 8601 datetime") from None
    try:
        moment.astimezone(UTC)  # stored in UTC: it must have a UTC moment
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the last moment a datetime holds
        raise InvalidValue(f"{value!r} is out of range") from None
    return moment


def amount(value: Any) -> str | None:
    """A money amount -> plain decimal string with two places. "1.234,50 €" and "$1,234.50" both
    become "1234.50"; the last separator followed by one or two digits is the decimal point."""
    if blank(value):
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        text = re.sub(r"[^\d,.\-]", "", str(value).strip())
        if not re.search(r"\d", text):
            raise InvalidValue(f"unparseable amount {value!r}")
        match = re.search(r"[.,](\d{1,2})$", text)
        if match:
            whole, fraction = text[: match.start()], match.group(1)
        else:
            whole, fraction = text, "0"
        whole = re.sub(r"[.,]", "", whole)
        try:
            number = Decimal(f"{whole or '0'}.{fraction}")
        except InvalidOperation:
            raise InvalidValue(f"unparseable amount {value!r}") from None
    if not number.is_finite():
        raise InvalidValue(f"unparseable amount {value!r}")
    return str(number.quantize(Decimal("0.01")))


# Between two numbers in one cell; a lone "/" inside a number ("030/123 456") is not one.
_PHONE_SEPARATORS = re.compile(r"\s*(?:;|,|\||\n|\s/\s|\s+or\s+)\s*", re.IGNORECASE)
_PHONE_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extn\.?|extension)\s*\.?\s*\d{1,6}\s*$", re.IGNORECASE)


def phone(value: Any, country_code: str | None) -> str | None:
    """Phone -> E.164 ("+4930123456"), read in the record's country when it has no prefix;
    several numbers in one value -> each in E.164, separated by " / "; an extension is dropped."""
    if blank(value):
        return None
    numbers = [part for part in _PHONE_SEPARATORS.split(str(value).strip()) if part.strip()]
    return " / ".join(dict.fromkeys(_one_phone(part, country_code, value) for part in numbers))


def _one_phone(text: str, country_code: str | None, value: Any) -> str:
    text = _PHONE_EXTENSION.sub("", text.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, country_code or None)
    except phonenumbers.NumberParseException:
        raise InvalidValue(f"unparseable phone number {value!r}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(f"{value!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def email(value: Any) -> str | None:
    if blank(value):
        return None
    text = str(value).strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text):
        raise InvalidValue(f"{value!r} is not an email address")
    return text


def website(value: Any) -> str | None:
    """A web address -> its bare host ("https://www.Acme.com/about" -> "acme.com")."""
    if blank(value):
        return None
    text = str(value).strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    text = text.split("/")[0].split("?")[0].split("#")[0].split(":")[0]
    if text.startswith("www."):
        text = text[4:]
    if "." not in text or not re.match(r"^[a-z0-9.-]+$", text):
        raise InvalidValue(f"{value!r} is not a web address")
    return text


def tax_id(value: Any, country_code: str | None) -> str | None:
    """Tax id without spaces, dots or dashes, upper case, with the country's prefix removed
    ("DE 123 456 789" in DE -> "123456789"): the same id written two ways compares equal."""
    if blank(value):
        return None
    text = re.sub(r"[\s.\-/]", "", str(value)).upper()
    if country_code and text.startswith(country_code) and len(text) > len(country_code) + 1:
        text = text[len(country_code):]
    if country_code == "GB" and text.startswith("GB"):
        text = text[2:]
    if len(text) < 4 or not re.match(r"^[A-Z0-9]+$", text):
        raise InvalidValue(f"{value!r} is not a tax id")
    return text


def text(value: Any, max_length: int = 255) -> str | None:
    if blank(value):
        return None
    cleaned = " ".join(str(value).split())
    if len(cleaned) > max_length:
        raise InvalidValue(f"longer than {max_length} characters ({len(cleaned)})")
    return cleaned


def integer(value: Any) -> int | None:
    if blank(value):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidValue(f"{value!r} is not a whole number") from None


def choice(value: Any, choices: dict[str, str]) -> str | None:
    """Match a picklist value against canonical choices; `choices` maps folded variants to codes."""
    if blank(value):
        return None
    code = choices.get(_fold(str(value)))
    if code is None:
        allowed = sorted(set(choices.values()))
        raise InvalidValue(f"unknown value {value!r}; expected one of {', '.join(allowed)}")
    return code
