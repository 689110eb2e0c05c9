"""The opportunity -> project flow as a state machine: its steps, their states, and the
transitions between them. Pure: no Django, no I/O; orchestration.services persists around it.

A flow walks its steps in order. A step is `pending` until it first runs, `running` while it
waits (for the outbox to deliver, or for the council), then `done`, `failed` or `skipped`.
A failed step stops the flow (`failed`) until a replay puts that step back to work; steps
already done are never run again. Cancelling a flow compensates its done steps in reverse
order where the process asks for it (`compensated`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The steps, in the order they run.
VALIDATE = "validate"
CUSTOMER = "customer"
CONTRACT = "contract"
PROJECT = "project"
BILLING = "billing_schedule"
PUBLISH = "publish"
STEPS = (VALIDATE, CUSTOMER, CONTRACT, PROJECT, BILLING, PUBLISH)
STEP_LABELS = {VALIDATE: "Validate the opportunity", CUSTOMER: "ERP customer", CONTRACT: "ERP contract",
               PROJECT: "PSA project", BILLING: "ERP billing schedule", PUBLISH: "Publish the domain event"}
# Steps whose effect is undone when a flow is cancelled after they succeeded.
COMPENSATED = (PROJECT, BILLING)

# Step states
PENDING, RUNNING, DONE, FAILED, COMPENSATED_STATE, SKIPPED = (
    "pending", "running", "done", "failed", "compensated", "skipped")
STEP_STATES = (PENDING, RUNNING, DONE, FAILED, COMPENSATED_STATE, SKIPPED)
FINISHED_STEP_STATES = (DONE, SKIPPED)

# Flow states
FLOW_RUNNING, FLOW_WAITING, FLOW_FAILED, FLOW_DONE, FLOW_CANCELLED = (
    "running", "waiting_approval", "failed", "done", "cancelled")
FLOW_STATES = (FLOW_RUNNING, FLOW_WAITING, FLOW_FAILED, FLOW_DONE, FLOW_CANCELLED)
OPEN_FLOW_STATES = (FLOW_RUNNING, FLOW_WAITING)


class TransitionError(Exception):
    """A transition the machine does not allow (e.g. replaying a flow that did not fail)."""


@dataclass(frozen=True)
class StepResult:
    """What running a step once gave: finished (`done` / `skipped`), still `waiting` (for delivery
    or for the council: `waiting_for` says which), or `failed` with an error."""

    outcome: str  # done | skipped | waiting | failed
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    waiting_for: str = ""  # "delivery" | "council"

    @classmethod
    def done(cls, **details: Any) -> StepResult:
        return cls("done", details)

    @classmethod
    def skipped(cls, reason: str, **details: Any) -> StepResult:
        return cls("skipped", {"reason": reason, **details})

    @classmethod
    def waiting(cls, waiting_for: str, **details: Any) -> StepResult:
        return cls("waiting", details, waiting_for=waiting_for)

    @classmethod
    def failed(cls, error: str, **details: Any) -> StepResult:
        return cls("failed", details, error=error)


def current_step(states: dict[str, str]) -> str | None:
    """The first step not finished, or None when every step is done or skipped."""
    return next((name for name in STEPS if states.get(name, PENDING) not in FINISHED_STEP_STATES), None)


def step_state_after(result: StepResult) -> str:
    return {"done": DONE, "skipped": SKIPPED, "waiting": RUNNING, "failed": FAILED}[result.outcome]


def flow_state_of(states: dict[str, str], *, waiting_for: str = "", cancelled: bool = False) -> str:
    """The flow's state from its steps' states."""
    if cancelled:
        return FLOW_CANCELLED
    if any(state == FAILED for state in states.values()):
        return FLOW_FAILED
    if current_step(states) is None:
        return FLOW_DONE
    return FLOW_WAITING if waiting_for == "council" else FLOW_RUNNING


def replay_step(states: dict[str, str], flow_state: str) -> str:
    """The step a replay resumes at: the failed one. Only a failed flow is replayed."""
    if flow_state != FLOW_FAILED:
        raise TransitionError(f"only a failed flow is replayed; this one is {flow_state}")
    failed = [name for name in STEPS if states.get(name) == FAILED]
    if not failed:
        raise TransitionError("the flow has no failed step to resume at")
    return failed[0]


def compensation_plan(states: dict[str, str], flow_state: str) -> list[str]:
    """Steps to undo when the flow is cancelled, latest first: the done ones that need it."""
    if flow_state in (FLOW_DONE, FLOW_CANCELLED):
        raise TransitionError(f"a {flow_state} flow is not cancelled")
    return [name for name in reversed(STEPS) if name in COMPENSATED and states.get(name) == DONE]
