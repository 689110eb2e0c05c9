"""Data-quality rules as data, and their evaluation over a batch of records. Pure: no Django here.

A rule has a kind, the attribute it judges and parameters:

- required     — the attribute has a value.
- format       — a present value matches `pattern` (a regular expression, whole value).
- reference    — a present value is one of `values`, or of a named list (`values_from`: iso3166, iso4217).
- cross_field  — when every attribute in `when` matches its pattern, the attribute must match
                 `pattern` (country DE needs a VAT id starting DE), or must not be before the
                 attribute named by `not_before` (a contract ends on or after it starts).
- cross_domain — when `when` holds, the golden record the attribute points at (a project's contract)
                 must exist and match `target_when` (an active project needs an active contract).
                 The caller looks the targets up (one query per batch) and passes them in.

`evaluate(rules, records, related)` returns one Finding per (rule, record) that fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

KINDS = ("required", "format", "reference", "cross_field", "cross_domain")
SEVERITIES = ("error", "warning")
DOMAINS = ("customer", "contract", "project", "resource")
NAMED_LISTS = ("iso3166", "iso4217")


class RuleError(ValueError):
    """A rule definition that cannot be evaluated; the message says which part is wrong."""


@dataclass(frozen=True)
class Rule:
    """One rule, checked and compiled. `key` identifies it to the caller (the database id or code)."""

    key: Any
    code: str
    domain: str
    kind: str
    attribute: str
    message: str = ""
    severity: str = "error"
    pattern: re.Pattern | None = None
    values: frozenset[str] = frozenset()
    when: tuple[tuple[str, re.Pattern], ...] = ()
    not_before: str = ""
    target_domain: str = ""
    target_when: tuple[tuple[str, re.Pattern], ...] = ()


@dataclass(frozen=True)
class Finding:
    """A record failing a rule: which rule, which record (the caller's key), and why."""

    rule: Any
    record: Any
    attribute: str
    message: str


@dataclass
class Related:
    """Target records of cross-domain rules, as the caller found them: domain -> id -> values."""

    records: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)

    def get(self, domain: str, record_id: Any) -> Mapping[str, Any] | None:
        return self.records.get(domain, {}).get(record_id)


def _compile(pattern: Any, where: str) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{where}: needs a regular expression")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise RuleError(f"{where}: {pattern!r} is not a regular expression ({error})") from None


def _conditions(spec: Any, where: str) -> tuple[tuple[str, re.Pattern], ...]:
    if not isinstance(spec, Mapping) or not spec:
        raise RuleError(f"{where}: needs a table of attribute = pattern")
    return tuple((str(name), _compile(pattern, f"{where}.{name}")) for name, pattern in spec.items())


@lru_cache(maxsize=4)
def named_list(name: str) -> frozenset[str]:
    import pycountry

    if name == "iso3166":
        return frozenset(country.alpha_2 for country in pycountry.countries)
    if name == "iso4217":
        return frozenset(currency.alpha_3 for currency in pycountry.currencies)
    raise RuleError(f"values_from: unknown list {name!r}; expected one of {', '.join(NAMED_LISTS)}")


def rule_from(*, key: Any, code: str, domain: str, kind: str, attribute: str, params: Mapping[str, Any] | None,
              message: str = "", severity: str = "error",
              attributes: Mapping[str, Iterable[str]] | None = None) -> Rule:
    """Check a rule definition and compile it. Raises RuleError naming what is wrong.

    `attributes` (domain -> attribute names), when given, makes unknown attribute names an error."""
    params = dict(params or {})
    where = code or "rule"
    for name, value, known in (("domain", domain, DOMAINS), ("kind", kind, KINDS), ("severity", severity, SEVERITIES)):
        if value not in known:
            raise RuleError(f"{where}: unknown {name} {value!r}; expected one of {', '.join(known)}")
    check = _AttributeCheck(where, domain, attributes)
    check(attribute)
    fields, allowed = _PARAMETERS[kind](params, where, check) if kind in _PARAMETERS else ({}, set())
    unknown = set(params) - allowed
    if unknown:
        raise RuleError(f"{where}: unknown parameter(s) {', '.join(sorted(unknown))} for a {kind} rule")
    return Rule(key=key, code=code, domain=domain, kind=kind, attribute=attribute, message=message,
                severity=severity, **fields)


@dataclass(frozen=True)
class _AttributeCheck:
    """Raises RuleError for a missing attribute name, or one its domain does not have."""

    where: str
    domain: str
    attributes: Mapping[str, Iterable[str]] | None

    def __call__(self, name: str, in_domain: str | None = None, label: str = "attribute") -> None:
        in_domain = in_domain or self.domain
        if not name:
            raise RuleError(f"{self.where}: needs an {label}")
        if self.attributes is not None and name not in set(self.attributes[in_domain]):
            raise RuleError(f"{self.where}: {in_domain} has no attribute {name!r}")


_Parsed = tuple[dict[str, Any], set[str]]  # the rule's compiled fields, and the parameters its kind takes


def _format_params(params: dict[str, Any], where: str, _check: _AttributeCheck) -> _Parsed:
    return {"pattern": _compile(params.get("pattern"), f"{where}.pattern")}, {"pattern"}


