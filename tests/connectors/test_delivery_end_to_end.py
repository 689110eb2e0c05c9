"""The issue's reproduction, smaller (benchmarks/reliability/delivery.py is the full one): the
Salesforce simulator's companies synced, their golden customers delivered to NetSuite and back to
Salesforce until nothing is left, with and without `manage.py deliver` SIGKILLed mid-way — then
reconciliation finds nothing missing in either system."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from connectors.delivery import outbox_deliver
from connectors.models import Connection
from connectors.netsuite.simulator import NetSuiteSimulator
from connectors.reconcile import reconciliation_run
from connectors.salesforce.simulator import SalesforceSimulator
from connectors.sync import sync_run
from mdm.models import Customer, OutboxMessage, SourceSystem
from tests.connectors.test_worker_faults import _database_url, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def systems():
    with SalesforceSimulator(seed=7, records=300, api_limit=10**9).serve() as crm, \
            NetSuiteSimulator(seed=7, records=20).serve() as erp:
        SourceSystem.objects.exclude(name__in=["salesforce", "netsuite"]).update(sync_back_domains=[])
        for name, sim in (("salesforce", crm), ("netsuite", erp)):
            Connection.objects.create(system=SourceSystem.objects.get(name=name), base_url=sim.base_url,
                                      credentials=sim.credentials, page_size=200)
        sync_run(system="salesforce", domain="customer")
        yield crm, erp


def time_passes(seconds: float) -> None:
    """Back-offs (a subsidiary waits a minute for its parent) and leases run out, without waiting."""
    OutboxMessage.objects.filter(status__in=["pending", "delivering"]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def _nothing_missing() -> None:
    customers = Customer.objects.exclude(record_status="merged").count()
    for system in ("netsuite", "salesforce"):
        run = reconciliation_run(system=system, domain="customer")
        assert (run.expected, run.missing, run.differing) == (customers, 0, 0), run.details


def test_every_golden_customer_reaches_both_systems(systems):
    report = outbox_deliver(limit=None, until_empty=True, sleep=time_passes)
    assert report.delivered and not report.dead
    _nothing_missing()


def test_every_golden_customer_reaches_both_systems_across_a_kill_of_the_delivery(systems):
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (DATABASE_URL): the killed process must see the test database")
    env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONPATH": str(ROOT), "DATABASE_CONN_MAX_AGE": "0"}
    env.pop("CONCORD_TEST_DB_NAME", None)
    total = OutboxMessage.objects.filter(system__name__in=["salesforce", "netsuite"]).count()
    process = subprocess.Popen([sys.executable, "manage.py", "deliver", "--until-empty", "-v", "0"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def a_third_delivered():
        return OutboxMessage.objects.filter(status="delivered").count() >= total // 3 or process.poll() is not None
    try:
        wait_until(a_third_delivered)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    assert OutboxMessage.objects.filter(status__in=["pending", "delivering"]).exists()  # killed mid-way

    outbox_deliver(limit=None, until_empty=True, sleep=time_passes)
    assert not OutboxMessage.objects.filter(system__name__in=["salesforce", "netsuite"]).exclude(
        status="delivered").exists()
    _nothing_missing()
