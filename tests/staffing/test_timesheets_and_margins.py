"""Timesheets in batches and margin snapshots, against a real trytond (the PSA) and the NetSuite
and Business Central simulators (the ERPs): a week of time becomes one billing summary per project
in the ERP, a correction after it was sent becomes an adjustment, and a project under its floor is
an exception."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from connectors.delivery import outbox_deliver
from connectors.models import Connection
from connectors.netsuite.simulator import NetSuiteSimulator
from mdm.models import OutboxMessage, Project, QuarantinedRecord, Resource
from staffing.models import BillingSummary, MarginSnapshot, TimesheetLine
from staffing.services import billing_summaries_send, margin_snapshots_take, timesheet_lines_pull, unbilled_hours

pytestmark = pytest.mark.services
SUMMARIES = "customrecord_concord_time_summary"


def _monday_two_weeks_ago() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday() + 14)


@pytest.fixture
def erp(staffed):
    """The NetSuite simulator as the ERP, holding the project's job (the summaries refer to it)."""
    with NetSuiteSimulator(seed=3, records=2).serve() as simulator:
        Connection.objects.filter(system__name="netsuite").update(base_url=simulator.base_url,
                                                                  credentials=simulator.credentials)
        project = Project.objects.get(name__startswith="Platform")
        parent = next(iter(simulator.store["customer"].values()))["id"]
        simulator.create("job", origin="test", externalid=project.id, companyname=project.name, parent=parent)
        yield simulator


@pytest.fixture
def timesheeted(staffed, erp):
    """Ada's time on the project in Tryton: Monday and Tuesday of a week two weeks back (approved,
    the week being over), and four hours this week (still open). Ada bills at 150 an hour."""
    psa = staffed["psa"]
    psa.client.write("project.work", [staffed["work"]], {"timesheet_available": True})
    (work,) = psa.client.search_read("project.work", [("id", "=", staffed["work"])], fields=["timesheet_works"])
    company = psa.client.call("model.res.user.get_preferences", True)["company"]
    monday = _monday_two_weeks_ago()

    def line(day: date, hours: float) -> int:
        (created,) = psa.client.create("timesheet.line", [{"employee": staffed["employee"], "company": company,
                                                           "work": work["timesheet_works"][0], "date": day,
                                                           "duration": timedelta(hours=hours)}])
        return created

    lines = {"monday": line(monday, 8), "tuesday": line(monday + timedelta(days=1), 7.5),
             "this_week": line(date.today(), 4)}
    Resource.objects.filter(email=staffed["email"]).update(bill_rate=Decimal("150"))
    return {**staffed, "lines": lines, "week": monday, "erp": erp}


def _summaries_in_erp(erp) -> list[dict]:
    return sorted(erp.store[SUMMARIES].values(), key=lambda row: int(row["custrecord_cts_revision"]))


def test_a_week_of_timesheets_becomes_one_billing_summary_per_project_in_the_erp(timesheeted):
    pulled = timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    assert sorted(pulled.changed) == sorted(str(i) for i in timesheeted["lines"].values())
    assert TimesheetLine.objects.get(source_id=str(timesheeted["lines"]["tuesday"])).hours == Decimal("7.50")
    assert timesheet_lines_pull(system="tryton", connector=timesheeted["psa"]).changed == []  # read again: nothing

    (summary,) = billing_summaries_send()
    assert (summary.week, summary.kind, summary.hours, summary.amount) == (
        timesheeted["week"], "summary", Decimal("15.50"), Decimal("2325.00"))
    assert billing_summaries_send() == []  # sent once: the second run has nothing to say
    assert unbilled_hours() == Decimal("4.00")  # this week's, still open

    outbox_deliver(limit=50)
    (in_erp,) = _summaries_in_erp(timesheeted["erp"])
    assert in_erp["externalid"] == f"{summary.project_id}:{summary.week.isoformat()}:r0"
    assert (in_erp["custrecord_cts_kind"], in_erp["custrecord_cts_hours"]) == ("summary", "15.50")

    from staffing.selectors import batch_latencies

    (latency,) = batch_latencies()  # from the week's approval to its summary in NetSuite
    assert latency > 0


