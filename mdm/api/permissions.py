"""The API's side of mdm.permissions: a domain the caller has no permission for is a 403; every
queryset a view reads is restricted to the caller's scope, so a record out of it is a 404 and no
list or count includes it. The views say which domain they serve (`get_domain`), which POST
actions only read (`read_actions`) and which permission a write needs (`write_action`)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from mdm.permissions import API, access_of, restrict


def action_of(request, view) -> str:
    """The permission a request needs: view for reads (and read-shaped POSTs), else the view's
    write action (add or change)."""
    if request.method in SAFE_METHODS or getattr(view, "action", None) in getattr(view, "read_actions", ()):
        return "view"
    return getattr(view, "write_action", "change")


def has_domain_permission(user, action: str, domain: str) -> bool:
    return access_of(user, API).reach(action, domain) is not None


class DomainPermission(BasePermission):
    """The caller holds the request's permission in the view's domain (scope aside)."""

    message = "You do not have permission for this domain."

    def has_permission(self, request, view) -> bool:
        return has_domain_permission(request.user, action_of(request, view), view.get_domain())


class AnyDomainPermission(BasePermission):
    """For views across domains (cross-references, source keys, quality): the caller may view at
    least one domain; the restricted queryset then shows only those."""

    message = "You do not have permission for any domain."

    def has_permission(self, request, view) -> bool:
        return bool(access_of(request.user, API).domains("view"))


class RestrictedQuerysetMixin:
    """As NetBox's BaseViewSet.initial(): once the request is authenticated and permitted, the
    view's `queryset` is narrowed to what the caller may do, so every list, detail, action and
    count built from `get_queryset()` is in scope."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.queryset = restrict(self.queryset, request.user, action_of(request, self), surface=API)
