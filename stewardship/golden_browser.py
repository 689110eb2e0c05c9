"""The golden-record browser: customers, contracts or projects the user may see, filtered, counted
by facet, sorted, paged by key, with the columns the steward chose — and the same rows exported.

Everything starts from `mdm.permissions.golden_records_visible_to`, so the list, its count, its
facets and its export leave out alike what the user may not see. Parameters come from the query
string (`BrowseQuery.parsed`); a value the browser does not know is a ValidationError (a 400).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from matching.models import CandidateStatus, MatchCandidate
from mdm.choices import Domain, GoldenStatus
from mdm.listing import (
    Sort,
    choice_param,
    choices_param,
    cursor_decode,
    date_param,
    grouped_counts,
    keyset_page,
    page_param,
    sort_param,
)
from mdm.models import CrossReference, SourceSystem
from mdm.permissions import golden_records_visible_to
from quality.models import Severity, Violation, ViolationStatus
from stewardship import search
from stewardship.models import ChangeRequest, ChangeStatus

PER_PAGE = 50
Q_CAP = 5000  # records a name filter keeps on SQLite, where names are ranked in Python
SYSTEM_FACET_LIMIT = 20_000  # above this many results the system facet lists systems without counts
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # the model field it sorts by, when it sorts


_COMMON_TAIL = [Column("systems", "Sources"), Column("quality", "Quality"), Column("open", "Open work"),
                Column("record_status", "Record status", "record_status"), Column("id", "Golden id", "id"),
                Column("updated_at", "Updated", "updated_at"), Column("created_at", "Created", "created_at")]
COLUMNS: dict[str, list[Column]] = {
    Domain.CUSTOMER: [Column("name", "Name", "name"), Column("trading_name", "Trading name"),
                      Column("country", "Country", "country"), Column("city", "City", "city"),
                      Column("postal_code", "Postal code"), Column("address_line1", "Address"),
                      Column("tax_id", "Tax id", "tax_id"), Column("legal_entity", "Legal entity"),
                      Column("industry", "Industry"), Column("phone", "Phone"), Column("email", "Email"),
                      Column("website", "Website"), Column("currency", "Currency"),
                      Column("payment_terms", "Payment terms"), Column("credit_status", "Credit status"),
                      *_COMMON_TAIL],
    Domain.CONTRACT: [Column("number", "Number", "number"), Column("title", "Title", "title"),
                      Column("customer", "Customer"), Column("status", "Status", "status"),
                      Column("start_date", "Start"), Column("end_date", "End"), Column("total_value", "Value"),
                      Column("currency", "Currency"), Column("billing_type", "Billing"),
                      Column("version", "Version"), *_COMMON_TAIL],
    Domain.PROJECT: [Column("code", "Code", "code"), Column("name", "Name", "name"), Column("customer", "Customer"),
                     Column("contract", "Contract"), Column("status", "Status", "status"),
                     Column("start_date", "Start"), Column("end_date", "End"),
                     Column("project_manager", "Project manager"), Column("service_line", "Service line"),
                     Column("billing_type", "Billing"), Column("budget", "Budget"), *_COMMON_TAIL],
    Domain.RESOURCE: [Column("name", "Name", "name"), Column("email", "Email"),
                      Column("employee_number", "Employee number"), Column("role", "Role"), Column("team", "Team"),
                      Column("service_line", "Service line"), Column("legal_entity", "Legal entity"),
                      Column("employment_status", "Status", "employment_status"), Column("end_date", "End"),
                      Column("capacity_hours", "Capacity (h/week)"), *_COMMON_TAIL],
}
DEFAULT_COLUMNS = {
    Domain.CUSTOMER: ["name", "country", "city", "tax_id", "systems", "quality", "open", "updated_at"],
    Domain.CONTRACT: ["number", "title", "customer", "status", "total_value", "systems", "quality", "updated_at"],
    Domain.PROJECT: ["code", "name", "customer", "status", "project_manager", "systems", "quality", "updated_at"],
    Domain.RESOURCE: ["name", "email", "role", "team", "employment_status", "systems", "quality", "updated_at"],
}
DEFAULT_SORT = {Domain.CUSTOMER: "name", Domain.CONTRACT: "number", Domain.PROJECT: "code", Domain.RESOURCE: "name"}
QUALITY = ("error", "warning", "clean")
OPEN_WORK = ("review", "violation", "council")
BUSINESS_STATUS_DOMAINS = {Domain.CONTRACT, Domain.PROJECT}


def columns_of(domain: str) -> dict[str, Column]:
    return {column.key: column for column in COLUMNS[domain]}


@dataclass(frozen=True)
class BrowseQuery:
    """What the browser was asked: the domain, the filters, the sort, the columns and the page."""

    domain: str
    q: str = ""
    countries: tuple[str, ...] = ()
    city: str = ""
    systems: tuple[str, ...] = ()
    record_statuses: tuple[str, ...] = (GoldenStatus.ACTIVE,)
    statuses: tuple[str, ...] = ()  # a contract's or project's own status
    quality: str = ""
    open_work: tuple[str, ...] = ()
    updated_since: date | None = None
    sort: Sort | None = None
    columns: tuple[str, ...] = ()
    after: tuple | None = None
    before: tuple | None = None
    raw_after: str = ""
    raw_before: str = ""
    page: int = 1  # which page this is: counted from the start without a cursor, else carried along

    @classmethod
    def parsed(cls, params, domains: list[str]) -> BrowseQuery:
        """From a query string; `domains` are those the user may view (the first is the default)."""
        if not domains or params.get("domain", "") in set(Domain.values) - set(domains):
            raise PermissionDenied("You may not view the golden records of this domain.")
        domain = choice_param(params, "domain", domains, domains[0])
        columns = columns_of(domain)
        sort = sort_param(params, {key: c.sort for key, c in columns.items() if c.sort}, DEFAULT_SORT[domain])
        chosen = choices_param(params, "cols", list(columns)) or DEFAULT_COLUMNS[domain]
        statuses = choices_param(params, "record_status", GoldenStatus.values) or [GoldenStatus.ACTIVE]
        timestamp = sort.field in ("updated_at", "created_at")
        after, before = params.get("after", ""), params.get("before", "")
        return cls(
            domain=domain, q=params.get("q", "").strip()[:200],
            countries=tuple(c.upper() for c in choices_param(params, "country")) if domain == Domain.CUSTOMER else (),
            city=params.get("city", "").strip()[:120] if domain == Domain.CUSTOMER else "",
            systems=tuple(choices_param(params, "system")), record_statuses=tuple(statuses),
            statuses=tuple(choices_param(params, "status")) if domain in BUSINESS_STATUS_DOMAINS else (),
            quality=choice_param(params, "quality", QUALITY), open_work=tuple(choices_param(params, "open", OPEN_WORK)),
            updated_since=date_param(params, "updated_since"), sort=sort, columns=tuple(chosen),
            after=cursor_decode(after, timestamp=timestamp) if after else None,
            before=cursor_decode(before, timestamp=timestamp, name="before") if before else None,
            raw_after=after, raw_before=before, page=page_param(params))

    # How the query is written back into links: the same parameters, some changed.
    def params(self, *, page: bool = False) -> list[tuple[str, str]]:
        items = [("domain", self.domain)]
        items += [("q", self.q)] if self.q else []
        items += [("country", c) for c in self.countries] + ([("city", self.city)] if self.city else [])
        items += [("system", s) for s in self.systems]
        if self.record_statuses != (GoldenStatus.ACTIVE,):
            items += [("record_status", s) for s in self.record_statuses]
        items += [("status", s) for s in self.statuses] + ([("quality", self.quality)] if self.quality else [])
        items += [("open", o) for o in self.open_work]
        items += [("updated_since", self.updated_since.isoformat())] if self.updated_since else []
        if self.sort and self.sort.param != DEFAULT_SORT[self.domain]:
            items.append(("sort", self.sort.param))
        if self.columns and list(self.columns) != DEFAULT_COLUMNS[self.domain]:
            items.append(("cols", ",".join(self.columns)))
        if page:
            items += [("after", self.raw_after)] if self.raw_after else []
            items += [("before", self.raw_before)] if self.raw_before else []
            items += [("page", str(self.page))] if self.page > 1 else []
        return items

    def querystring(self, **changes: Any) -> str:
        """This query as a query string, with `changes` (a field set to a new value; paging reset)."""
        changed = replace(self, after=None, before=None, raw_after="", raw_before="", page=1, **changes)
        return urlencode(changed.params())

    def toggled(self, name: str, value: str) -> str:
        """The query string with `value` added to, or removed from, the multi-valued filter `name`."""
        current = getattr(self, name)
        if isinstance(current, tuple):
            new = tuple(v for v in current if v != value) if value in current else (*current, value)
            if name == "record_statuses" and not new:
                new = (GoldenStatus.ACTIVE,)
        else:
            new = "" if current == value else value
        return self.querystring(**{name: new})

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.countries or self.city or self.systems or self.statuses or self.quality
                    or self.open_work or self.updated_since or self.record_statuses != (GoldenStatus.ACTIVE,))


# --- The filtered records ------------------------------------------------------------------------

def _name_filter(queryset: QuerySet, query: BrowseQuery) -> QuerySet:
    """Records named like `q`: every word contained (case and accents ignored); when no record
    contains them all, records with similar words (typos). And records whose key is `q`."""
    label, key = search.LABEL_FIELD[query.domain], search.KEY_FIELD[query.domain]
    compact = "".join(query.q.split()).upper()
    keyed = list(queryset.filter(Q(**{key: compact}) | Q(**{key: query.q}) | Q(pk=query.q.upper()))
                 .values_list("pk", flat=True)[:50])
    if not search.trigram_search_available():
        names, _capped = search.name_candidates(queryset, label, query.q)
        return queryset.filter(pk__in=[pk for pk, _score, _closeness in search.names_ranked(query.q, names)[:Q_CAP]] + keyed)
    words = search.query_words(query.q)
    named = search.names_containing(queryset, label, words) if words else queryset.none()
    if words and not named.exists():
        named = search.names_similar(queryset, label, search.fold(query.q))
    return named | queryset.filter(pk__in=keyed) if keyed else named


def browse_queryset(user, query: BrowseQuery, *, without: str = "") -> QuerySet:
    """The records `user` may see that the query's filters keep (`without`: one filter left out)."""
    queryset = golden_records_visible_to(user, query.domain)
    if query.record_statuses and without != "record_status":
        queryset = queryset.filter(record_status__in=query.record_statuses)
    if query.countries and without != "country":
        queryset = queryset.filter(country__in=query.countries)
    if query.city and without != "city":
        queryset = queryset.filter(city__iexact=query.city)
    if query.statuses and without != "status":
        queryset = queryset.filter(status__in=query.statuses)
    if query.updated_since:
        queryset = queryset.filter(updated_at__gte=timezone.make_aware(datetime.combine(query.updated_since, time())))
    if query.systems and without != "system":
        # The systems' ids first: filtering on them lets the source records' key index serve.
        system_ids = list(SourceSystem.objects.filter(name__in=query.systems).values_list("pk", flat=True))
        queryset = queryset.filter(pk__in=CrossReference.objects.filter(
            domain=query.domain, source_record__system_id__in=system_ids).values("golden_id"))
    if query.quality and without != "quality":
        queryset = _quality_filtered(queryset, query)
    if without != "open":
        for kind in query.open_work:
            queryset = queryset.filter(_open_work(kind, query.domain))
    if query.q:
        queryset = _name_filter(queryset, query)
    return queryset


