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
