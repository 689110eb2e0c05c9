"""Schemas: which fields a domain compares, how, and how candidates are found.

A schema is plain data. The hub picks one per domain (`SCHEMAS["customer"]`); benchmarks and
other domains build their own from the same three pieces: `Field`, `BlockingRule`, `IdentityRule`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .comparisons import KINDS
from .standardize import items as items_of
from .standardize import joined


@dataclass(frozen=True)
class Field:
    """One attribute: its comparison kind (see comparisons.KINDS) and whether it is scored.
    `also`: other inputs holding more values of this one (a trading name beside the name, the
    domain of an email beside the web site): standardized alike and kept as further items.
    `implied_by`: see below."""

    name: str
    kind: str
    compare: bool = True  # False: standardized for blocking, rules or context only
    swap_with: str | None = None  # values often entered in this other field (given name / surname)
    also: tuple[str, ...] = ()
    # Finer fields whose exact agreement implies this one's (a city or postal code lies in one
    # country): this field's agreement then counts nothing more (scoring._count_implied_once).
    implied_by: tuple[str, ...] = ()
    # The same, only for two records of one organisation (at one site or sharing a family field,
    # Site): there a shared city or postal code already places both, and the country adds nothing.
    implied_at_site: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown comparison kind {self.kind!r} for field {self.name!r}")


@dataclass(frozen=True)
class BlockingRule:
    """Records sharing this key become candidates. Parts are (field, transform) pairs, see
    blocking.TRANSFORMS; a record missing any part has no key for the rule."""

    name: str
    parts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class IdentityRule:
    """A deterministic override of the model: the same identifier (within the same `within`
    value, e.g. country) is a match; two different valid identifiers are a non-match when
    `conflict_is_non_match` (tax ids: yes; CRM and ERP contract numbers: no)."""

    field: str
    within: str | None = None
    conflict_is_non_match: bool = True


@dataclass(frozen=True)
class Site:
    """Fields that each place a record at a site (a street line, a switchboard's phone), and the
    places a site lies in (city, postal code, country). Two records agreeing exactly on every
    site field are at one site: that is one fact seen twice, and the places' spelling then says
    nothing about whether they are one firm (scoring._count_the_site_once); for two records of
    one system there whose names share words, short of very similar (a site's siblings), their
    agreement says nothing either (scoring._place_siblings_at_site_once).

    `names`: the fields that tell neighbours apart. Two firms at one address or phone (a parent
    and its subsidiary, a hotel's restaurants) have names far more alike than two random firms;
    where the data holds enough such pairs that an identity rule parts, a name's u at a site is
    learned from them (model.site_u).

    `family`: fields a firm shares with the firms of its family wherever they sit (a web
    domain). Agreeing exactly on one puts two records in one organisation: their names are weighed
    as at one site (and the pairs an identity rule parts there teach site_u), but the field is
    not counted once with the street line and the phone."""

    fields: tuple[str, ...]
    places: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    family: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    name: str
    fields: tuple[Field, ...]
    blocking: tuple[BlockingRule, ...]
    identity_rules: tuple[IdentityRule, ...] = ()
    id_field: str = "id"
    country_field: str | None = None  # gives phone, tax id, postal code and legal forms their country
    max_block_size: int = 500  # keys shared by more records than this are too common to block on
    site: Site | None = None

    @property
    def compared(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.compare)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every attribute a record may bring: the fields and what they take `also`."""
        return tuple(dict.fromkeys([f.name for f in self.fields] + [a for f in self.fields for a in f.also]))


def _standard_value(f: Field, record: dict, country):
    standardize = KINDS[f.kind].standardize
    value = standardize(record.get(f.name), country)
    extra = [standardize(record.get(name), country) for name in f.also if record.get(name)]
    if not extra:
        return value
    return joined(item for part in (value, *extra) for item in items_of(part))


def standardize_record(schema: Schema, record: dict) -> dict:
    """The record's schema fields, standardized (None when missing); the id is kept as given."""
    country = None
    if schema.country_field:
        country = KINDS[schema.field(schema.country_field).kind].standardize(record.get(schema.country_field))
    out = {schema.id_field: record.get(schema.id_field)}
    for f in schema.fields:
        out[f.name] = _standard_value(f, record, country)
    return out


def standardize_fields(schema: Schema, standardized: dict, record: dict, names) -> dict | None:
    """standardize_record(schema, record) for a record whose fields other than `names` are
    `standardized` already (a contract once its customer reference is resolved); None when the
    country is among `names`: every field may read it."""
    if schema.country_field in names:
        return None
    country = standardized.get(schema.country_field) if schema.country_field else None
    out = dict(standardized)
    out[schema.id_field] = record.get(schema.id_field)
    names = set(names)
    for f in schema.fields:
        if f.name in names or names.intersection(f.also):
            out[f.name] = _standard_value(f, record, country)
    return out


def standardize_columns(schema: Schema, columns: dict[str, list]) -> dict[str, np.ndarray]:
    """Column-wise standardization of many records (same result as standardize_record per row)."""
    n = len(next(iter(columns.values()))) if columns else 0
    missing = [None] * n
    countries = [None] * n
    if schema.country_field:
        kind = KINDS[schema.field(schema.country_field).kind]
        countries = [kind.standardize(v) for v in columns.get(schema.country_field, missing)]
    out = {schema.id_field: np.asarray(columns.get(schema.id_field, list(range(n))), dtype=object)}
    for f in schema.fields:
        if f.also:
            inputs = [f.name, *f.also]
            rows = zip(*(columns.get(name, missing) for name in inputs), countries, strict=False)
            values = (_standard_value(f, dict(zip(inputs, row, strict=False)), row[-1]) for row in rows)
        else:
            standardize = KINDS[f.kind].standardize
            values = (standardize(v, c) for v, c in zip(columns.get(f.name, missing), countries, strict=False))
        out[f.name] = np.fromiter(values, dtype=object, count=n)
    return out


# --- the hub's domains ---------------------------------------------------------------------------

CUSTOMER = Schema(
    name="customer",
    fields=(
        Field("name", "company_name", also=("trading_name",)),
        Field("tax_id", "tax_id"),
        # No `implied_by` on country and city: counting them once where the postal code agrees
        # took the holdout from 0.9666 to 0.9743 but left the demo's CRM prospects (a slip in the
        # name, same city and postal code, another phone) unreviewed, 15 review pairs to none —
        # it does not hold on every data set (docs/benchmarks.md, "Evidence counted once").
        # Within one organisation (one site or one web domain) the country is implied by a shared
        # city or postal code: a parent and its subsidiary gained it on top (docs/benchmarks.md,
        # "One organisation").
        Field("country", "country", implied_at_site=("city", "postal_code")),
        Field("city", "city"),
        Field("postal_code", "postal_code"),
        Field("address_line1", "address"),
        Field("phone", "phone"),
        Field("email", "email"),
        Field("website", "domain", also=("email",)),
    ),
    blocking=(
        BlockingRule("tax", (("country", "value"), ("tax_id", "value"))),
        BlockingRule("web", (("website", "value"),)),
        BlockingRule("phone", (("phone", "value"),)),
        BlockingRule("email", (("email", "value"),)),
        BlockingRule("name_sound", (("country", "value"), ("name", "phonetic"))),
        BlockingRule("postal_name", (("postal_code", "value"), ("name", "prefix3"))),
        BlockingRule("city_name", (("city", "value"), ("name", "first_word"))),
        BlockingRule("postal_street", (("postal_code", "value"), ("address_line1", "phonetic"))),
    ),
    identity_rules=(IdentityRule("tax_id", within="country", conflict_is_non_match=True),),
    country_field="country",
    site=Site(fields=("address_line1", "phone"), places=("city", "postal_code", "country"), names=("name",),
              family=("website",)),
)

CONTRACT = Schema(
    name="contract",
    fields=(
        Field("customer_id", "exact"),
        Field("number", "code"),
        Field("title", "text"),
        Field("start_date", "date"),
        Field("end_date", "date"),
    ),
    blocking=(
        BlockingRule("number", (("customer_id", "value"), ("number", "value"))),
        BlockingRule("title", (("customer_id", "value"), ("title", "phonetic"))),
        BlockingRule("start", (("customer_id", "value"), ("start_date", "value"))),
    ),
    identity_rules=(IdentityRule("number", within="customer_id", conflict_is_non_match=False),),
)

PROJECT = Schema(
    name="project",
    fields=(
        Field("customer_id", "exact"),
        Field("code", "code"),
        Field("name", "text"),
        Field("start_date", "date"),
    ),
    blocking=(
        BlockingRule("code", (("customer_id", "value"), ("code", "value"))),
        BlockingRule("name", (("customer_id", "value"), ("name", "phonetic"))),
        BlockingRule("start", (("customer_id", "value"), ("start_date", "value"))),
    ),
    identity_rules=(IdentityRule("code", within="customer_id", conflict_is_non_match=False),),
)

RESOURCE = Schema(
    name="resource",
    fields=(
        Field("name", "person_name"),
        Field("email", "email"),
        Field("employee_number", "identifier"),
        Field("start_date", "date"),
    ),
    blocking=(
        BlockingRule("email", (("email", "value"),)),
        BlockingRule("employee", (("employee_number", "value"),)),
        BlockingRule("name_sound", (("name", "phonetic"),)),
    ),
    # HR and PSA number people differently (or not at all): a differing number is no proof.
    identity_rules=(IdentityRule("employee_number", conflict_is_non_match=False),),
)

SCHEMAS: dict[str, Schema] = {s.name: s for s in (CUSTOMER, CONTRACT, PROJECT, RESOURCE)}


def schema_for(domain_or_schema: str | Schema) -> Schema:
    return domain_or_schema if isinstance(domain_or_schema, Schema) else SCHEMAS[domain_or_schema]


__all__ = ["Field", "BlockingRule", "IdentityRule", "Site", "Schema", "CUSTOMER", "CONTRACT", "PROJECT", "RESOURCE", "SCHEMAS",
           "schema_for", "standardize_record", "standardize_columns"]
