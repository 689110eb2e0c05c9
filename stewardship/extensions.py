"""Kinds of change request other rooms put before the council (e.g. orchestration: "a flow may
create this new customer", "a flow goes ahead despite these exceptions").

An app registers, in its AppConfig.ready(), what approving and rejecting such a request does;
stewardship's approve / reject services call it with the same four-eyes rule and history as its
own kinds. Stewardship imports nothing from the registering app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CouncilAction:
    """`apply(request=, acting_user=, reason=)` runs in the approval's transaction;
    `reject(request=, acting_user=, comment=)` (optional) in the rejection's;
    `summary(payload)` is the one line the council page shows."""

    action: str
    apply: Callable[..., Any]
    summary: Callable[[dict], str]
    reject: Callable[..., Any] | None = None


_actions: dict[str, CouncilAction] = {}


def council_action_register(action: CouncilAction) -> None:
    _actions[action.action] = action


def council_action(name: str | None) -> CouncilAction | None:
    return _actions.get(name or "")


def council_request_raise(*, kind: str, action: str, domain: str, golden_id: str, payload: dict[str, Any],
                          reason: str, acting_user):
    """Put a registered kind of change request in the council's queue (the same path as overrides
    and merges take)."""
    from stewardship.services import _change_request

    if council_action(action) is None:
        raise LookupError(f"no council action {action!r} is registered")
    return _change_request(kind=kind, domain=domain, golden_id=golden_id, payload={**payload, "action": action},
                           reason=reason, acting_user=acting_user)
