from django import template

register = template.Library()


@register.filter
def percent(value):
    """0.873 -> '87.3%'."""
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return "—"


@register.filter
def seconds(value):
    """A duration in seconds as people say it: '40 min', '5.5 h', '3.2 days'."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "—"
    if value < 3600:
        return f"{value / 60:.0f} min"
    if value < 2 * 86400:
        return f"{value / 3600:.1f} h"
    return f"{value / 86400:.1f} days"
