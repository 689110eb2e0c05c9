"""Who sees and does what: the one permission filter every path goes through — the console, the
REST API, lookups, cross-references, match checks, history, quality, operations, flows, search and
every count.

Role groups (mdm.policy) grant per-domain model permissions: view_/add_/change_/approve_<domain>.
A steward scope (stewardship's StewardScope rows, read here through `user.steward_scopes`) narrows
a user to the domains it names and, for customers, to some countries. Contracts and projects are
scoped by domain alone. A single golden record can also be shared with a user through a
django-guardian object permission.

Two surfaces read the same rules: the API, where every role counts, and the console, which is
for people — there the integration role's permissions count for nothing.

How a refusal shows: the console answers 403 for a record or a domain the user may not act on;
the API answers 403 for a domain the user has no permission for at all and 404 for a record out
of the user's scope (for that user it does not exist). Lists and counts simply leave out what the
user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from mdm.auth import PERMISSION_KINDS, permission_cache_key
from mdm.choices import Domain
from mdm.models import Customer, GoldenRecord, golden_model

ACTIONS = ("view", "add", "change", "approve")
CONSOLE_ROLES = ("steward", "council", "auditor")
API, CONSOLE = "api", "console"
SURFACES = (API, CONSOLE)


@dataclass(frozen=True)
class Reach:
    """What one user may do in one domain: the countries (None = every country)."""

    domain: str
    countries: tuple[str, ...] | None = None


@dataclass
class Access:
    """A user's reach per action and domain on one surface."""

    reaches: dict[str, dict[str, Reach]] = field(default_factory=dict)  # action -> domain -> reach

    def domains(self, action: str) -> list[str]:
        return list(self.reaches.get(action, {}))

    def reach(self, action: str, domain: str) -> Reach | None:
        return self.reaches.get(action, {}).get(domain)

    def unlimited(self, action: str = "view") -> list[str]:
        """The domains the user may `action` in full: every country."""
        return [d for d, reach in self.reaches.get(action, {}).items() if reach.countries is None]

    def sees_everything(self) -> bool:
        return set(self.unlimited("view")) == set(Domain.values)

    def describe(self) -> str:
        """The view scope in words, for a page that says what it covers."""
        parts = []
        for domain in self.domains("view"):
            countries = self.reach("view", domain).countries
            parts.append(f"{domain}s" + (f" in {', '.join(countries)}" if countries else ""))
        return ", ".join(parts) or "nothing"


def _cache_key(surface: str, user_id) -> str:
    return f"concord:access:{surface}:{user_id}"


def access_of(user, surface: str = CONSOLE) -> Access:
    """The user's reach per action and domain: remembered on the user object for the request and,
    like model permissions (mdm.auth), for CONCORD_PERMISSION_CACHE_SECONDS across requests, so an
    API call runs no permission query. A scope or role change is forgotten at once (access_forget)."""
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return Access()
    held = user.__dict__.setdefault("_concord_access", {})
    if surface in held:
        return held[surface]
    ttl = getattr(settings, "CONCORD_PERMISSION_CACHE_SECONDS", 30)
    access = cache.get(_cache_key(surface, user.pk)) if ttl else None
    if access is None:
        access = _access_computed(user, surface)
        if ttl:
            cache.set(_cache_key(surface, user.pk), access, ttl)
    held[surface] = access
    return access


def _access_computed(user, surface: str) -> Access:
    access = Access()
    if surface == CONSOLE and not (user.is_superuser or user.groups.filter(name__in=CONSOLE_ROLES).exists()):
        return access
    scopes = {} if user.is_superuser else {s.domain: s for s in user.steward_scopes.all()}
    for action in ACTIONS:
        for domain in Domain.values:
            if not user.has_perm(f"mdm.{action}_{domain}"):
                continue
            if not scopes:
                access.reaches.setdefault(action, {})[domain] = Reach(domain)
            elif domain in scopes:
                countries = scopes[domain].countries if domain == Domain.CUSTOMER else []
                countries = tuple(sorted(c.upper() for c in countries)) or None
                access.reaches.setdefault(action, {})[domain] = Reach(domain, countries)
    return access