def _violations(domain: str, severity: str | None = None) -> QuerySet:
    rows = Violation.objects.filter(domain=domain, status=ViolationStatus.OPEN)
    return rows.filter(severity=severity) if severity else rows


def _quality_filtered(queryset: QuerySet, query: BrowseQuery) -> QuerySet:
    if query.quality == "clean":
        return queryset.exclude(pk__in=_violations(query.domain).values("golden_id"))
    return queryset.filter(pk__in=_violations(query.domain, query.quality).values("golden_id"))


def _open_work(kind: str, domain: str) -> Q:
    if kind == "violation":
        return Q(pk__in=_violations(domain).values("golden_id"))
    if kind == "council":
        return Q(pk__in=ChangeRequest.objects.filter(domain=domain, status=ChangeStatus.PENDING).values("golden_id"))
    candidates = MatchCandidate.objects.filter(domain=domain, status=CandidateStatus.OPEN)
    return (Q(Exists(candidates.filter(golden_id_a=OuterRef("pk"))))
            | Q(Exists(candidates.filter(golden_id_b=OuterRef("pk")))))


# --- One page ------------------------------------------------------------------------------------

@dataclass
class Row:
    record: Any
    cells: list[tuple[str, Any]]  # (column key, value)


@dataclass
class BrowsePage:
    query: BrowseQuery
    columns: list[Column]
    rows: list[Row]
    total: int
    headers: list[Header]
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


