"""Finding golden records: by a key (golden id, `system:source_id`, tax id, contract number,
project code) or by name — case- and accent-insensitive and typo-tolerant — ranked, paged, and
with what a steward needs to tell look-alikes apart (country, city, tax id, source systems).

How names are found:
- PostgreSQL: the names are folded in SQL (`concord_fold`: lower case, accents removed by
  `unaccent`) and searched through a trigram index of the folded name (migration stewardship
  0006): first the names containing every word of the query, then the names whose words are
  similar to it (`<%`, word similarity over trigrams, for typos). Each step reads at most
  `POOL_CAP` rows in no particular order — a word as common as "health" matches a tenth of a
  large hub, and ordering all of them in SQL cost more than the rest of the page.
- SQLite (the embedded demo): every visible record's name is read and ranked in Python; fine for
  the demo's thousands of records, linear in the hub's size.
Either way the candidates are ranked here, in Python, word by word with rapidfuzz over the folded
names (`name_score`), so both databases rank alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from django.db import connection
from django.db.models import BooleanField, CharField, F, FloatField, Func, Q, QuerySet, Value
from rapidfuzz import fuzz

from mdm.choices import Domain, GoldenStatus
from mdm.models import CrossReference, GoldenRecord, golden_model
from mdm.permissions import access_of, restrict, visible_ids

# Which attribute names a record and which identifies it, per domain.
LABEL_FIELD = {Domain.CUSTOMER: "name", Domain.CONTRACT: "title", Domain.PROJECT: "name", Domain.RESOURCE: "name"}
KEY_FIELD = {Domain.CUSTOMER: "tax_id", Domain.CONTRACT: "number", Domain.PROJECT: "code",
             Domain.RESOURCE: "email"}
GOLDEN_ID = re.compile(r"^(CUS|CTR|PRJ)-[0-9A-Z]{10}$")

POOL_CAP = 2000  # name candidates read per step and domain (see the module's docstring)
SCORE_CUTOFF = 60  # name score (name_score) below which a name is not offered
WORD_SIMILARITY = 0.4  # pg_trgm's threshold for `<%`: low enough for a typo in a long word


# --- Folding and ranking (pure) -----------------------------------------------------------------

def fold(text: Any) -> str:
    """A name as search compares it: ASCII (accents and ligatures spelled out), lower case,
    single spaces. "ZÖRG  Health" and "zorg health" fold alike."""
    return " ".join(anyascii(str(text or "")).casefold().split())


def name_score(folded_query: str, folded_name: str) -> tuple[float, float]:
    """(score, closeness) of a folded name for a folded query, 0–100.

    The score is how well the query's words are found in the name: for each query word its best
    match among the name's words (rapidfuzz ratio; a name word it begins counts as 95), averaged
    over the query's words — so a typo costs little, word order nothing, and a name that shares
    only a common word ("health") with a two-word query scores about half. Closeness (the whole
    strings' ratio) breaks ties in favour of the name closest in length: "zorg health ag" before
    "zorg health sarl" for "zorg health"."""
    query_words, name_words = folded_query.split(), folded_name.split()
    if not query_words or not name_words:
        return 0.0, 0.0
    found = []
    for word in query_words:
        best = max(fuzz.ratio(word, other) for other in name_words)
        if len(word) >= 3 and any(other.startswith(word) for other in name_words):
            best = max(best, 95.0)
        found.append(best)
    return sum(found) / len(found), fuzz.ratio(folded_query, folded_name)


def names_ranked(query: str, names: dict[str, str], *,
                 cutoff: float = SCORE_CUTOFF) -> list[tuple[str, float, float]]:
    """(id, score, closeness) of the names similar enough to `query`, best first."""
    folded = fold(query)
    if not folded:
        return []
    scored = []
    for key, name in names.items():
        folded_name = fold(name)
        score, closeness = name_score(folded, folded_name)
        if score >= cutoff:
            scored.append((score, closeness, folded_name, key))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2], item[3]))
    return [(key, score, closeness) for score, closeness, _name, key in scored]


def similarity_words(score: float, same: bool) -> str:
    """How a steward reads a name score."""
    if same:
        return "same name"
    return "very similar" if score >= 80 else "similar"


def query_words(query: str) -> list[str]:
    """The folded words of a query that narrow a search (two letters or more)."""
    return [word for word in fold(query).split() if len(word) >= 2]


# --- PostgreSQL expressions ---------------------------------------------------------------------

class Folded(Func):
    """concord_fold(text): lower(unaccent(text)), defined by migration stewardship 0006."""

    function = "concord_fold"
    output_field = CharField()


class WordSimilar(Func):
    """`query <% text`: some extent of `text` is similar to `query` (pg_trgm word similarity)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


def trigram_search_available() -> bool:
    return connection.vendor == "postgresql"


def names_containing(queryset: QuerySet, label: str, words: list[str]) -> QuerySet:
    """Records whose folded `label` contains every word (PostgreSQL: through the trigram index)."""
    condition = Q()
    for word in words:
        condition &= Q(**{"_folded__contains": word})
    return queryset.alias(_folded=Folded(F(label))).filter(condition)


def names_similar(queryset: QuerySet, label: str, folded_query: str) -> QuerySet:
    """Records with a word similar to the query in their folded `label` (PostgreSQL)."""
    with connection.cursor() as cursor:  # the session's threshold for `<%`; only search uses it
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(WORD_SIMILARITY)])
    return queryset.filter(WordSimilar(Value(folded_query), Folded(F(label))))


