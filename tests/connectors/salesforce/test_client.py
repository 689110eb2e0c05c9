"""The Salesforce client's failure policy against the simulator: re-auth, throttling, 5xx,
timeouts, a page failing mid-pagination, API limits."""

import time

import pytest

from connectors.base import ConnectorError
from connectors.salesforce.client import SalesforceClient
from tests.connectors.salesforce.conftest import make_connector

SOQL = "SELECT Id FROM Account ORDER BY SystemModstamp, Id"


def test_an_expired_session_is_renewed_once_and_the_call_succeeds(sf_sim, sf):
    list(sf.client.query(SOQL))
    sf_sim.expire_tokens()
    assert list(sf.client.query(SOQL))
    assert sf.client.authentications == 2


def test_wrong_credentials_are_a_permanent_error(sf_sim):
    client = SalesforceClient(sf_sim.base_url, credentials={**sf_sim.credentials, "password": "nope"}, timeout=2)
    with pytest.raises(ConnectorError) as failed:
        list(client.query(SOQL))
    assert not failed.value.retryable and failed.value.code == "invalid_grant"


def test_a_429_is_retried_after_the_retry_after_it_asks_for(sf_sim, sf):
    sf_sim.fail_next(429, times=1, retry_after=0.3)
    started = time.monotonic()
    assert list(sf.client.query(SOQL))
    assert time.monotonic() - started >= 0.3


def test_a_retry_after_longer_than_we_wait_is_handed_to_the_caller(sf_sim):
    connector = make_connector(sf_sim, max_retry_wait=1.0)
    sf_sim.fail_next(429, times=1, retry_after=120)
    started = time.monotonic()
    with pytest.raises(ConnectorError) as throttled:
        list(connector.client.query(SOQL))
    assert throttled.value.retryable and throttled.value.retry_after == 120
    assert time.monotonic() - started < 1


def test_a_500_storm_ends_in_a_retryable_error_after_a_few_tries(sf_sim, sf):
    sf_sim.set_faults("500:1")
    calls_before = sum(sf_sim.calls.values())
    with pytest.raises(ConnectorError) as storm:
        list(sf.pull(domain="customer", object_type="Account", watermark=None))
    assert storm.value.retryable and storm.value.code == "UNKNOWN_EXCEPTION"
    assert sum(sf_sim.calls.values()) - calls_before == 1 + 1 + 3  # login, first try, three retries


def test_a_timeout_is_retryable(sf_sim):
    connector = make_connector(sf_sim, timeout=0.3, max_retries=1)
    connector.client.authenticate()
    sf_sim.set_faults("timeout:1@1s")
    with pytest.raises(ConnectorError) as slow:
        list(connector.client.query(SOQL))
    assert slow.value.retryable and slow.value.code == "timeout"


def test_a_page_failing_mid_pagination_is_retried_transparently(sf_sim):
    connector = make_connector(sf_sim, page_size=5)
    sf_sim.set_faults("page_fail:3")
    pages = list(connector.pull(domain="customer", object_type="Account", watermark=None))
    got = [r.source_id for p in pages for r in p.records]
    assert sorted(got) == sorted(r["Id"] for r in sf_sim.live("Account")) and len(got) == len(set(got))


def test_after_a_page_failure_the_pull_resumes_from_the_last_committed_watermark(sf_sim):
    connector = make_connector(sf_sim, page_size=5, max_retries=0)
    sf_sim.set_faults("page_fail:3")
    committed, watermark = [], None
    with pytest.raises(ConnectorError) as failed:
        for page in connector.pull(domain="customer", object_type="Account", watermark=None):
            committed += [r.source_id for r in page.records]
            watermark = page.next_watermark
    assert failed.value.retryable and len(committed) == 10
    sf_sim.set_faults("")
    for page in connector.pull(domain="customer", object_type="Account", watermark=watermark):
        committed += [r.source_id for r in page.records]
    assert sorted(committed) == sorted(r["Id"] for r in sf_sim.live("Account"))
    assert len(committed) == len(set(committed))


def test_the_daily_api_limit_is_a_retryable_error_for_much_later(sf_sim, sf):
    sf_sim.api_limit = 2
    calls_before = sf_sim.calls.copy()
    with pytest.raises(ConnectorError) as limited:
        for _ in range(3):
            list(sf.client.query(SOQL))
    assert limited.value.retryable and limited.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert limited.value.retry_after >= 3600
    assert sum((sf_sim.calls - calls_before).values()) == 1 + 3  # login, two good calls, one refused (no retry)


def test_usage_near_the_limit_slows_the_client_down(sf_sim):
    connector = make_connector(sf_sim, near_limit=0.9, near_limit_pause=0.3)
    sf_sim.api_limit, sf_sim.api_used = 100, 94
    list(connector.client.query(SOQL))
    assert connector.client.api_usage == (95, 100)
    started = time.monotonic()
    list(connector.client.query(SOQL))
    assert time.monotonic() - started >= 0.3


def test_composite_upsert_answers_per_record(sf_sim, sf):
    results = sf.client.upsert_many("Account", "Concord_Id__c", [
        {"Concord_Id__c": "G-10", "Name": "First Ltd"}, {"Name": "no external id"},
        {"Concord_Id__c": "G-11", "Nope__c": 1}], idempotency_key="batch-1")
    assert [r["success"] for r in results] == [True, False, False]
    assert results[0]["created"] and results[2]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert sf_sim.upserts_by_key["batch-1"] == 1
