"""The console's queues as steward work lists: match review, quarantined records, dead letters and
council requests — each filtered, sorted, paged, and grouped by cause with counts (what makes the
items alike: the same fix often settles them all). Reads only; the actions are in services.

Every queue starts from `mdm.permissions.restrict`, so its counts, groups and pages leave out what
the user may not see. A cause is worked out here in Python from each item's own data (a review's
strongest disagreement, a quarantine's failed fields, a dead letter's error): one pass over the
queue's open items, which stay in the thousands even on a large hub.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from matching.engine import score_pairs
from matching.forms import engine_record
from matching.model_store import domain_model
from matching.models import CandidateStatus, MatchCandidate
from mdm.canonical import attribute_names
from mdm.choices import Domain, OutboxStatus, QuarantineStatus
from mdm.listing import BulkOutcome, Page, Sort, choice_param, page_param, paged, sort_param
from mdm.models import OutboxMessage, QuarantinedRecord, SourceSystem, domain_of_golden_id, golden_model
from mdm.permissions import access_of, restrict, users_who_may, visible_ids
from mdm.services.golden import golden_values
from stewardship.models import ChangeRequest, ChangeStatus
from stewardship.search import systems_of

REVIEW_PER_PAGE = 25
LIST_PER_PAGE = 50
BULK_MAX = 200  # items one bulk action settles: a request stays short; the rest waits for the next one


@dataclass
class Group:
    """Items alike in one way, and how many: a cause, a system, a score band."""

    key: str
    label: str
    count: int
    selected: bool = False


def groups_of(counts: Counter, chosen: str, labels: dict[str, str] | None = None) -> list[Group]:
    return [Group(key, (labels or {}).get(key, key), n, key == chosen)
            for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _domain_param(params, user) -> str:
    return choice_param(params, "domain", access_of(user).domains("view"))


# --- Match review -------------------------------------------------------------------------------

BANDS = (("likely", "likely (80 % and more)", 0.8, None), ("doubtful", "doubtful (60–80 %)", 0.6, 0.8),
         ("unlikely", "unlikely (under 60 %)", None, 0.6))
REVIEW_SORTS = {"score": "score", "age": "created_at"}
NO_DISAGREEMENT = "nothing against"
ENGINE_NAMES = {"customer_id": "customer"}  # the matcher's field names that differ from the attribute's


def cause_of(contributions: Any, threshold: float = -1.0) -> str:
    """What a review candidate is about: the attribute that speaks most against the match
    ("tax_id disagrees"), or NO_DISAGREEMENT when nothing speaks against it by more than
    `threshold` (log2 Bayes factor)."""
    weights = {}
    for name, value in (contributions or {}).items() if isinstance(contributions, dict) else ():
        weight = value.get("weight") if isinstance(value, dict) else value
        if isinstance(weight, (int, float)):
            weights[ENGINE_NAMES.get(name, name)] = float(weight)
    if not weights:
        return NO_DISAGREEMENT
    name, weight = min(weights.items(), key=lambda item: (item[1], item[0]))
    return f"{name.replace('_', ' ')} disagrees" if weight < threshold else NO_DISAGREEMENT


@dataclass(frozen=True)
class ReviewQuery:
    domain: str = ""
    assigned: str = ""  # "", "me", "unassigned" or a username
    band: str = ""
    cause: str = ""
    sort: Sort = Sort("score", "score", True)
    page: int = 1

    @classmethod
    def parsed(cls, params, user) -> ReviewQuery:
        assigned = "me" if params.get("mine") else params.get("assigned", "").strip()
        return cls(domain=_domain_param(params, user), assigned=assigned,
                   band=choice_param(params, "band", [b[0] for b in BANDS]), cause=params.get("cause", "").strip(),
                   sort=sort_param(params, REVIEW_SORTS, "-score"), page=page_param(params))

    def filters(self) -> dict[str, str]:
        return {"domain": self.domain, "assigned": self.assigned, "band": self.band, "cause": self.cause,
                "sort": self.sort.param if self.sort.param != "-score" else ""}


def band_of(score: float) -> str:
    for key, _label, low, high in BANDS:
        if (low is None or score >= low) and (high is None or score < high):
            return key
    return BANDS[-1][0]


def review_candidates(user, query: ReviewQuery) -> QuerySet:
    """The open candidates `user` may see in the query's domain and assignment (band and cause are
    worked out per item: review_queue)."""
    queryset = restrict(MatchCandidate.objects.filter(status=CandidateStatus.OPEN), user, "view")
    if query.domain:
        queryset = queryset.filter(domain=query.domain)
    if query.assigned == "me":
        queryset = queryset.filter(assigned_to=user)
    elif query.assigned == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    elif query.assigned:
        queryset = queryset.filter(assigned_to__username=query.assigned)
    return queryset


@dataclass
class ReviewQueue:
    query: ReviewQuery
    page: Page
    causes: list[Group]
    bands: list[Group]
    total: int


def _review_pass(user, query: ReviewQuery) -> tuple[QuerySet, Counter, Counter, list[int]]:
    """One pass over the open candidates' scores and weights: causes counted within the chosen
    band, bands within the chosen cause, and the candidates both keep."""
    queryset = review_candidates(user, query)
    causes, bands, chosen = Counter(), Counter(), []
    for pk, score, contributions in queryset.values_list("pk", "score", "contributions"):
        cause, band = cause_of(contributions), band_of(score)
        if not query.band or band == query.band:
            causes[cause] += 1
        if not query.cause or cause == query.cause:
            bands[band] += 1
            if not query.band or band == query.band:
                chosen.append(pk)
    if query.band or query.cause:
        queryset = queryset.filter(pk__in=chosen)
    return queryset, causes, bands, chosen


def review_queue(user, query: ReviewQuery) -> ReviewQueue:
    """One page of the review queue, with its groups."""
    queryset, causes, bands, chosen = _review_pass(user, query)
    page = paged(queryset.select_related("assigned_to", "decided_by").order_by(*query.sort.order_by), query.page,
                 REVIEW_PER_PAGE, total=len(chosen))
    return ReviewQueue(query, page, groups_of(causes, query.cause),
                       [Group(key, label, bands[key], key == query.band) for key, label, _l, _h in BANDS], len(chosen))


def review_selection(user, query: ReviewQuery, limit: int = BULK_MAX) -> list[int]:
    """The first `limit` candidates of the queue as the query filters and sorts it."""
    queryset, _causes, _bands, _chosen = _review_pass(user, query)
    return list(queryset.order_by(*query.sort.order_by).values_list("pk", flat=True)[:limit])


# --- What a bulk action will do -------------------------------------------------------------------

def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def review_bulk_outcome(candidates: list[MatchCandidate], verb: str, assignee_id: str | None = None) -> BulkOutcome:
    from stewardship import policy

    outcome = BulkOutcome(verb, len(candidates))
    names = records_named_all({g for c in candidates for g in (c.golden_id_a, c.golden_id_b)})
    outcome.items = [f"#{c.pk} {names.get(c.golden_id_a, c.golden_id_a)} ↔ {names.get(c.golden_id_b, c.golden_id_b)} "
                     f"({c.score:.0%})" for c in candidates[:BulkOutcome.ITEMS_SHOWN]]
    if not candidates:
        outcome.sentences = ["Nothing is selected."]
    elif verb == "reject":
        outcome.sentences = [f"{_plural(len(candidates), 'pair')} will be remembered as not a match, for every pair "
                             "of their source records: no later run proposes them again."]
    elif verb == "accept":
        waiting = set(ChangeRequest.objects.filter(status=ChangeStatus.PENDING, payload__action="merge",
                                                   payload__candidate_id__in=[c.pk for c in candidates])
                      .values_list("payload__candidate_id", flat=True))
        governed = [c for c in candidates if c.pk not in waiting
                    and policy.merge_needs_approval(c.domain, c.golden_id_a, c.golden_id_b)]
        now = len(candidates) - len(waiting) - len(governed)
        outcome.sentences = [s for s in (
            f"{_plural(now, 'merge')} now: the right record's sources, contracts and projects move to the left one, "
            "which keeps its id." if now else "",
            f"{_plural(len(governed), 'goes', 'go')} to the council: both customers have contracts." if governed else "",
            f"{_plural(len(waiting), 'waits', 'wait')} for the council already and will be left as it is."
            if waiting else "") if s]
    else:
        outcome.sentences = _assign_sentences(candidates, assignee_id)
    return outcome


def _assign_sentences(candidates: list[MatchCandidate], assignee_id: str | None) -> list[str]:
    from django.contrib.auth import get_user_model

    assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first() \
        if assignee_id and str(assignee_id).isdigit() else None
    if assignee is None:
        return [f"{_plural(len(candidates), 'candidate')} will be unassigned: back to everyone's queue."]
    records, memo, refused = {}, {}, 0
    for domain in {c.domain for c in candidates}:
        ids = {g for c in candidates if c.domain == domain for g in (c.golden_id_a, c.golden_id_b)}
        records.update(golden_model(domain).objects.in_bulk(list(ids)))
    for c in candidates:
        if assignee.pk not in {u.pk for u in assignees_for(c, records, memo)}:
            refused += 1
    sentences = [f"{_plural(len(candidates) - refused, 'candidate')} will be given to {assignee.get_username()}."]
    if refused:
        sentences.append(f"{assignee.get_username()} may not decide {_plural(refused, 'of them', 'of them')}: "
                         "those stay as they are.")
    return sentences


# --- A review card --------------------------------------------------------------------------------

def _values_of(records: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {pk: golden_values(record) for pk, record in records.items()}


def pair_levels(domain: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, str]]:
    """Per pair of golden values, each compared attribute's agreement level in the matcher's
    words ("very similar", "one edit", "different"), as the domain's model compares them now."""
    if not pairs:
        return []
    left = [engine_record(domain, f"a{k}", a) for k, (a, _b) in enumerate(pairs)]
    right = [engine_record(domain, f"b{k}", b) for k, (_a, b) in enumerate(pairs)]
    scored = score_pairs(domain, left, right, domain_model(domain))
    return [{ENGINE_NAMES.get(name, name): level for name, level in score.levels.items()} for score in scored]