def name_candidates(queryset: QuerySet, label: str, query: str, *, cap: int = POOL_CAP) -> tuple[dict[str, str], bool]:
    """({id: name} worth ranking for `query` among `queryset`, whether a step hit the cap)."""
    if not trigram_search_available():
        return dict(queryset.values_list("pk", label)), False
    words = query_words(query)
    if not words:
        return {}, False
    found = dict(names_containing(queryset, label, words).values_list("pk", label)[:cap + 1])
    capped = len(found) > cap
    if not capped:
        found.update(names_similar(queryset, label, fold(query)).values_list("pk", label)[:cap])
    return found, capped


# --- Search -------------------------------------------------------------------------------------

@dataclass
class Hit:
    """One record found, why, and what tells it apart from its look-alikes."""

    record: GoldenRecord
    score: float
    why: str
    closeness: float = 100.0  # breaks ties of score (search.name_score)
    systems: list[str] = field(default_factory=list)  # "salesforce:001A"
    details: list[tuple[str, Any]] = field(default_factory=list)  # ("country", "DE"), …

    @property
    def domain(self) -> str:
        return self.record.domain


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    page: int
    per_page: int
    has_next: bool
    capped: bool = False  # a name step found more than POOL_CAP: the query is too common

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1


def _by_key(user, query: str, visible: dict[str, QuerySet], domain: str | None) -> list[Hit]:
    """Records found by what identifies them exactly: golden id, source key, tax id / number / code."""
    hits: list[Hit] = []
    upper = query.upper()
    if GOLDEN_ID.match(upper):
        for queryset in visible.values():
            hits += [Hit(record, 100.0, "golden id") for record in queryset.filter(pk=upper)]
    if ":" in query:
        system, _, source_id = query.partition(":")
        xrefs = CrossReference.objects.filter(source_record__system__name__iexact=system.strip(),
                                              source_record__source_id__iexact=source_id.strip())
        by_domain: dict[str, list[str]] = {}
        for target, golden_id in xrefs.values_list("domain", "golden_id"):
            by_domain.setdefault(target, []).append(golden_id)
        for target, ids in by_domain.items():
            if target in visible:
                hits += [Hit(record, 100.0, f"source key {system.strip()}:{source_id.strip()}")
                         for record in visible[target].filter(pk__in=ids)]
    compact = re.sub(r"[\s.\-/]", "", upper)
    for name, queryset in visible.items():
        key = KEY_FIELD[name]
        if name == Domain.CUSTOMER:
            # Stored standardized: compact, upper case, without the country's prefix.
            forms = {compact} | ({compact[2:]} if compact[:2].isalpha() and len(compact) > 6 else set())
            condition = Q(tax_id__in=forms)
        else:
            condition = Q(**{f"{key}__iexact": query})
        hits += [Hit(record, 100.0, f"{key.replace('_', ' ')} {getattr(record, key)}")
                 for record in queryset.filter(condition)[:50]]
    return hits