@dataclass
class Header:
    label: str
    link: str | None  # the query string that sorts by this column (again: the other way)
    arrow: str = ""


def headers(query: BrowseQuery, columns: list[Column]) -> list[Header]:
    found = []
    for column in columns:
        if not column.sort:
            found.append(Header(column.label, None))
            continue
        on = query.sort.key == column.key
        descending = not query.sort.descending if on else column.key in ("updated_at", "created_at")
        found.append(Header(column.label, query.querystring(sort=Sort(column.key, column.sort, descending)),
                            ("↓" if query.sort.descending else "↑") if on else ""))
    return found


UNLISTED = ("lineage", "match_key", "alt_match_key", "correlation_id")


def golden_browse(user, query: BrowseQuery) -> BrowsePage:
    queryset = browse_queryset(user, query)
    page = keyset_page(queryset.defer(*UNLISTED), query.sort, PER_PAGE, after=query.after, before=query.before,
                       number=query.page)
    columns = [columns_of(query.domain)[key] for key in query.columns]
    return BrowsePage(query, columns, rows_of(user, query.domain, page.items, columns), queryset.count(),
                      headers(query, columns), page.next_cursor, page.previous_cursor)


def _related_names(user, domain: str, ids: set[str]) -> dict[str, str]:
    """Names of the related records among `ids` the user may see (a contract by its number)."""
    if not ids:
        return {}
    label = "number" if domain == Domain.CONTRACT else "name"
    return dict(golden_records_visible_to(user, domain).filter(pk__in=ids).values_list("pk", label))


