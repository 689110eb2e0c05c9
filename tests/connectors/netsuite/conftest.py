"""A NetSuite simulator on a free port and a connector wired to it (no database needed)."""

import pytest

from connectors.netsuite.client import NetSuiteClient
from connectors.netsuite.connector import NetSuiteConnector
from connectors.netsuite.simulator import NetSuiteSimulator


@pytest.fixture
def ns_sim():
    with NetSuiteSimulator(seed=3, records=60).serve() as sim:
        yield sim


def make_connector(sim, *, page_size=10, timeout=2.0, concurrency=1, **client_options):
    options = {"max_retries": 3, "backoff": 0.01, "max_retry_wait": 5.0, **client_options}
    client = NetSuiteClient(sim.base_url, credentials=sim.credentials, timeout=timeout, concurrency=concurrency,
                            **options)
    return NetSuiteConnector(base_url=sim.base_url, credentials=sim.credentials, page_size=page_size,
                             timeout=timeout, concurrency=concurrency, client=client)


@pytest.fixture
def ns(ns_sim):
    return make_connector(ns_sim)
