"""Standardizers: one function per attribute kind, value in, comparable value (or None) out.

Every standardizer is idempotent (standardizing a standardized value changes nothing), so the hub
may store standardized values and pass them back in. Results are cached because the same golden
values come back again and again as match candidates. A value may hold several items (see
text.ITEM_SEPARATOR): a name's variants, a record's phone numbers, a firm's domains.
"""

from .contacts import FREE_MAIL_DOMAINS, domains, email, is_free_mail, phone, web_domain
from .identifiers import same_kind_of_id, tax_id, tax_id_is_valid
from .names import COMPANY_WORDS, LEGAL_SUFFIXES, NICKNAMES, company_name, name_variants, person_name, undecorated
from .places import STREET_WORDS, city, country, postal_code, street_address
from .text import ITEM_SEPARATOR, fold, is_missing, items, joined
from .values import code, date, exact, text

__all__ = [
    "COMPANY_WORDS", "FREE_MAIL_DOMAINS", "ITEM_SEPARATOR", "LEGAL_SUFFIXES", "NICKNAMES", "STREET_WORDS", "city",
    "code", "company_name", "country", "date", "domains", "email", "exact", "fold", "is_free_mail", "is_missing",
    "items", "joined", "name_variants", "person_name", "phone", "postal_code", "same_kind_of_id", "street_address",
    "tax_id", "tax_id_is_valid", "text", "undecorated", "web_domain",
]