def _page_extras(user, domain: str, ids: list[str], keys: set[str]) -> dict[str, dict[str, Any]]:
    """What the computed columns show, one query each for any number of records (an export reads
    them 2,000 at a time): sources, open violations (worst severity first), open review candidates
    and pending council requests. `__any` binds the ids as one parameter (mdm.db.lookups)."""
    extras: dict[str, dict[str, Any]] = {"systems": {}, "quality": {}, "open": {}}
    if not ids:
        return extras
    if "systems" in keys:
        extras["systems"] = search.systems_of(ids)
    if keys & {"quality", "open"}:
        counts: dict[tuple[str, str], int] = {}
        for golden_id, severity in _violations(domain).filter(golden_id__any=ids).values_list("golden_id", "severity"):
            counts[(golden_id, severity)] = counts.get((golden_id, severity), 0) + 1
            extras["open"].setdefault(golden_id, set()).add("violation")
        for (golden_id, severity), n in counts.items():
            extras["quality"].setdefault(golden_id, []).append((severity, n))
    if "open" in keys:
        candidates = MatchCandidate.objects.filter(domain=domain, status=CandidateStatus.OPEN)
        for pair in candidates.filter(Q(golden_id_a__any=ids) | Q(golden_id_b__any=ids)).values_list(
                "golden_id_a", "golden_id_b"):
            for golden_id in pair:
                extras["open"].setdefault(golden_id, set()).add("review")
        for golden_id in ChangeRequest.objects.filter(golden_id__any=ids, status=ChangeStatus.PENDING).values_list(
                "golden_id", flat=True):
            extras["open"].setdefault(golden_id, set()).add("council")
    return extras


def rows_of(user, domain: str, records: list, columns: list[Column]) -> list[Row]:
    keys = {column.key for column in columns}
    ids = [record.pk for record in records]
    extras = _page_extras(user, domain, ids, keys)
    customers = _related_names(user, Domain.CUSTOMER, {r.customer_id for r in records
                                                       if getattr(r, "customer_id", None)} if "customer" in keys else set())
    contracts = _related_names(user, Domain.CONTRACT, {r.contract_id for r in records
                                                       if getattr(r, "contract_id", None)} if "contract" in keys else set())
    rows = []
    for record in records:
        cells = []
        for column in columns:
            if column.key == "systems":
                value = extras["systems"].get(record.pk, [])
            elif column.key == "quality":
                value = sorted(extras["quality"].get(record.pk, []), key=lambda item: item[0] != Severity.ERROR)
            elif column.key == "open":
                value = sorted(extras["open"].get(record.pk, set()))
            elif column.key in ("customer", "contract"):
                # A related record out of the user's scope is not named, nor its id shown.
                target = getattr(record, f"{column.key}_id")
                names = customers if column.key == "customer" else contracts
                value = ((target, names[target]) if target in names else (None, None)) if target else None
            else:
                value = getattr(record, column.key)
            cells.append((column.key, value))
        rows.append(Row(record, cells))
    return rows


