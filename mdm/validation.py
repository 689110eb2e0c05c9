"""A Django ValidationError as a steward reads it: per field, or in one line. Every screen that
shows a refusal uses these, so a refusal reads the same on every page."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def error_fields(error: ValidationError) -> dict[str, list[str]]:
    """Field name -> messages; a refusal of the whole form under "__all__"."""
    if hasattr(error, "error_dict"):
        return {name: [m for e in errors for m in e.messages] for name, errors in error.error_dict.items()}
    return {"__all__": list(error.messages)}


def error_text(error: ValidationError) -> str:
    """One line: "field: message; other: message", a whole-form refusal without a field name."""
    return "; ".join(f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
                     for name, messages in error_fields(error).items())
