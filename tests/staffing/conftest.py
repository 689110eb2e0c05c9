"""Staffing against a real trytond (the PSA) and the BambooHR simulator (HR)."""

from __future__ import annotations

import pytest

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
    for model in (mapping.PARTY, mapping.WORK, mapping.EMPLOYEE, mapping.ALLOCATION):
        where = [("active", "in", [True, False])] if model in (mapping.PARTY, mapping.EMPLOYEE) else []
        latest = psa.client.search_read(model, where, limit=1, order=[("last_modified_at", "DESC"), ("id", "DESC")],
                                        fields=["last_modified_at"])
        if latest:
            Watermark.objects.create(system=tryton, object_type=model,
                                     value=f"{latest[0]['last_modified_at'].isoformat()}|{latest[0]['id']}")
    return {"psa": psa, "hr": connection_for("bamboohr"), "simulator": hr}
