"""A Business Central simulator on a free port and a connector wired to it (no database needed:
references are resolved in Business Central itself)."""

import pytest

from connectors.dynamics.client import BusinessCentralClient
from connectors.dynamics.connector import DynamicsConnector
from connectors.dynamics.simulator import DynamicsSimulator


@pytest.fixture
def bc_sim():
    with DynamicsSimulator(seed=3, records=80).serve() as sim:
        yield sim


def make_connector(sim, *, page_size=5, timeout=2.0, **client_options):
    options = {"max_retries": 3, "backoff": 0.01, "max_retry_wait": 5.0, **client_options}
    client = BusinessCentralClient(sim.base_url, credentials=sim.credentials, timeout=timeout, **options)
    return DynamicsConnector(base_url=sim.base_url, credentials=sim.credentials, page_size=page_size,
                             timeout=timeout, client=client, reference_resolver=lambda domain, golden_id: None)


@pytest.fixture
def bc(bc_sim):
    return make_connector(bc_sim)
