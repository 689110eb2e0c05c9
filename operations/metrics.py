"""The Prometheus exposition of the registered figures, and who may read it.

Built at scrape time by a custom collector on a private CollectorRegistry: /metrics shows exactly
what `registry.collect_all()` gives (the dashboard's numbers), nothing cached, no process metrics.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from operations.registry import Collected, Figure

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # text/plain; version=0.0.4; charset=utf-8


def metric_family(figure: Figure):
    """One figure as a metric family; samples lacking a label another sample has get it empty."""
    label_names = sorted({name for labels, _ in figure.samples for name in labels})
    cls = CounterMetricFamily if figure.kind == "counter" else GaugeMetricFamily
    family = cls(figure.name, figure.help, labels=label_names)
    for labels, value in figure.samples:
        family.add_metric([str(labels.get(name, "")) for name in label_names], float(value))
    return family


class FiguresCollector:
    """A prometheus_client collector over one collection of figures."""

    def __init__(self, collected: Collected):
        self.collected = collected

    def collect(self):
        for figure in self.collected.figures:
            yield metric_family(figure)
        failed = GaugeMetricFamily("concord_figures_failed", "Figure collectors that failed at this scrape "
                                   "(1 = its figures are missing; the reason is in the log).", labels=["source"])
        for key in sorted(self.collected.failures):
            failed.add_metric([key], 1.0)
        yield failed


def exposition(collected: Collected) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FiguresCollector(collected))
    return generate_latest(registry)


# --- who may scrape ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    allowed: bool
    status: int = 200  # 401 (say who you are) or 403 (you may not)
    reason: str = ""


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def scrape_verdict(*, token: str, authorization: str, remote_addr: str, forwarded: bool,
                   user_is_staff: bool) -> Verdict:
    """With a configured token: a matching `Authorization: Bearer <token>` and nothing else.
    Without one: a staff session, or a direct request from this machine (not through a proxy,
    which would make every visitor look local)."""
    if token:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return Verdict(False, 401, "send Authorization: Bearer <CONCORD_METRICS_TOKEN>")
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            return Verdict(False, 401, "the bearer token is not the metrics token")
        return Verdict(True)
    if user_is_staff:
        return Verdict(True)
    if _is_loopback(remote_addr) and not forwarded:
        return Verdict(True)
    return Verdict(False, 403, "no CONCORD_METRICS_TOKEN is set: /metrics answers only staff sessions "
                               "and direct requests from localhost")
