"""Who may see and do what in the console — one filter every list path goes through.

Role groups (mdm.policy) grant per-domain model permissions: view_/change_/approve_<domain>.
A StewardScope narrows a user to the domains it names and, for customers, to some countries.
Auditors have view permissions only, so every change is refused to them.
A single golden record can also be shared with a user through a django-guardian object permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from guardian.models import UserObjectPermission

from mdm.choices import Domain
from mdm.models import Customer, GoldenRecord, domain_of_golden_id

ACTIONS = ("view", "change", "approve")
# The console is for people: the integration role's permissions are for the API, not for screens.
CONSOLE_ROLES = ("steward", "council", "auditor")


@dataclass(frozen=True)
class Reach:
    """What one user may do in one domain: allowed or not, and the countries (None = all)."""

    domain: str
    countries: tuple[str, ...] | None = None


@dataclass
class Access:
    user: object
    reaches: dict[str, dict[str, Reach]] = field(default_factory=dict)  # action -> domain -> reach

    def domains(self, action: str) -> list[str]:
        return list(self.reaches.get(action, {}))

    def reach(self, action: str, domain: str) -> Reach | None:
        return self.reaches.get(action, {}).get(domain)


def access_of(user) -> Access:
    """The user's reach per action and domain, computed once per request (cached on the user)."""
    cached = getattr(user, "_concord_access", None)
    if cached is not None:
        return cached
    access = Access(user=user)
    console_user = user.is_authenticated and user.is_active and (
        user.is_superuser or user.groups.filter(name__in=CONSOLE_ROLES).exists())
    if console_user:
        scopes = {s.domain: s for s in user.steward_scopes.all()}
        for action in ACTIONS:
            for domain in Domain.values:
                if not user.has_perm(f"mdm.{action}_{domain}"):
                    continue
                if user.is_superuser or not scopes:
                    access.reaches.setdefault(action, {})[domain] = Reach(domain)
                elif domain in scopes:
                    countries = tuple(c.upper() for c in scopes[domain].countries) or None
                    access.reaches.setdefault(action, {})[domain] = Reach(domain, countries)
    user._concord_access = access
    return access


def _shared_with(user, action: str, model):
    """Golden records shared with the user one by one through a django-guardian object permission
    (e.g. a steward covering one account of a colleague's region)."""
    if not user.is_authenticated:
        return model.objects.none().values("pk")
    codename = f"{action}_{model.domain}"
    return UserObjectPermission.objects.filter(
        user=user, permission__codename=codename, permission__content_type__app_label="mdm",
        content_type__model=model._meta.model_name).values("object_pk")


def _customer_ids(countries: tuple[str, ...]):
    return Customer.objects.filter(country__in=countries).values("pk")


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """Only the rows `user` may `action`: golden records by their domain (and a customer's country),
    console rows (candidates, quarantine, outbox, overrides, change requests) by their `domain` field
    and, for customers with a country scope, by the golden record they concern."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    access = access_of(user)
    model = queryset.model
    if issubclass(model, GoldenRecord):
        reach = access.reach(action, model.domain)
        shared = _shared_with(user, action, model)
        if reach is None:
            return queryset.filter(pk__in=shared)
        if reach.countries is not None and model is Customer:
            return queryset.filter(Q(country__in=reach.countries) | Q(pk__in=shared))
        return queryset
    condition = Q(pk__in=[])
    for domain in access.domains(action):
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


def can(user, action: str, domain: str, golden: GoldenRecord | None = None) -> bool:
    """May `user` do `action` in `domain` — and, given a golden record, on that record (its country
    for scoped customer stewards, or a guardian object permission shared with the user)."""
    reach = access_of(user).reach(action, domain)
    if reach is not None and (golden is None or reach.countries is None or not isinstance(golden, Customer)
                              or golden.country.upper() in reach.countries):
        return True
    return golden is not None and user.is_active and user.has_perm(f"mdm.{action}_{domain}", golden)


def require(user, action: str, domain: str, golden: GoldenRecord | None = None) -> None:
    """Raise PermissionDenied (a 403) unless `user` may `action` in `domain` (and on `golden`)."""
    if not can(user, action, domain, golden):
        what = f"{golden.id}" if golden is not None else f"{domain} records"
        raise PermissionDenied(f"You may not {action} {what}.")


def require_golden(user, action: str, golden_id: str) -> None:
    from mdm.models import golden_model

    domain = domain_of_golden_id(golden_id)
    record = golden_model(domain).objects.filter(pk=golden_id).first()
    require(user, action, domain, record)
