"""A project's team (staffing) delivered to NetSuite goes on the job the project already is."""

import pytest

from connectors.delivery import outbox_deliver
from connectors.models import Connection
from connectors.sync import sync_run
from mdm.models import CrossReference, OutboxMessage, SourceSystem
from orchestration.outbound import message_ensure
from tests.connectors.netsuite.conftest import make_connector

pytestmark = pytest.mark.django_db


def test_a_team_is_written_on_the_job_netsuite_contributed_not_on_a_new_one(ns_sim, django_capture_on_commit_callbacks):
    SourceSystem.objects.update(sync_back_domains=[])
    Connection.objects.create(system=SourceSystem.objects.get(name="netsuite"), base_url=ns_sim.base_url,
                              credentials=dict(ns_sim.credentials))
    ns = make_connector(ns_sim)
    with django_capture_on_commit_callbacks(execute=True):
        for domain in ("customer", "contract", "project"):
            sync_run(system="netsuite", domain=domain, connector=ns)
    xref = CrossReference.objects.filter(domain="project", source_record__system__name="netsuite").first()
    job_id, jobs = xref.source_record.source_id, len(ns_sim.store["job"])
    team = [{"resource": "RES-ADA", "name": "Ada Lovelace", "share": "0.5", "start_date": "2026-12-07",
             "end_date": "2027-02-12"}]
    message_ensure(system="netsuite", domain="staffing", golden_id=xref.golden_id, key=f"netsuite:{xref.golden_id}:team",
                   payload={"golden_id": xref.golden_id, "domain": "staffing", "attributes": {"team": team}})

    outbox_deliver(connectors={"netsuite": ns})
    assert OutboxMessage.objects.get(domain="staffing").status == "delivered"
    job = ns_sim.store["job"][job_id]
    assert job["custentity_concord_team"][0]["resource"] == "RES-ADA" and job["externalid"] == xref.golden_id
    assert len(ns_sim.store["job"]) == jobs  # no twin
