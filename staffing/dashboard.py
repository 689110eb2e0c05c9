"""What staffing shows on the operations dashboard (a summary and a link to /staffing/) and at
/metrics: utilization over the coming weeks, and the allocation sync's latency (near-real-time)."""

from __future__ import annotations

from staffing.selectors import sync_latencies, utilization_next_weeks


def figures(viewer=None):
    from operations.registry import Figure

    value = utilization_next_weeks(viewer)
    yield Figure("concord_staffing_utilization_forecast_ratio", "Allocated hours over capacity, coming weeks",
                 samples=[({}, float(value))] if value is not None else [], unit="ratio")
    latencies = sorted(sync_latencies())
    samples = []
    if latencies and viewer is None:
        samples = [({"sync_class": "near_real_time", "quantile": "0.5"}, latencies[len(latencies) // 2]),
                   ({"sync_class": "near_real_time", "quantile": "max"}, latencies[-1])]
    yield Figure("concord_staffing_allocation_sync_latency_seconds",
                 "From an allocation's change in the PSA to the hub holding it (last day)", samples=samples,
                 unit="seconds")


def section_context(request) -> dict:
    value = utilization_next_weeks(request.user)
    return {"staffing": {"utilization": value,
                         "utilization_percent": round(value * 100) if value is not None else None}}


def register() -> None:
    from operations.registry import Section, register_figures, register_section

    register_figures("staffing", figures, scoped=True)
    register_section(Section(key="staffing", title="Staffing", template="staffing/section.html",
                             context=section_context, order=60))
