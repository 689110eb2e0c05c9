"""What staffing shows on the operations dashboard (a summary and a link to /staffing/) and at
/metrics: utilization over the coming weeks, timesheet hours not billed yet, the firm's margin and
the projects below their floor, and the latency of the three sync classes — near-real-time
(allocations), batch (timesheet summaries) and scheduled (margin snapshots)."""

from __future__ import annotations

from staffing.selectors import (
    batch_latencies,
    firm_margin,
    project_margins,
    snapshot_age,
    sync_latencies,
    unbilled_hours,
    utilization_next_weeks,
)


def _quantiles(sync_class: str, values: list[float]) -> list[tuple[dict, float]]:
    values = sorted(values)
    if not values:
        return []
    return [({"sync_class": sync_class, "quantile": "0.5"}, values[len(values) // 2]),
            ({"sync_class": sync_class, "quantile": "max"}, values[-1])]


def figures(viewer=None):
    from operations.registry import Figure

    value = utilization_next_weeks(viewer)
    yield Figure("concord_staffing_utilization_forecast_ratio", "Allocated hours over capacity, coming weeks",
                 samples=[({}, float(value))] if value is not None else [], unit="ratio")
    yield Figure("concord_staffing_allocation_sync_latency_seconds",
                 "From an allocation's change in the PSA to the hub holding it (last day)",
                 samples=_quantiles("near_real_time", sync_latencies()) if viewer is None else [], unit="seconds")
    yield Figure("concord_timesheet_unbilled_hours", "Timesheet hours no billing summary has carried to the ERP yet",
                 samples=[({}, float(unbilled_hours(viewer)))], unit="count", chart=True)
    margins = project_margins(viewer, points=1)
    margin = firm_margin(margins)
    yield Figure("concord_project_margin_ratio", "Margin over the latest snapshot of every project",
                 samples=[({}, margin)] if margin is not None else [], unit="ratio", chart=True)
    below = sum(row.latest.below_floor for row in margins)
    yield Figure("concord_projects_below_margin_floor", "Projects whose latest margin is below their floor",
                 samples=[({}, float(below))], unit="count")
    if viewer is None:
        age = snapshot_age()
        latencies = (_quantiles("near_real_time", sync_latencies()) + _quantiles("batch", batch_latencies())
                     + ([({"sync_class": "scheduled", "quantile": "max"}, age)] if age is not None else []))
        yield Figure("concord_sync_class_latency_seconds",
                     "Near-real-time: PSA change to hub (last day); batch: a week ready to bill to its summary in "
                     "the ERP (7 days); scheduled: age of the newest margin snapshot",
                     samples=latencies, unit="seconds", chart=True)


def section_context(request) -> dict:
    from operations.registry import dashboard_viewer

    viewer = dashboard_viewer(request)
    value = utilization_next_weeks(viewer)
    rows = project_margins(viewer, points=1)
    margin = firm_margin(rows)
    return {"staffing": {"utilization": value,
                         "utilization_percent": round(value * 100) if value is not None else None,
                         "unbilled_hours": unbilled_hours(viewer),
                         "margin_percent": round(margin * 100) if margin is not None else None,
                         "below_floor": sum(row.latest.below_floor for row in rows)}}


def register() -> None:
    from operations.registry import Section, register_figures, register_section

    register_figures("staffing", figures, scoped=True)
    register_section(Section(key="staffing", title="Staffing", template="staffing/section.html",
                             context=section_context, order=60))