def _by_name(query: str, visible: dict[str, QuerySet], wanted: int, cutoff: float) -> tuple[list[Hit], bool]:
    hits, capped = [], False
    folded = fold(query)
    for name, queryset in visible.items():
        label = LABEL_FIELD[name]
        names, step_capped = name_candidates(queryset, label, query, cap=max(POOL_CAP, wanted))
        capped = capped or step_capped
        ranked = names_ranked(query, names, cutoff=cutoff)[:wanted]
        records = queryset.in_bulk([key for key, _score, _closeness in ranked])
        for key, score, closeness in ranked:
            if key in records:
                same = fold(names[key]) == folded
                hits.append(Hit(records[key], score, f"{label} {similarity_words(score, same)} ({score:.0f})",
                                closeness))
    return hits, capped


def search(user, query: str, *, domain: str | None = None, page: int = 1, per_page: int = 25,
           action: str = "view", active_only: bool = False, cutoff: float = SCORE_CUTOFF) -> SearchResult:
    """Golden records `user` may `action`, found by key or by name, best first, one page of them
    with their systems and distinguishing attributes. `cutoff`: the lowest name score offered."""
    query = query.strip()
    page = max(1, page)
    if not query:
        return SearchResult(query, [], page, per_page, False)
    visible = {}
    for name in access_of(user).domains(action) if domain in (None, "") else [domain]:
        if name not in Domain.values:
            continue
        queryset = restrict(golden_model(name).objects.all(), user, action)
        visible[name] = queryset.filter(record_status=GoldenStatus.ACTIVE) if active_only else queryset
    wanted = page * per_page + 1
    found: dict[str, Hit] = {}
    for hit in _by_key(user, query, visible, domain):
        found.setdefault(hit.record.pk, hit)
    named, capped = _by_name(query, visible, wanted, cutoff)
    for hit in named:
        found.setdefault(hit.record.pk, hit)
    ranked = sorted(found.values(), key=lambda h: (-h.score, -h.closeness,
                                                   fold(getattr(h.record, LABEL_FIELD[h.domain])), h.record.pk))
    shown = ranked[(page - 1) * per_page:page * per_page]
    hits_described(user, shown)
    return SearchResult(query, shown, page, per_page, has_next=len(ranked) > page * per_page, capped=capped)


# --- What tells look-alikes apart ---------------------------------------------------------------

def systems_of(golden_ids) -> dict[str, list[str]]:
    """golden id -> its sources as `system:source_id`, in one query."""
    systems: dict[str, list[str]] = {}
    rows = (CrossReference.objects.filter(golden_id__any=list(golden_ids))
            .order_by("source_record__system__name", "source_record__source_id")
            .values_list("golden_id", "source_record__system__name", "source_record__source_id"))
    for golden_id, system, source_id in rows:
        systems.setdefault(golden_id, []).append(f"{system}:{source_id}")
    return systems


def _customer_names(user, ids) -> dict[str, str]:
    """Names of the customers among `ids` the user may see (a contract's or project's customer)."""
    shown = visible_ids(user, Domain.CUSTOMER, ids)
    return dict(golden_model(Domain.CUSTOMER).objects.filter(pk__in=shown).values_list("pk", "name"))


def hits_described(user, hits: list[Hit]) -> None:
    """Fill in each hit's systems and details: country, city and tax id of a customer; a
    contract's or project's number or code, status and customer (named only when in scope)."""
    systems = systems_of(h.record.pk for h in hits)
    customers = _customer_names(user, {h.record.customer_id for h in hits if getattr(h.record, "customer_id", None)})
    for hit in hits:
        record = hit.record
        hit.systems = systems.get(record.pk, [])
        if record.domain == Domain.CUSTOMER:
            hit.details = [("country", record.country), ("city", record.city), ("tax id", record.tax_id)]
        else:
            key = KEY_FIELD[record.domain]
            customer = record.customer_id and (customers.get(record.customer_id) or "another customer (out of your scope)")
            hit.details = [(key, getattr(record, key)), ("status", record.status), ("customer", customer or "")]