def _weight(contributions: Any, name: str) -> float | None:
    if not isinstance(contributions, dict):
        return None
    value = contributions.get(name, contributions.get(next((k for k, v in ENGINE_NAMES.items() if v == name), ""), None))
    value = value.get("weight") if isinstance(value, dict) else value
    return float(value) if isinstance(value, (int, float)) else None


def _stored_level(contributions: Any, name: str) -> str | None:
    value = contributions.get(name) if isinstance(contributions, dict) else None
    return value.get("level") if isinstance(value, dict) else None


def _card_rows(candidate, values_a, values_b, levels) -> list[dict]:
    rows = []
    for name in attribute_names(candidate.domain):
        a, b = values_a.get(name), values_b.get(name)
        blank_a, blank_b = a in (None, ""), b in (None, "")
        state = ("empty" if blank_a and blank_b else "missing" if blank_a or blank_b else
                 "agree" if str(a).casefold() == str(b).casefold() else "differ")
        level = _stored_level(candidate.contributions, name) or levels.get(name)
        rows.append({"name": name, "a": a, "b": b, "state": state, "contribution": _weight(candidate.contributions, name),
                     "level": level if level and level != "missing" else None})
    return rows


def review_cards(user, candidates: list[MatchCandidate]) -> list[dict]:
    """Each candidate's two golden records side by side: values, the matcher's level and weight
    per attribute, each side's source systems, whether the council holds it, and who it may be
    given to. A fixed number of queries for any number of cards."""
    ids_by_domain: dict[str, set[str]] = {}
    for c in candidates:
        ids_by_domain.setdefault(c.domain, set()).update({c.golden_id_a, c.golden_id_b})
    records = {}
    for domain, ids in ids_by_domain.items():
        records.update(golden_model(domain).objects.in_bulk(list(ids)))
    values = _values_of(records)
    systems = systems_of(records)
    waiting = dict(ChangeRequest.objects.filter(
        status=ChangeStatus.PENDING, payload__action="merge",
        payload__candidate_id__in=[c.pk for c in candidates]).values_list("payload__candidate_id", "pk"))
    levels: dict[int, dict[str, str]] = {}
    for domain in ids_by_domain:
        open_pairs = [c for c in candidates if c.domain == domain and c.golden_id_a in values and c.golden_id_b in values]
        for c, found in zip(open_pairs, pair_levels(domain, [(values[c.golden_id_a], values[c.golden_id_b])
                                                             for c in open_pairs]), strict=True):
            levels[c.pk] = found
    cards, memo = [], {}
    for c in candidates:
        a, b = records.get(c.golden_id_a), records.get(c.golden_id_b)
        cards.append({
            "candidate": c, "a": a, "b": b, "council_request": waiting.get(c.pk),
            "rows": _card_rows(c, values.get(c.golden_id_a, {}), values.get(c.golden_id_b, {}), levels.get(c.pk, {})),
            "systems_a": systems.get(c.golden_id_a, []), "systems_b": systems.get(c.golden_id_b, []),
            "assignees": assignees_for(c, records, memo),
        })
    return cards


