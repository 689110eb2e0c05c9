"""The BambooHR simulator speaks BambooHR's shape; the connector reads changes since a watermark."""

from datetime import date

import pytest
import requests

from connectors.bamboohr.connector import BambooHRConnector
from connectors.bamboohr.simulator import BambooHRSimulator
from connectors.base import ConnectorError


@pytest.fixture
def hr():
    with BambooHRSimulator(records=4).serve() as simulator:
        yield simulator


def test_it_wants_the_api_key_as_the_basic_auth_user_and_json_asked_for(hr):
    url = f"{hr.base_url}/api/gateway.php/concord/v1/employees/directory"
    assert requests.get(url, headers={"Accept": "application/json"}, timeout=5).status_code == 401
    assert requests.get(url, auth=("bamboo-demo-key", "x"), timeout=5).status_code == 406
    answer = requests.get(url, auth=("bamboo-demo-key", "x"), headers={"Accept": "application/json"}, timeout=5)
    assert answer.status_code == 200 and len(answer.json()["employees"]) == 4


def test_the_connector_reads_only_what_changed_since_its_watermark(hr):
    connector = BambooHRConnector(base_url=hr.base_url, credentials=hr.credentials, page_size=3)
    pages = list(connector.pull(domain="resource", object_type="employee", watermark=None))
    assert sum(len(p.records) for p in pages) == 4 and pages[-1].next_watermark
    hr.terminate("102", date(2027, 1, 15))
    (page,) = connector.pull(domain="resource", object_type="employee", watermark=pages[-1].next_watermark)
    (record,) = page.records
    assert record.source_id == "102" and record.canonical["employment_status"] == "terminated"
    assert record.canonical["end_date"] == "2027-01-15"


def test_a_wrong_key_is_a_permanent_failure(hr):
    connector = BambooHRConnector(base_url=hr.base_url, credentials={"company": "concord", "token": "wrong"})
    with pytest.raises(ConnectorError) as failure:
        list(connector.pull(domain="resource", object_type="employee", watermark=None))
    assert failure.value.retryable is False and failure.value.code == "401"