def access_forget(user_id) -> None:
    """Drop what is remembered of a user's permissions and scopes (their roles or scopes changed)."""
    cache.delete_many([_cache_key(surface, user_id) for surface in SURFACES]
                      + [permission_cache_key(kind, user_id) for kind in PERMISSION_KINDS])


def _shared_with(user, action: str, model):
    """Primary keys of golden records shared with the user one by one through a django-guardian
    object permission (e.g. a steward covering one account of a colleague's region)."""
    from guardian.models import UserObjectPermission

    return UserObjectPermission.objects.filter(
        user=user, permission__codename=f"{action}_{model.domain}", permission__content_type__app_label="mdm",
        content_type__model=model._meta.model_name).values("object_pk")


def _customer_ids(countries: tuple[str, ...]):
    return Customer.objects.filter(country__in=countries).values("pk")


def restrict(queryset: QuerySet, user, action: str = "view", *, surface: str = CONSOLE) -> QuerySet:
    """Only the rows `user` may `action`: golden records by their domain (and a customer's country);
    rows about golden records (cross-references, candidates, quarantine, outbox, overrides,
    violations, change requests, their history) by their `domain` field and, for customers with a
    country scope, by the golden record they concern. An unscoped user's queryset is returned as
    it is, so the filter costs the common case nothing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    access = access_of(user, surface)
    model = queryset.model
    if issubclass(model, GoldenRecord):
        reach = access.reach(action, model.domain)
        if reach is None:
            if not user.is_authenticated:
                return queryset.none()
            return queryset.filter(pk__in=_shared_with(user, action, model))
        if reach.countries is not None and model is Customer:
            return queryset.filter(Q(country__in=reach.countries) | Q(pk__in=_shared_with(user, action, model)))
        return queryset
    domains = access.domains(action)
    if set(domains) == set(Domain.values) and all(access.reach(action, d).countries is None for d in domains):
        return queryset
    condition = Q(pk__in=[])
    for domain in domains:
        reach = access.reach(action, domain)
        clause = Q(domain=domain)
        if reach.countries is not None and domain == Domain.CUSTOMER:
            clause &= _country_clause(model, reach.countries)
        condition |= clause
    return queryset.filter(condition)


def _country_clause(model, countries: tuple[str, ...]) -> Q:
    names = {f.name for f in model._meta.get_fields()}
    if "golden_id_a" in names:  # match candidates: both records must be in the steward's countries
        return Q(golden_id_a__in=_customer_ids(countries)) & Q(golden_id_b__in=_customer_ids(countries))
    if "golden_id" in names:
        return Q(golden_id__in=_customer_ids(countries))
    # Quarantined records have no golden record yet and their country is raw source text: the
    # domain decides alone.
    return Q()


def restrict_by_golden(queryset: QuerySet, user, action: str = "view", *, domain: str, field: str,
                       surface: str = CONSOLE) -> QuerySet:
    """Rows of another room that name a golden record of `domain` in `field` (a flow's contract):
    those whose record the user may `action`, and those that name none yet if the user may act in
    the domain at all."""
    reach = access_of(user, surface).reach(action, domain)
    if reach is None:
        return queryset.none()
    if reach.countries is None or domain != Domain.CUSTOMER:
        return queryset
    visible = restrict(golden_model(domain).objects.all(), user, action, surface=surface).values("pk")
    return queryset.filter(Q(**{field: ""}) | Q(**{f"{field}__in": visible}))


def restrict_by_goldens(queryset: QuerySet, user, action: str = "view", *, fields: dict[str, str],
                        surface: str = CONSOLE) -> QuerySet:
    """Rows that concern golden records of several domains (`fields`: domain -> the field naming
    its record; a flow's contract and project): those the user may `action` through any one of
    those domains, by `restrict_by_golden`'s rule for each."""
    reached = [(domain, name) for domain, name in fields.items()
               if access_of(user, surface).reach(action, domain) is not None]
    if not reached:
        return queryset.none()
    condition = Q(pk__in=[])
    for domain, name in reached:
        allowed = restrict_by_golden(queryset, user, action, domain=domain, field=name, surface=surface)
        if allowed is queryset:  # the whole domain: every row
            return queryset
        condition |= Q(pk__in=allowed.values("pk"))
    return queryset.filter(condition)


def may_any(user, action: str, domains, *, surface: str = CONSOLE) -> bool:
    """May `user` do `action` in at least one of `domains` (a page about records of several)?"""
    return any(access_of(user, surface).reach(action, domain) is not None for domain in domains)


def golden_records_visible_to(user, domain: str, action: str = "view", *, surface: str = CONSOLE) -> QuerySet:
    """The golden records of `domain` the user may `action`."""
    return restrict(golden_model(domain).objects.all(), user, action, surface=surface)


def visible_ids(user, domain: str, ids, action: str = "view", *, surface: str = CONSOLE) -> set[str]:
    """Of these golden ids of `domain`, those the user may `action` (no query when unscoped)."""
    ids = set(ids)
    reach = access_of(user, surface).reach(action, domain)
    if not ids or (reach is not None and (reach.countries is None or domain != Domain.CUSTOMER)):
        return ids
    return set(golden_records_visible_to(user, domain, action, surface=surface).filter(pk__in=ids)
               .values_list("pk", flat=True))


def users_who_may(action: str, domain: str, countries=(), *, surface: str = CONSOLE) -> list:
    """The active users who may `action` in `domain` — for customers, in every one of `countries`
    (a review pair's two countries): the same rules as `access_of`, asked the other way round, in
    two queries for any number of users (who a review card may be given to)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    permission = Permission.objects.filter(content_type__app_label="mdm", codename=f"{action}_{domain}").first()
    users = get_user_model().objects.filter(is_active=True)
    granted = Q(is_superuser=True)
    if permission is not None:
        granted |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    users = users.filter(granted)
    if surface == CONSOLE:
        users = users.filter(Q(is_superuser=True) | Q(groups__name__in=CONSOLE_ROLES))
    wanted = {str(c).upper() for c in countries if c}
    found = []
    for user in users.distinct().order_by("username").prefetch_related("steward_scopes"):
        scopes = {scope.domain: scope for scope in user.steward_scopes.all()}
        if user.is_superuser or not scopes:
            found.append(user)
            continue
        scope = scopes.get(domain)
        reach = {str(c).upper() for c in scope.countries} if scope is not None and domain == Domain.CUSTOMER else set()
        if scope is not None and (not reach or wanted <= reach):
            found.append(user)
    return found


def can(user, action: str, domain: str, golden: GoldenRecord | None = None, *, surface: str = CONSOLE) -> bool:
    """May `user` do `action` in `domain` — and, given a golden record, on that record (its country
    for scoped customer stewards, or a guardian object permission shared with the user)."""
    reach = access_of(user, surface).reach(action, domain)
    if reach is not None and (golden is None or reach.countries is None or not isinstance(golden, Customer)
                              or (golden.country or "").upper() in reach.countries):
        return True
    return golden is not None and user.is_active and user.has_perm(f"mdm.{action}_{domain}", golden)


def require(user, action: str, domain: str, golden: GoldenRecord | None = None, *, surface: str = CONSOLE) -> None:
    """Raise PermissionDenied (a 403) unless `user` may `action` in `domain` (and on `golden`)."""
    if not can(user, action, domain, golden, surface=surface):
        what = f"{golden.id}" if golden is not None else f"{domain} records"
        raise PermissionDenied(f"You may not {action} {what}.")




def forget_on_change(sender, instance, action: str | None = None, reverse: bool = False, pk_set=None,
                     **kwargs) -> None:
    """Signal receiver: a steward scope saved or deleted (its user), or a user's groups changed
    (`user.groups`: the user; `group.user_set`: the users named in pk_set)."""
    if action is None:
        access_forget(instance.user_id)
    elif action.startswith("post_"):
        for user_id in (pk_set or ()) if reverse else [instance.pk]:
            access_forget(user_id)