def test_a_correction_after_the_week_was_sent_goes_as_an_adjustment(timesheeted):
    timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    billing_summaries_send()
    outbox_deliver(limit=50)

    timesheeted["psa"].client.write("timesheet.line", [timesheeted["lines"]["tuesday"]],
                                    {"duration": timedelta(hours=5.5)})
    timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    (adjustment,) = billing_summaries_send()
    assert (adjustment.kind, adjustment.revision, adjustment.hours, adjustment.amount) == (
        "adjustment", 1, Decimal("-2.00"), Decimal("-300.00"))
    outbox_deliver(limit=50)
    first, second = _summaries_in_erp(timesheeted["erp"])
    assert (first["custrecord_cts_hours"], second["custrecord_cts_hours"]) == ("15.50", "-2.00")

    # A line deleted in Tryton is an adjustment too.
    timesheeted["psa"].client.call("model.timesheet.line.delete", [timesheeted["lines"]["monday"]])
    timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    (removal,) = billing_summaries_send()
    assert (removal.revision, removal.hours) == (2, Decimal("-8.00"))
    assert OutboxMessage.objects.filter(domain="timesheet").count() == 3


def test_a_margin_snapshot_flags_a_project_under_its_floor_for_its_owner(timesheeted):
    timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    project = Project.objects.get(pk=TimesheetLine.objects.exclude(project=None).first().project_id)
    Project.objects.filter(pk=project.pk).update(service_line="Strategy", project_manager="Grace Hopper")
    ada = Resource.objects.get(email=timesheeted["email"])
    assert ada.cost_rate == Decimal("80.00")  # HR's hourly pay: Tryton keeps no cost price for her

    Resource.objects.filter(pk=ada.pk).update(bill_rate=Decimal("100"))  # 19.5 h: 1,950 against 1,560
    (snapshot,) = margin_snapshots_take()
    assert (snapshot.hours, snapshot.cost, snapshot.revenue_recognized) == (
        Decimal("19.50"), Decimal("1560.00"), Decimal("1950.00"))
    assert snapshot.margin == Decimal("0.2000") and snapshot.floor == Decimal("0.35") and snapshot.below_floor
    (exception,) = QuarantinedRecord.objects.filter(object_type="margin.snapshot", source_id=project.pk, status="open")
    assert "Grace Hopper" in exception.reason and "Strategy floor of 35%" in exception.reason

    margin_snapshots_take()  # the same day again: the same snapshot and the same exception
    assert MarginSnapshot.objects.filter(project=project).count() == 1
    assert QuarantinedRecord.objects.filter(object_type="margin.snapshot", status="open").count() == 1

    Resource.objects.filter(pk=ada.pk).update(bill_rate=Decimal("200"))  # back above the floor: closed
    margin_snapshots_take()
    assert not QuarantinedRecord.objects.filter(object_type="margin.snapshot", status="open").exists()
    assert BillingSummary.objects.count() == 0  # snapshots bill nothing


def test_the_staffing_page_and_metrics_show_margins_and_unbilled_hours(timesheeted, client, django_user_model):
    timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    margin_snapshots_take()
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(admin)
    page = client.get("/staffing/").content.decode()
    assert "Project margins" in page and "19.50" in page

    from staffing.dashboard import figures

    by_name = {figure.name: figure for figure in figures()}
    assert by_name["concord_timesheet_unbilled_hours"].samples == [({}, 19.5)]
    assert by_name["concord_project_margin_ratio"].samples[0][1] > 0
    classes = {labels["sync_class"] for labels, _ in by_name["concord_sync_class_latency_seconds"].samples}
    assert "scheduled" in classes


@pytest.fixture
def business_central(timesheeted):
    """The project's customer is a US company: it bills through Business Central (its legal
    entity's ERP), here the simulator, with the week of two weeks ago approved."""
    from connectors.dynamics.simulator import DynamicsSimulator
    from mdm.models import Customer, SourceSystem
    from mdm.policy import policy_load

    policy_load(systems=["bamboohr", "dynamics"])  # Business Central joins the hub once connected
    SourceSystem.objects.update(sync_back_domains=[])
    us = Customer.objects.create(name="Initech Inc.", country="US")
    Project.objects.filter(name__startswith="Platform").update(customer=us)
    with DynamicsSimulator(seed=3, records=2).serve() as simulator:
        Connection.objects.create(system=SourceSystem.objects.get(name="dynamics"), base_url=simulator.base_url,
                                  credentials=dict(simulator.credentials))
        timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
        yield simulator


def _due_now() -> None:
    """The retry's back-off over (the test does not wait for it)."""
    from django.utils import timezone

    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def _lost_answer(monkeypatch):
    """Business Central writes the journal line, then the connection drops before the answer
    arrives: the outbox cannot know the line is there, and delivers the message again."""
    from connectors.base import ConnectorError
    from connectors.dynamics.client import BusinessCentralClient

    original = BusinessCentralClient.create

    def create_then_drop(client, path, fields):
        created = original(client, path, fields)
        if path.endswith("/journalLines"):
            monkeypatch.setattr(BusinessCentralClient, "create", original)
            raise ConnectorError("Business Central: connection dropped", retryable=True, code="CONNECTION")
        return created

    monkeypatch.setattr(BusinessCentralClient, "create", create_then_drop)