# --- Facets -------------------------------------------------------------------------------------
#
# Counted within the results (a chosen value keeps its count and clears with a click), in as few
# passes over the results as possible: every pass over a large hub's customers costs tens of
# milliseconds, and a name filter's pass (trigrams rechecked) a hundred.
# - Up to ROWS_LIMIT results: their facet columns are read once and counted here; open work
#   (violations, review, council) comes from the small open sets of the domain, read once each.
# - More: one GROUPING SETS pass counts every column facet (PostgreSQL; over the narrow
#   customer_console_browse index where the filters allow), open work counted in the same pass.

ROWS_LIMIT = 20_000


@dataclass
class FacetValue:
    value: str
    label: str
    count: int | None
    selected: bool
    toggle: str  # the query string that selects or clears this value


@dataclass
class Facet:
    key: str
    title: str
    values: list[FacetValue] = field(default_factory=list)
    note: str = ""


FACET_TITLES = {"record_status": "Record status", "country": "Country", "city": "City", "status": "Status"}
FACET_ATTRIBUTES = {"record_status": "record_statuses", "country": "countries", "city": "city", "status": "statuses"}
QUALITY_LABELS = {"error": "an open error", "warning": "an open warning", "clean": "no open violation"}
WORK_LABELS = {"review": "in match review", "violation": "open violation", "council": "waiting for the council"}


def _facet_fields(domain: str) -> list[str]:
    fields = ["record_status"]
    if domain == Domain.CUSTOMER:
        fields += ["country", "city"]
    if domain in BUSINESS_STATUS_DOMAINS:
        fields.append("status")
    return fields


def _open_sets(domain: str) -> dict[str, set[str]]:
    """The domain's golden ids with open work: an open error / warning / any violation, an open
    review candidate, a pending council request. Small sets, read whole."""
    sets: dict[str, set[str]] = {"error": set(), "warning": set(), "violation": set()}
    for golden_id, severity in _violations(domain).values_list("golden_id", "severity"):
        sets["violation"].add(golden_id)
        sets.setdefault(severity, set()).add(golden_id)
    candidates = MatchCandidate.objects.filter(domain=domain, status=CandidateStatus.OPEN)
    sets["review"] = {golden_id for pair in candidates.values_list("golden_id_a", "golden_id_b") for golden_id in pair}
    sets["council"] = set(ChangeRequest.objects.filter(domain=domain, status=ChangeStatus.PENDING)
                          .values_list("golden_id", flat=True))
    return sets


@dataclass
class _Counts:
    total: int
    columns: dict[str, dict[Any, int]]
    work: dict[str, int]
    ids: list[str] | None  # the results' ids, when there are few enough to have read them


def _counts_read(queryset: QuerySet, fields: list[str], sets: dict[str, set[str]], *, named: bool) -> _Counts:
    """`named`: a name filter is part of the query — its pass is the costly one, so the rows are
    read at once (most name filters keep few); otherwise a count that stops past ROWS_LIMIT says
    which way to go."""
    columns = None
    few = named or queryset.order_by()[:ROWS_LIMIT + 1].count() <= ROWS_LIMIT
    if few:
        rows = list(queryset.order_by().values_list("pk", *fields)[:ROWS_LIMIT + 1])
        if len(rows) <= ROWS_LIMIT:
            counted: dict[str, dict[Any, int]] = {name: {} for name in fields}
            for row in rows:
                for k, name in enumerate(fields, start=1):
                    counted[name][row[k]] = counted[name].get(row[k], 0) + 1
            ids = [row[0] for row in rows]
            work = {kind: sum(1 for pk in ids if pk in members) for kind, members in sets.items()}
            return _Counts(len(rows), counted, work, ids)
    columns = grouped_counts(queryset, fields)
    total = sum(columns[fields[0]].values())
    # Each distinct open set once (with only errors open, "any violation" is the error set).
    distinct: dict[frozenset, str] = {}
    for kind, members in sets.items():
        if members:
            distinct.setdefault(frozenset(members), kind)
    found = queryset.aggregate(**{kind: Count("pk", filter=Q(pk__any=list(members)))
                                  for members, kind in distinct.items()})
    work = {kind: found[distinct[frozenset(members)]] if members else 0 for kind, members in sets.items()}
    return _Counts(total, columns, work, None)


