"""Per-domain API permissions through the role groups' model permissions (see mdm.policy)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def has_domain_permission(user, action: str, domain: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(f"mdm.{action}_{domain}"))


class DomainPermission(BasePermission):
    """Reads need view_<domain>; writes need the view's `write_action` (add/change) on it.
    Read-shaped POST actions (a match check) are listed in the view's `read_actions`."""

    message = "You do not have permission for this domain."

    def has_permission(self, request, view) -> bool:
        domain = view.get_domain()
        if request.method in SAFE_METHODS or getattr(view, "action", None) in getattr(view, "read_actions", ()):
            return has_domain_permission(request.user, "view", domain)
        return has_domain_permission(request.user, getattr(view, "write_action", "change"), domain)