def test_a_us_projects_week_reaches_business_central_once_however_often_it_is_delivered(timesheeted,
                                                                                         business_central,
                                                                                         monkeypatch):
    from connectors.dynamics.mapping import summary_document_number

    (summary,) = billing_summaries_send()
    assert summary.system == "dynamics" and billing_summaries_send() == []  # the batch again: nothing to say
    _lost_answer(monkeypatch)
    report = outbox_deliver(limit=50)
    assert report.retried and not report.delivered  # the line is in Business Central, the outbox does not know
    _due_now()
    assert outbox_deliver(limit=50).delivered  # found by its key: nothing written twice
    (line,) = business_central.journal_lines("CONCORD")
    key = f"{summary.project_id}:{summary.week.isoformat()}:r0"
    assert line["externalDocumentNumber"] == summary_document_number(key)
    assert (line["amount"], line["accountNumber"]) == (2325.0, "13150")
    assert line["postingDate"] == (summary.week + timedelta(days=6)).isoformat()

    psa = timesheeted["psa"]  # Tuesday corrected in Tryton: 7.5 h become 5.5 h
    psa.client.write("timesheet.line", [timesheeted["lines"]["tuesday"]], {"duration": timedelta(hours=5.5)})
    timesheet_lines_pull(system="tryton", connector=psa)
    (adjustment,) = billing_summaries_send()
    assert (adjustment.revision, adjustment.amount) == (1, Decimal("-300.00")) and billing_summaries_send() == []
    outbox_deliver(limit=50)
    OutboxMessage.objects.filter(domain="timesheet").update(status="pending", next_attempt_at=None)
    assert len(outbox_deliver(limit=50).delivered) == 2  # every message sent again (a replay): still one line each
    assert [row["amount"] for row in business_central.journal_lines("CONCORD")] == [2325.0, -300.0]
    assert set(business_central.created_by_key.values()) == {1}


def test_a_week_whose_erp_takes_no_summaries_waits_and_goes_once_it_takes_them(business_central, monkeypatch):
    """An ERP whose connector takes no timesheet summaries gets nothing to die on: the project's
    weeks wait with one open entry in the exception queue; once it takes them, the next batch
    sends the weeks and the entry closes."""
    from connectors.dynamics.connector import DynamicsConnector

    with monkeypatch.context() as taking_none:
        taking_none.setattr(DynamicsConnector, "pushes", DynamicsConnector.pushes - {"timesheet"})
        assert billing_summaries_send() == [] and billing_summaries_send() == []
        (waiting,) = QuarantinedRecord.objects.filter(object_type="timesheet.summary", status="open")
        assert "dynamics takes no timesheet summaries" in waiting.reason
        assert not OutboxMessage.objects.filter(domain="timesheet").exists()
        assert unbilled_hours() == Decimal("19.50")

    assert DynamicsConnector.takes("timesheet")  # Business Central takes them
    (summary,) = billing_summaries_send()
    assert summary.hours == Decimal("15.50") and summary.system == "dynamics"
    assert not QuarantinedRecord.objects.filter(object_type="timesheet.summary", status="open").exists()
    outbox_deliver(limit=50)
    assert [row["amount"] for row in business_central.journal_lines("CONCORD")] == [2325.0]


def test_the_batch_and_the_snapshots_on_demand_in_the_terminal(timesheeted):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("bill_timesheets", stdout=out)
    assert "3 timesheet lines new or changed" in out.getvalue() and "summary 0 for PRJ-" in out.getvalue()
    call_command("bill_timesheets", stdout=out)
    assert out.getvalue().rstrip().endswith("0 summaries and adjustments in the outbox")
    call_command("snapshot_margins", stdout=out)
    assert "1 projects, 0 below their floor" in out.getvalue()


def test_bill_timesheets_says_plainly_when_the_psa_is_not_connected(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="tryton \\(the PSA\\) is not connected"):
        call_command("bill_timesheets")
    with pytest.raises(CommandError, match="--today wants a date"):
        call_command("bill_timesheets", "--today", "next week")


def test_weeks_older_than_the_correction_window_are_not_billed(timesheeted):
    """A PSA connected with years of history: only the weeks within weeks_back are billed."""
    timesheet_lines_pull(system="tryton", connector=timesheeted["psa"])
    long_after = timesheeted["week"] + timedelta(weeks=20)
    assert billing_summaries_send(today=long_after) == []
    assert len(billing_summaries_send()) == 1
