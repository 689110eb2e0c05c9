"""Staffing against a real trytond (the PSA) and the BambooHR simulator (HR)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.sync import sync_run
from tests.connectors.tryton.conftest import tag, tryton_server  # noqa: F401 - the shared fixtures


@pytest.fixture
def hr():
    from connectors.bamboohr.simulator import BambooHRSimulator

    with BambooHRSimulator(records=3).serve() as simulator:
        yield simulator


@pytest.fixture
def systems(tryton_server, hr, db):  # noqa: F811 - tryton_server is the shared fixture
    """The hub connected to Tryton and BambooHR, reading Tryton from what it holds now on; a
    NetSuite connection so the project team has somewhere to go."""
    from connectors.models import Connection, Watermark, connection_for
    from connectors.tryton import mapping
    from mdm.models import SourceSystem
    from mdm.policy import policy_load

    policy_load(systems=["bamboohr"])
    SourceSystem.objects.update(sync_back_domains=[])
    tryton = SourceSystem.objects.get(name="tryton")
    Connection.objects.create(system=tryton, base_url=tryton_server["base_url"], page_size=50,
                              credentials={k: tryton_server[k] for k in ("database", "username", "password")})
    Connection.objects.create(system=SourceSystem.objects.get(name="bamboohr"), base_url=hr.base_url,
                              credentials=dict(hr.credentials))
    Connection.objects.create(system=SourceSystem.objects.get(name="netsuite"), base_url="http://127.0.0.1:9",
                              enabled=True)
    psa = connection_for("tryton")
    for model in (mapping.PARTY, mapping.WORK, mapping.EMPLOYEE, mapping.ALLOCATION, mapping.TIMESHEET_LINE):
        where = [("active", "in", [True, False])] if model in (mapping.PARTY, mapping.EMPLOYEE) else []
        latest = psa.client.search_read(model, where, limit=1, order=[("last_modified_at", "DESC"), ("id", "DESC")],
                                        fields=["last_modified_at"])
        if latest:
            Watermark.objects.create(system=tryton, object_type=model,
                                     value=f"{latest[0]['last_modified_at'].isoformat()}|{latest[0]['id']}")
    return {"psa": psa, "hr": connection_for("bamboohr"), "simulator": hr}


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


def tryton_person(psa, name: str, email: str) -> int:
    company = psa.client.call("model.res.user.get_preferences", True)["company"]
    (party,) = psa.client.create("party.party", [{"name": name, "contact_mechanisms": [
        ["create", [{"type": "email", "value": email}]]]}])
    (employee,) = psa.client.create("company.employee", [{"party": party, "company": company,
                                                          "start_date": date(2024, 1, 1)}])
    return employee


def tryton_project(psa, name: str, start: date, weeks: int) -> int:
    company = psa.client.call("model.res.user.get_preferences", True)["company"]
    (work,) = psa.client.create("project.work", [{"name": name, "type": "project", "company": company}])
    psa.client.write("project.work", [work], {"constraint_start_date": start,
                                              "constraint_finish_date": start + timedelta(weeks=weeks, days=-3)})
    return work


@pytest.fixture
def staffed(systems, tag, django_capture_on_commit_callbacks):  # noqa: F811 - tag is the shared fixture
    """Ada, known to HR and to the PSA, and a Tryton project she is allocated to half-time."""
    psa, simulator = systems["psa"], systems["simulator"]
    email = f"ada.{tag}@concord.example"
    hired = simulator.hire(firstName="Ada", lastName=f"Tester{tag}", workEmail=email, department="Data Engineering",
                           division="Data & AI", customWeeklyHours="40", payRate="80.00 EUR", payPer="Hour")
    employee = tryton_person(psa, f"Ada Tester{tag}", email)
    work = tryton_project(psa, f"Platform {tag}", next_monday(), weeks=4)
    with django_capture_on_commit_callbacks(execute=True):
        sync_run(system="bamboohr", domain="resource", connector=systems["hr"])
        sync_run(system="tryton", domain="resource", connector=psa)
        sync_run(system="tryton", domain="project", connector=psa)
    (allocation,) = psa.client.create("project.allocation", [{"employee": employee, "work": work, "percentage": 50}])
    return {**systems, "email": email, "hr_id": hired["id"], "employee": employee, "work": work,
            "allocation": allocation}
