"""What other rooms contribute to the operations dashboard and to /metrics.

Operations knows no flow, rule or connector by name: each app registers, in its AppConfig.ready(),
the figures it can compute (`register_figures`) and, if it has one, a dashboard section
(`register_section`). The dashboard renders every section; /metrics exposes every figure, so the
two always show the same numbers.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)
# Prometheus' rule for metric and label names.
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class Figure:
    """One metric family: a Prometheus name (snake_case, prefix `concord_`), its help text, its
    kind, and its samples as (labels, value).

    `chart=True` asks for the figure to be snapshotted into the KPI time series (every 15 minutes)
    and drawn on the dashboard; `unit` ("seconds", "ratio", "count") tells the chart how to label it.
    """

    name: str
    help: str
    kind: Literal["gauge", "counter"] = "gauge"
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)
    chart: bool = False
    unit: str = ""

    def problems(self) -> list[str]:
        """What makes this figure unexposable (empty when it is fine)."""
        found = []
        if not _NAME.match(self.name) or not self.name.startswith("concord_"):
            found.append(f"figure name {self.name!r} is not a Prometheus name starting with concord_")
        if self.kind not in ("gauge", "counter"):
            found.append(f"figure {self.name}: kind {self.kind!r} is neither gauge nor counter")
        for labels, value in self.samples:
            bad = [name for name in labels if not _LABEL.match(name) or name.startswith("__")]
            if bad:
                found.append(f"figure {self.name}: label names {bad} are not Prometheus label names")
            if not isinstance(value, int | float) or isinstance(value, bool):
                found.append(f"figure {self.name}: value {value!r} of {labels} is not a number")
        return found


@dataclass(frozen=True)
class Section:
    """A block of the dashboard: `context(request)` returns what `template` renders."""

    key: str
    title: str
    template: str
    context: Callable[[Any], dict]
    order: int = 100


_figures: dict[str, tuple[Callable[..., Iterable[Figure]], bool]] = {}
_sections: dict[str, Section] = {}


def register_figures(key: str, collect: Callable[..., Iterable[Figure]], *, scoped: bool = False) -> None:
    """`collect()` is called at each scrape and dashboard view; it reads the database.

    A `scoped` collector is also called as `collect(viewer=user)` for a dashboard viewer whose
    scope is narrower than everything, and then counts only what that user may see
    (mdm.permissions.restrict); an unscoped collector's figures are shown to such a viewer not at all."""
    _figures[key] = (collect, scoped)


def register_section(section: Section) -> None:
    _sections[section.key] = section


@dataclass
class Collected:
    """Every figure the registered collectors gave, and the collectors that failed (key -> error).

    A failing collector is logged and reported, never hidden: /metrics exposes it as
    concord_figures_failed{source=...} and the dashboard names it, while the others still show."""

    figures: list[Figure] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def collect_all(viewer=None) -> Collected:
    """Run every collector (for a dashboard `viewer`: as that user may see them, see
    register_figures); a collector that raises or returns an unexposable figure (bad name, a name
    another collector already used, a non-number) fails alone with its reason."""
    from django.db import transaction

    from mdm.permissions import access_of

    if viewer is not None and access_of(viewer).sees_everything():
        viewer = None  # the same numbers as /metrics (dashboard_viewer says the same to sections)
    result = Collected()
    seen: dict[str, str] = {}
    for key, (collector, scoped) in list(_figures.items()):
        if viewer is not None and not scoped:
            continue
        try:
            with transaction.atomic():  # a savepoint: a failed query leaves the others usable
                given = list(collector() if viewer is None else collector(viewer=viewer))
        except Exception as error:  # one app's bug must not blind the whole dashboard
            log.exception("operations: figure collector %r failed", key)
            result.failures[key] = f"{type(error).__name__}: {error}"
            continue
        problems = [p for figure in given for p in figure.problems()]
        problems += [f"figure {f.name} is already given by {seen[f.name]!r}" for f in given if f.name in seen]
        names = [f.name for f in given]
        problems += [f"figure {name} is given twice" for name in sorted({n for n in names if names.count(n) > 1})]
        if problems:
            log.error("operations: figure collector %r gave unexposable figures: %s", key, "; ".join(problems))
            result.failures[key] = "; ".join(problems)
            continue
        for figure in given:
            seen[figure.name] = key
        result.figures.extend(given)
    return result


# One dashboard view reads each figure once: its collectors and its sections ask the same
# selectors (a section shows what its figures count), and within one_reading() the second asks
# get the first answer. Outside a reading (a /metrics scrape, a test) every call reads afresh.
_reading: ContextVar[dict | None] = ContextVar("operations_reading", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Within this block, functions marked read_once compute each (function, arguments) once."""
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


def read_once(function: Callable) -> Callable:
    """Mark a selector that both a figure collector and a dashboard section call (its arguments
    must be hashable: a viewer, a number, None)."""
    @functools.wraps(function)
    def reading(*args, **kwargs):
        memo = _reading.get()
        if memo is None:
            return function(*args, **kwargs)
        key = (function, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = function(*args, **kwargs)
        return memo[key]
    return reading


def dashboard_viewer(request):
    """The viewer a section counts for: None (everything, as /metrics) for a user who sees
    everything, else the user, as collect_all passes it to scoped collectors."""
    from mdm.permissions import access_of

    user = getattr(request, "user", None)
    return None if user is None or access_of(user).sees_everything() else user


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))
