"""Staffing end to end: people from HR and the PSA become one golden resource; an allocation made
or changed in Tryton reaches the hub, the forecast and the ERP project's team; a leaver's future
allocations become exceptions."""

from datetime import timedelta
from decimal import Decimal

import pytest

from connectors.sync import sync_run
from mdm.models import OutboxMessage, QuarantinedRecord, Resource, SourceRecord
from staffing.models import Allocation, ForecastWeek
from staffing.services import allocations_pull
from tests.staffing.conftest import next_monday as _next_monday

pytestmark = pytest.mark.services


def test_a_person_in_hr_and_the_psa_is_one_golden_resource(staffed):
    ada = Resource.objects.get(email=staffed["email"])
    systems = set(SourceRecord.objects.filter(xref__golden_id=ada.id).values_list("system__name", flat=True))
    assert systems == {"bamboohr", "tryton"}
    assert ada.team == "Data Engineering" and ada.capacity_hours == Decimal("40")
    assert ada.cost_rate == Decimal("80.00")  # HR's hourly pay: Tryton's cost price is unset


def test_an_allocation_made_in_tryton_reaches_the_forecast_and_the_erp_projects_team(staffed):
    summary = allocations_pull(system="tryton", connector=staffed["psa"])
    assert str(staffed["allocation"]) in summary.changed
    ada = Resource.objects.get(email=staffed["email"])
    held = Allocation.objects.get(system="tryton", source_id=str(staffed["allocation"]))
    assert held.resource_id == ada.id and held.project_id and held.share == Decimal("0.5")
    assert held.start_date == _next_monday()
    week = ForecastWeek.objects.get(resource=ada, week=_next_monday())
    assert (week.allocated_hours, week.capacity_hours) == (Decimal("20.00"), Decimal("40.00"))
    team = OutboxMessage.objects.get(system__name="netsuite", domain="staffing", golden_id=held.project_id)
    assert team.payload["attributes"]["team"][0]["resource"] == ada.id

    # Read again with nothing changed: nothing new, no second team message.
    assert allocations_pull(system="tryton", connector=staffed["psa"]).changed == []
    assert OutboxMessage.objects.filter(domain="staffing", golden_id=held.project_id).count() == 1

    # Changed in Tryton: the hub follows, the forecast and the team with it.
    staffed["psa"].client.write("project.allocation", [staffed["allocation"]], {"percentage": 80})
    allocations_pull(system="tryton", connector=staffed["psa"])
    assert ForecastWeek.objects.get(resource=ada, week=_next_monday()).allocated_hours == Decimal("32.00")
    assert OutboxMessage.objects.filter(domain="staffing", golden_id=held.project_id).count() == 2


def test_an_allocation_deleted_in_tryton_leaves_the_forecast(staffed):
    allocations_pull(system="tryton", connector=staffed["psa"])
    staffed["psa"].client.call("model.project.allocation.delete", [staffed["allocation"]])
    summary = allocations_pull(system="tryton", connector=staffed["psa"])
    assert summary.removed == [str(staffed["allocation"])]
    ada = Resource.objects.get(email=staffed["email"])
    assert ForecastWeek.objects.get(resource=ada, week=_next_monday()).allocated_hours == Decimal("0.00")


def test_a_person_who_leaves_in_hr_raises_an_exception_for_each_future_allocation(
        staffed, django_capture_on_commit_callbacks):
    allocations_pull(system="tryton", connector=staffed["psa"])
    staffed["simulator"].terminate(staffed["hr_id"], _next_monday() + timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        sync_run(system="bamboohr", domain="resource", connector=staffed["hr"])
    ada = Resource.objects.get(email=staffed["email"])
    assert ada.employment_status == "terminated" and ada.end_date == _next_monday() + timedelta(days=4)
    (exception,) = QuarantinedRecord.objects.filter(object_type="project.allocation", status="open",
                                                    source_id=str(staffed["allocation"]))
    assert "leaves on" in exception.reason and ada.name in exception.reason

    # Heard again, it is the same open exception, not a second one.
    from staffing.services import leavers_check

    leavers_check(resource_ids=[ada.id])
    assert QuarantinedRecord.objects.filter(object_type="project.allocation", status="open",
                                            source_id=str(staffed["allocation"])).count() == 1


def test_sync_bamboohr_resource_in_the_terminal(systems, capsys):
    from django.core.management import call_command

    call_command("sync", "bamboohr", "--domain", "resource")
    assert Resource.objects.filter(email__endswith="@concord.example", employee_number="E101").exists()