def _column_facets(query: BrowseQuery, counts: _Counts) -> list[Facet]:
    chosen = {"record_status": query.record_statuses, "country": query.countries, "city": (query.city,),
              "status": query.statuses}
    facets = []
    for name, found in counts.columns.items():
        items = sorted(((value, n) for value, n in found.items() if value not in (None, "")),
                       key=lambda item: (-item[1], str(item[0])))
        facet, limit = Facet(name, FACET_TITLES[name]), 12 if name == "city" else 40
        for value, n in items[:limit]:
            facet.values.append(FacetValue(value, value, n, value in chosen[name],
                                           query.toggled(FACET_ATTRIBUTES[name], value)))
        notes = [f"the {limit} most frequent of {len(items):,}"] if len(items) > limit else []
        if blank := found.get("", 0) + found.get(None, 0):
            notes.append(f"{blank:,} without a value")
        facet.note = "; ".join(notes)
        facets.append(facet)
    return facets


def _system_facet(query: BrowseQuery, counts: _Counts) -> Facet:
    facet = Facet("system", "Source system")
    names = list(SourceSystem.objects.order_by("name").values_list("name", flat=True))
    found: dict[str, int] | None = None
    if counts.ids is not None:
        systems = dict(SourceSystem.objects.values_list("pk", "name"))
        found = {systems[system_id]: n for system_id, n in CrossReference.objects.filter(golden_id__any=counts.ids)
                 .values_list("source_record__system_id").annotate(n=Count("golden_id", distinct=True))}
        names = [name for name in names if found.get(name) or name in query.systems]
    else:
        facet.note = f"counted when the results are {ROWS_LIMIT:,} records or fewer"
    for name in names:
        facet.values.append(FacetValue(name, name, None if found is None else found.get(name, 0),
                                       name in query.systems, query.toggled("systems", name)))
    return facet


def _work_facets(query: BrowseQuery, counts: _Counts) -> list[Facet]:
    quality = Facet("quality", "Quality")
    values = {"error": counts.work["error"], "warning": counts.work["warning"],
              "clean": counts.total - counts.work["violation"]}
    for value, n in values.items():
        quality.values.append(FacetValue(value, QUALITY_LABELS[value], n, query.quality == value,
                                         query.toggled("quality", value)))
    work = Facet("open", "Open work")
    for value, label in WORK_LABELS.items():
        work.values.append(FacetValue(value, label, counts.work[value], value in query.open_work,
                                      query.toggled("open_work", value)))
    return [quality, work]


def golden_facets(user, query: BrowseQuery) -> list[Facet]:
    """The facets of the query's results (see above)."""
    counts = _counts_read(browse_queryset(user, query), _facet_fields(query.domain), _open_sets(query.domain),
                          named=bool(query.q))
    return [*_column_facets(query, counts), _system_facet(query, counts), *_work_facets(query, counts)]


# --- Export -------------------------------------------------------------------------------------

def export_rows(user, query: BrowseQuery) -> Iterator[list[Any]]:
    """The header, then every record the query keeps (not only one page), in its order, with the
    chosen columns as plain values."""
    columns = [columns_of(query.domain)[key] for key in query.columns]
    yield [column.label for column in columns]
    # Not the lineage: a list never shows it, and parsing it was most of a large export's time.
    queryset = browse_queryset(user, query).defer(*UNLISTED).order_by(*query.sort.order_by)
    chunk: list = []
    for record in queryset.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(record)
        if len(chunk) == EXPORT_CHUNK:
            yield from _plain_rows(user, query.domain, chunk, columns)
            chunk = []
    if chunk:
        yield from _plain_rows(user, query.domain, chunk, columns)


def _plain_rows(user, domain: str, records: list, columns: list[Column]) -> Iterator[list[Any]]:
    for row in rows_of(user, domain, records, columns):
        yield [plain_value(key, value) for key, value in row.cells]


def plain_value(key: str, value: Any) -> Any:
    """A cell as an export writes it."""
    if key == "systems":
        return ", ".join(value)
    if key == "quality":
        return ", ".join(f"{n} {severity}" for severity, n in value) or "clean"
    if key == "open":
        return ", ".join(value)
    if key in ("customer", "contract"):
        return "" if not value else (f"{value[1]} ({value[0]})" if value[0] else "(out of your scope)")
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return "" if value is None else value
