"""A Salesforce simulator on a free port and a connector wired to it (no database needed)."""

import pytest

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.simulator import SalesforceSimulator


@pytest.fixture
def sf_sim():
    with SalesforceSimulator(seed=3, records=60).serve() as sim:
        yield sim


def make_connector(sim, *, page_size=10, timeout=2.0, **client_options):
    options = {"max_retries": 3, "backoff": 0.01, "max_retry_wait": 5.0, "near_limit_pause": 0.01,
               **client_options}
    client = SalesforceClient(sim.base_url, credentials=sim.credentials, timeout=timeout, **options)
    return SalesforceConnector(base_url=sim.base_url, credentials=sim.credentials, page_size=page_size,
                               timeout=timeout, client=client)


@pytest.fixture
def sf(sf_sim):
    return make_connector(sf_sim)