def assignable_users() -> list:
    """Active stewards, council members and administrators (the queue's "assigned to" filter and
    the bulk bar; a card offers only those who may decide it: assignees_for)."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True).filter(
        Q(groups__name__in=["steward", "council"]) | Q(is_superuser=True)).distinct().order_by("username"))


def pair_countries(candidate: MatchCandidate, records: dict[str, Any]) -> tuple[str, ...]:
    """The countries of a customer pair's two records (what a scoped steward needs to reach)."""
    if candidate.domain != Domain.CUSTOMER:
        return ()
    return tuple(sorted({(getattr(records.get(g), "country", "") or "").upper()
                         for g in (candidate.golden_id_a, candidate.golden_id_b)}))


def assignees_for(candidate: MatchCandidate, records: dict[str, Any], memo: dict | None = None) -> list:
    """Who may decide the candidate, so who it may be given to (mdm.permissions.users_who_may);
    `memo` keeps the answer per domain and countries across one page's cards."""
    memo = {} if memo is None else memo
    key = (candidate.domain, pair_countries(candidate, records))
    if key not in memo:
        memo[key] = users_who_may("change", candidate.domain, key[1])
    return memo[key]


# --- Quarantined records -------------------------------------------------------------------------

QUARANTINE_SORTS = {"age": "created_at", "system": "system__name", "source": "source_id"}
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def quarantine_cause(errors: Any) -> str:
    """What made a record unusable, alike for records alike: the failed fields and their first
    message, quoted values left out ("country: … is not a country")."""
    if not isinstance(errors, dict) or not errors:
        return "no reason given"
    parts = []
    for name in sorted(errors):
        messages = errors[name] if isinstance(errors[name], list) else [errors[name]]
        message = _QUOTED.sub("…", str(messages[0])) if messages else ""
        parts.append(f"{name}: {message}" if message else name)
    return "; ".join(parts)


