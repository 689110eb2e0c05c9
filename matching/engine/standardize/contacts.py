"""Phones, emails and web domains.

A record may carry several phone numbers in one cell ("+49 30 1234567 / +49 171 2345678"): each
becomes an E.164 item. A firm's web domain and the domain of its emails are the same evidence, so
`domains` gathers both; the domains of free mail providers say nothing about who the sender is
and never count.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from .text import CACHE_SIZE, ITEM_SEPARATOR, is_missing, items, joined

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Between two numbers in one cell; a lone "/" or "-" inside a number ("030/123 456") is not one.
_PHONE_SEPARATORS = re.compile(r"\s*(?:;|,|\||\n|\s/\s|\s+or\s+|\s+oder\s+|\s+ou\s+|\s+o\s+)\s*", re.IGNORECASE)
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extn\.?|extension|durchwahl|dw|poste)\s*\.?\s*\d{1,6}\s*$|#\d{1,6}\s*$",
                        re.IGNORECASE)


def phone(value, country: str | None = None) -> str | None:
    """E.164 ('+14155550123') using the record's country for national numbers; several numbers
    in one value become several items; digits when a number cannot be parsed."""
    if is_missing(value):
        return None
    return _phones(str(value).strip(), country or None)


@lru_cache(maxsize=CACHE_SIZE)
def _phones(text: str, country: str | None) -> str | None:
    if ITEM_SEPARATOR in text:
        parts = items(text)
    else:
        parts = [p for p in _PHONE_SEPARATORS.split(text) if p.strip()]
        parts = [piece for part in parts for piece in _slashed(part)]
    return joined(_one_phone(part, country) for part in parts)


def _slashed(text: str) -> list[str]:
    """'+49 30 1234567/+49 171 2345678' is two numbers; '030/1234567' is one."""
    pieces = text.split("/")
    if len(pieces) > 1 and all(len(re.sub(r"\D", "", piece)) >= 7 for piece in pieces):
        return pieces
    return [text]


def _one_phone(text: str, country: str | None) -> str | None:
    if _E164.fullmatch(text):
        # Already E.164 (as the hub stores phones): parsing and formatting would give it back as is.
        return text
    text = _EXTENSION.sub("", text).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
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
    text = re.split(r"[;,\s]+", text)[0]  # the first of several addresses
    return text if "@" in text else None


# Mail providers anyone can sign up to: two firms' addresses there say nothing about either.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it",
    "yahoo.co.in", "yahoo.com.au", "ymail.com", "rocketmail.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr",
    "hotmail.de", "hotmail.es", "hotmail.it", "outlook.com", "outlook.de", "outlook.fr", "live.com", "live.co.uk",
    "live.fr", "live.de", "msn.com", "aol.com", "aol.de", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net",
    "gmx.at", "gmx.ch", "gmx.com", "web.de", "t-online.de", "freenet.de", "arcor.de", "posteo.de", "mail.de",
    "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "neuf.fr", "libero.it", "virgilio.it",
    "tiscali.it", "alice.it", "tin.it", "terra.es", "telefonica.net", "ziggo.nl", "kpnmail.nl", "hetnet.nl",
    "planet.nl", "home.nl", "xs4all.nl", "telenet.be", "skynet.be", "bluewin.ch", "sunrise.ch", "chello.at",
    "btinternet.com", "sky.com", "virginmedia.com", "ntlworld.com", "talktalk.net", "blueyonder.co.uk",
    "bigpond.com", "bigpond.net.au", "optusnet.com.au", "rediffmail.com", "protonmail.com", "proton.me",
    "pm.me", "tutanota.com", "zoho.com", "zohomail.com", "mail.com", "email.com", "usa.com", "yandex.ru",
    "yandex.com", "mail.ru", "rambler.ru", "qq.com", "163.com", "126.com", "sina.com", "naver.com",
    "hanmail.net", "seznam.cz", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "comcast.net", "verizon.net",
    "att.net", "sbcglobal.net", "cox.net", "charter.net", "earthlink.net", "shaw.ca", "rogers.com",
    "sympatico.ca", "videotron.ca", "telus.net", "uol.com.br", "bol.com.br", "terra.com.br", "hushmail.com",
    "fastmail.com", "gmx.fr", "sapo.pt", "iol.pt", "eircom.net",
})


def is_free_mail(domain: str | None) -> bool:
    return bool(domain) and domain in FREE_MAIL_DOMAINS


# Second levels under which a country code registers names (acme.co.uk, acme.com.au).
_SECOND_LEVELS = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "gv", "ltd", "plc", "nic", "gen"}


def web_domain(value) -> str | None:
    """'https://www.Acme.com/contact?x=1' -> 'acme.com' (the registered name: 'shop.acme.co.uk' ->
    'acme.co.uk'). An email address gives its domain."""
    if is_missing(value):
        return None
    return _web_domain(str(value).strip().lower())


@lru_cache(maxsize=CACHE_SIZE)
def _web_domain(text: str) -> str | None:
    if "@" in text and "//" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.split(r"[/?#:\s]", text, maxsplit=1)[0].strip(".")
    labels = [label for label in text.split(".") if label]
    if len(labels) < 2:
        return None
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVELS else 2
    return ".".join(labels[-keep:])


def domains(website, email_address=None) -> str | None:
    """The firm's own domains: its web site's and its emails' (free mail left out), as items."""
    found = []
    for value in (website, email_address):
        if is_missing(value):
            continue
        for part in (items(value) if ITEM_SEPARATOR in str(value) else re.split(r"[;,\s]+", str(value))):
            domain = web_domain(part)
            if domain and not is_free_mail(domain):
                found.append(domain)
    return joined(found)
