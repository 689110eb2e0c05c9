"""What other rooms contribute to the operations dashboard and to /metrics.

Operations knows no flow, rule or connector by name: each app registers, in its AppConfig.ready(),
the figures it can compute (`register_figures`) and, if it has one, a dashboard section
(`register_section`). The dashboard renders every section; /metrics exposes every figure, so the
two always show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Figure:
    """One metric family: a Prometheus name (snake_case, prefix `concord_`), its help text, its
    kind, and its samples as (labels, value)."""

    name: str
    help: str
    kind: Literal["gauge", "counter"] = "gauge"
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    """A block of the dashboard: `context(request)` returns what `template` renders."""

    key: str
    title: str
    template: str
    context: Callable[[Any], dict]
    order: int = 100


_figures: dict[str, Callable[[], Iterable[Figure]]] = {}
_sections: dict[str, Section] = {}


def register_figures(key: str, collect: Callable[[], Iterable[Figure]]) -> None:
    """`collect()` is called at each scrape and dashboard view; it reads the database."""
    _figures[key] = collect


def register_section(section: Section) -> None:
    _sections[section.key] = section


def figures() -> list[Figure]:
    collected: list[Figure] = []
    for collect in _figures.values():
        collected.extend(collect())
    return collected


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))