def _reference_params(params: dict[str, Any], where: str, _check: _AttributeCheck) -> _Parsed:
    if "values_from" in params:
        values = named_list(str(params["values_from"]))
    elif isinstance(params.get("values"), list) and params["values"]:
        values = frozenset(str(value) for value in params["values"])
    else:
        raise RuleError(f"{where}: a reference rule needs `values` (a list) or `values_from`")
    return {"values": values}, {"values", "values_from"}


def _cross_field_params(params: dict[str, Any], where: str, check: _AttributeCheck) -> _Parsed:
    fields: dict[str, Any] = {"when": _conditions(params["when"], f"{where}.when") if "when" in params else ()}
    if ("pattern" in params) == ("not_before" in params):
        raise RuleError(f"{where}: a cross-field rule needs either `pattern` or `not_before`")
    if "pattern" in params:
        fields["pattern"] = _compile(params["pattern"], f"{where}.pattern")
    else:
        fields["not_before"] = str(params["not_before"])
        check(fields["not_before"], label="attribute in not_before")
    for name, _ in fields["when"]:
        check(name, label="attribute in when")
    return fields, {"when", "pattern", "not_before"}


def _cross_domain_params(params: dict[str, Any], where: str, check: _AttributeCheck) -> _Parsed:
    target = params.get("target_domain")
    if target not in DOMAINS:
        raise RuleError(f"{where}: target_domain must be one of {', '.join(DOMAINS)}")
    fields: dict[str, Any] = {
        "target_domain": target,
        "when": _conditions(params["when"], f"{where}.when") if "when" in params else (),
        "target_when": _conditions(params["target_when"], f"{where}.target_when") if "target_when" in params else ()}
    for name, _ in fields["when"]:
        check(name, label="attribute in when")
    for name, _ in fields["target_when"]:
        check(name, in_domain=target, label="attribute in target_when")
    return fields, {"when", "target_domain", "target_when"}


_PARAMETERS = {"format": _format_params, "reference": _reference_params, "cross_field": _cross_field_params,
               "cross_domain": _cross_domain_params}


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _holds(conditions: tuple[tuple[str, re.Pattern], ...], values: Mapping[str, Any]) -> bool:
    for name, pattern in conditions:
        value = values.get(name)
        if _blank(value) or pattern.fullmatch(str(value)) is None:
            return False
    return True


def _failure(rule: Rule, values: Mapping[str, Any], related: Related | None) -> str | None:
    """Why `values` fail `rule`, or None when they pass."""
    value = values.get(rule.attribute)
    kind = rule.kind
    if kind == "required":
        return f"{rule.attribute} is missing" if _blank(value) else None
    if kind == "format":
        if _blank(value) or rule.pattern.fullmatch(str(value)):
            return None
        return f"{rule.attribute} {value!r} does not have the expected format"
    if kind == "reference":
        if _blank(value) or str(value) in rule.values:
            return None
        return f"{rule.attribute} {value!r} is not in the allowed list"
    if rule.when and not _holds(rule.when, values):
        return None
    if kind == "cross_field":
        if rule.pattern is not None:
            if not _blank(value) and rule.pattern.fullmatch(str(value)):
                return None
            return f"{rule.attribute} {value!r} does not fit {', '.join(n for n, _ in rule.when) or 'the record'}"
        other = values.get(rule.not_before)
        if _blank(value) or _blank(other) or str(value) >= str(other):  # ISO dates order as text
            return None
        return f"{rule.attribute} {value} is before {rule.not_before} {other}"
    # cross_domain
    if _blank(value):
        return f"needs a {rule.target_domain} ({rule.attribute} is missing)"
    target = related.get(rule.target_domain, value) if related is not None else None
    if target is None:
        return f"{rule.attribute} {value} is not a live golden {rule.target_domain}"
    if not _holds(rule.target_when, target):
        wanted = ", ".join(f"{name} {pattern.pattern}" for name, pattern in rule.target_when)
        return f"{rule.target_domain} {value} does not meet {wanted}"
    return None


def evaluate(rules: Iterable[Rule], records: Iterable[tuple[Any, Mapping[str, Any]]],
             related: Related | None = None) -> list[Finding]:
    """Every (rule, record) that fails. `records` are (key, values) pairs of one domain."""
    rules = list(rules)
    findings: list[Finding] = []
    for key, values in records:
        for rule in rules:
            reason = _failure(rule, values, related)
            if reason is not None:
                findings.append(Finding(rule.key, key, rule.attribute, reason))
    return findings


def cross_domain_targets(rules: Iterable[Rule], records: Iterable[Mapping[str, Any]]) -> dict[str, set[Any]]:
    """Which target records the cross-domain rules need: domain -> ids referenced by the batch."""
    wanted: dict[str, set[Any]] = {}
    records = list(records)
    for rule in rules:
        if rule.kind != "cross_domain":
            continue
        ids = wanted.setdefault(rule.target_domain, set())
        ids.update(values[rule.attribute] for values in records if not _blank(values.get(rule.attribute)))
    return wanted
