from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")


@register.filter
def show(value):
    """A value as stewards read it: blanks as an em dash."""
    return "—" if value in (None, "") else value


@register.filter
def when(value):
    """An ISO timestamp from lineage JSON as a datetime for the date filters."""
    if not value:
        return None
    return parse_datetime(value) if isinstance(value, str) else value


@register.filter
def signed(value):
    try:
        return f"{float(value):+.2f}"
    except (TypeError, ValueError):
        return "—"


@register.filter
def human(name):
    return str(name).replace("_", " ")


@register.filter
def percent(value, digits: int = 1):
    """A share (0–1) as stewards read it: 0.9731 -> "97.3 %"."""
    try:
        return f"{float(value) * 100:.{int(digits)}f} %"
    except (TypeError, ValueError):
        return "—"


NAV = [  # (url name, label, app or url names that mark it current, who may open it)
    ("stewardship:home", "Home", {"home"}, "anyone"),
    ("stewardship:golden_list", "Golden records", {"golden_list", "golden", "resolve"}, "viewer"),
    ("stewardship:match_queue", "Match review", {"match_queue", "match_bulk"}, "viewer"),
    ("stewardship:model_overview", "Matching",
     {"teach_queue", "model_overview", "model_detail", "rule_preview", "rule_preview_detail"}, "viewer"),
    ("stewardship:exceptions", "Exceptions", {"exceptions", "quarantine_fix", "exceptions_bulk"}, "viewer"),
    ("quality:violations", "Data quality", {"quality"}, "viewer"),
    ("stewardship:council", "Council", {"council", "council_request", "council_bulk"}, "viewer"),
    ("orchestration:flows", "Flows", {"orchestration"}, "flows"),
    ("operations:dashboard", "Operations", {"operations"}, "viewer"),
]


@register.simple_tag(takes_context=True)
def console_nav(context) -> list[dict]:
    """The navigation the signed-in user may follow: a page that would answer 403 is not offered
    (Flows need the contract or the project domain; every console page a console role)."""
    from django.urls import reverse

    from mdm.permissions import access_of, may_any

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    access = access_of(user)
    match = getattr(request, "resolver_match", None)
    current = {getattr(match, "url_name", None), getattr(match, "app_name", None)}
    allowed = {"anyone": True, "viewer": bool(access.domains("view")), "flows": may_any(user, "view", ("contract", "project"))}
    return [{"url": reverse(name), "label": label, "current": bool(marks & current)}
            for name, label, marks, who in NAV if allowed[who]]