@dataclass(frozen=True)
class ListQuery:
    """A list's filters: domain, system, cause, sort, page (quarantine, dead letters, council)."""

    domain: str = ""
    system: str = ""
    cause: str = ""
    sort: Sort | None = None
    page: int = 1
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parsed(cls, params, user, sorts: dict[str, str], default: str, extra: Iterable[str] = ()) -> ListQuery:
        return cls(domain=_domain_param(params, user), system=params.get("system", "").strip(),
                   cause=params.get("cause", "").strip(), sort=sort_param(params, sorts, default),
                   page=page_param(params), extra={name: params.get(name, "").strip() for name in extra})

    def filters(self) -> dict[str, str]:
        return {"domain": self.domain, "system": self.system, "cause": self.cause, **self.extra}


@dataclass
class WorkList:
    query: ListQuery
    page: Page
    causes: list[Group]
    systems: list[Group]


def _work_list(queryset: QuerySet, query: ListQuery, cause_field: str, cause, per_page: int = LIST_PER_PAGE,
               related: tuple[str, ...] = ("system",)) -> WorkList:
    """Filter by domain and system, group by cause (worked out from `cause_field`), page."""
    if query.domain:
        queryset = queryset.filter(domain=query.domain)
    systems = Counter(dict(queryset.values_list("system__name").annotate(n=Count("pk"))))
    if query.system:
        queryset = queryset.filter(system__name=query.system)
    causes = Counter()
    chosen = []
    for pk, raw in queryset.values_list("pk", cause_field):
        key = cause(raw)
        causes[key] += 1
        if key == query.cause:
            chosen.append(pk)
    if query.cause:
        queryset = queryset.filter(pk__in=chosen)
    page = paged(queryset.select_related(*related).order_by(*query.sort.order_by), query.page, per_page)
    return WorkList(query, page, groups_of(causes, query.cause), groups_of(systems, query.system))


def work_selection(read, user, query: ListQuery, limit: int = BULK_MAX) -> list[int]:
    """The first `limit` items of a work list (`read`: quarantine_list or dead_letters) as the
    query filters and sorts it, across its pages."""
    ids: list[int] = []
    page = 1
    while len(ids) < limit:
        found = read(user, replace(query, page=page), per_page=limit)
        ids += [item.pk for item in found.page.items]
        if not found.page.has_next:
            break
        page += 1
    return ids[:limit]


def quarantine_list(user, query: ListQuery, per_page: int = LIST_PER_PAGE) -> WorkList:
    queryset = restrict(QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN), user, "view")
    return _work_list(queryset, query, "errors", quarantine_cause, per_page)


# --- Dead letters ---------------------------------------------------------------------------------

DEAD_SORTS = {"age": "created_at", "system": "system__name", "attempts": "attempts", "id": "id"}
_NOTE = re.compile(r"\[replayed by [^\]]*\]")
_LONG_NUMBER = re.compile(r"\b\d{5,}\b")


def dead_letter_cause(last_error: str) -> str:
    """A dead letter's error, alike for messages alike: its first line, long numbers (ids, times)
    and quoted values left out, the console's replay notes dropped."""
    lines = [line for line in _NOTE.sub("", last_error or "").splitlines() if line.strip()]
    if not lines:
        return "no error recorded"
    return _LONG_NUMBER.sub("#", _QUOTED.sub("…", lines[0].strip()))[:160]


def dead_letters(user, query: ListQuery, per_page: int = LIST_PER_PAGE) -> WorkList:
    queryset = restrict(OutboxMessage.objects.filter(status=OutboxStatus.DEAD), user, "view")
    return _work_list(queryset, query, "last_error", dead_letter_cause, per_page)


def system_names() -> list[str]:
    return list(SourceSystem.objects.order_by("name").values_list("name", flat=True))


# --- Council requests -------------------------------------------------------------------------------

COUNCIL_SORTS = {"age": "created_at", "domain": "domain", "kind": "kind"}


def request_cause(payload: Any) -> str:
    """What a council request asks, alike for requests alike: "merge", "override tax_id", …"""
    if not isinstance(payload, dict):
        return "unknown"
    action = str(payload.get("action") or "unknown")
    attribute = payload.get("attribute")
    return f"{action.replace('_', ' ')} {attribute}" if attribute else action.replace("_", " ")


@dataclass
class CouncilList:
    query: ListQuery
    page: Page
    causes: list[Group]
    requesters: list[Group]


def council_pending(user, query: ListQuery) -> CouncilList:
    queryset = restrict(ChangeRequest.objects.filter(status=ChangeStatus.PENDING), user, "view")
    if query.domain:
        queryset = queryset.filter(domain=query.domain)
    requester = query.extra.get("requester", "")
    requesters = Counter(dict(queryset.values_list("requested_by__username").annotate(n=Count("pk"))))
    if requester:
        queryset = queryset.filter(requested_by__username=requester)
    causes, chosen = Counter(), []
    for pk, payload in queryset.values_list("pk", "payload"):
        key = request_cause(payload)
        causes[key] += 1
        if key == query.cause:
            chosen.append(pk)
    if query.cause:
        queryset = queryset.filter(pk__in=chosen)
    page = paged(queryset.select_related("requested_by", "decided_by").order_by(*query.sort.order_by), query.page,
                 LIST_PER_PAGE)
    return CouncilList(query, page, groups_of(causes, query.cause), groups_of(requesters, requester))


def records_named(user, ids: Iterable[str]) -> dict[str, str]:
    """golden id -> "Name (id)" for the records among `ids` the user may see; the others are not
    named (the caller says "out of your scope")."""
    by_domain: dict[str, set[str]] = {}
    for golden_id in ids:
        try:
            by_domain.setdefault(domain_of_golden_id(golden_id), set()).add(golden_id)
        except LookupError:
            continue
    named = {}
    for domain, domain_ids in by_domain.items():
        shown = visible_ids(user, domain, domain_ids)
        named.update({record.pk: str(record) for record in golden_model(domain).objects.filter(pk__in=shown)})
    return named


def records_named_all(ids: Iterable[str]) -> dict[str, str]:
    """golden id -> "Name (id)", for records the caller already knows the user may see."""
    by_domain: dict[str, set[str]] = {}
    for golden_id in ids:
        try:
            by_domain.setdefault(domain_of_golden_id(golden_id), set()).add(golden_id)
        except LookupError:
            continue
    return {record.pk: str(record) for domain, domain_ids in by_domain.items()
            for record in golden_model(domain).objects.filter(pk__in=domain_ids)}


def bulk_ids(params, name: str) -> list[int]:
    """The ticked items of a bulk form (whole numbers), at most BULK_MAX."""
    ids = list(dict.fromkeys(int(v) for v in params.getlist(name) if str(v).isdigit()))
    if len(ids) > BULK_MAX:
        raise ValidationError({name: [f"tick at most {BULK_MAX} at a time"]})
    return ids
