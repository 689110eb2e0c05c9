"""The demo's PSA: a real Tryton seeded with the demo firm's own projects and people.

What the hub already holds from the demo's other systems goes into Tryton, so the PSA speaks of
the same world: the chosen golden projects as project works *of their customer's party* (written
by the connector's own push, keyed by golden id, so the outbox later finds the same party and
work instead of a twin), the people HR (BambooHR) knows as employees (found again by their work
email), each person's allocations, and the last weeks of timesheet lines.

`demo_plan` is pure (who works where, at what share, which days); `tryton_demo_seed` writes it,
creating only what Tryton does not hold yet: seeding twice creates nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from connectors.tryton import mapping

HOURS_A_DAY = 8


@dataclass(frozen=True)
class DemoProject:
    """A golden project and its customer, as the connector's push takes them."""

    golden_id: str
    attributes: dict[str, Any]  # name, code, status, customer (the customer's golden id)
    customer_id: str
    customer: dict[str, Any]  # the golden customer's attributes


@dataclass(frozen=True)
class DemoPerson:
    name: str
    email: str


@dataclass(frozen=True)
class PlannedAllocation:
    person: int  # index into the people
    project: int  # index into the projects
    percentage: int


@dataclass(frozen=True)
class PlannedLine:
    person: int
    project: int
    day: date
    hours: Decimal


@dataclass(frozen=True)
class Plan:
    allocations: list[PlannedAllocation]
    lines: list[PlannedLine]
    start: date  # the projects' planned dates in Tryton (the allocations' dates)
    finish: date


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        if count:
            self.created[what] = self.created.get(what, 0) + count

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.created.items()) if n) or "nothing new"


def demo_plan(*, people: int, projects: int, today: date, weeks_back: int = 2, weeks_ahead: int = 10) -> Plan:
    """Every person half-time on one project; every other person half-time on the next one too
    (full, where the forecast shows them fully booked). Each allocation's time is entered for
    every working day of the `weeks_back` weeks before this one."""
    if people < 1 or projects < 1:
        return Plan([], [], today, today)
    allocations = []
    for person in range(people):
        allocations.append(PlannedAllocation(person, person % projects, 50))
        if person % 2 == 0 and projects > 1:
            allocations.append(PlannedAllocation(person, (person + 1) % projects, 50))
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks_back)
    days = [first + timedelta(days=n) for n in range(7 * weeks_back) if (first + timedelta(days=n)).weekday() < 5]
    lines = [PlannedLine(a.person, a.project, day, Decimal(HOURS_A_DAY * a.percentage) / 100)
             for a in allocations for day in days]
    return Plan(allocations, lines, start=first, finish=this_monday + timedelta(weeks=weeks_ahead, days=4))


def tryton_demo_seed(*, connector, projects: list[DemoProject], people: list[DemoPerson], today: date) -> SeedReport:
    """Write the demo's projects, people, allocations and timesheets into Tryton (what is missing)."""
    report = SeedReport()
    plan = demo_plan(people=len(people), projects=len(projects), today=today)
    works = [_project_ensure(connector, project, plan, report) for project in projects]
    employees = [_employee_ensure(connector, person, report) for person in people]
    for allocation in plan.allocations:
        _allocation_ensure(connector, employees[allocation.person], works[allocation.project]["id"],
                           allocation.percentage, report)
    _lines_ensure(connector, plan, employees, works, report)
    return report


def _project_ensure(connector, project: DemoProject, plan: Plan, report: SeedReport) -> dict[str, Any]:
    """The customer's party and the project work (pushed as the outbox would push them), with the
    planned dates the allocations take and timesheets open on it."""
    if connector.find_party(project.customer_id) is None:  # one Tryton holds is left as it is (no new stamp)
        party = connector.push(domain="customer", golden_id=project.customer_id, attributes=project.customer,
                               idempotency_key=f"demo:{project.customer_id}", correlation_id="")
        report.add("parties", party.created)
    found = connector.find_work(project.golden_id)
    if found is None:
        work = connector.push(domain="project", golden_id=project.golden_id,
                              attributes={**project.attributes, "customer": project.customer_id},
                              idempotency_key=f"demo:{project.golden_id}", correlation_id="")
        report.add("projects", work.created)
        found = {"id": int(work.external_id)}
    work_id = found["id"]
    (row,) = connector.client.search_read(mapping.WORK, [("id", "=", work_id)], fields=[
        "constraint_start_date", "constraint_finish_date", "timesheet_available", "timesheet_works"])
    wanted = {"constraint_start_date": plan.start, "constraint_finish_date": plan.finish, "timesheet_available": True}
    if any(row.get(k) != v for k, v in wanted.items()):  # written only when different: no needless change stamp
        connector.client.write(mapping.WORK, [work_id], wanted)
        (row,) = connector.client.search_read(mapping.WORK, [("id", "=", work_id)], fields=["timesheet_works"])
    return {"id": work_id, "timesheet_work": row["timesheet_works"][0]}


def _employee_ensure(connector, person: DemoPerson, report: SeedReport) -> int:
    """The person's employee in the user's company, found again by the party's work email."""
    company = connector.client.call("model.res.user.get_preferences", True)["company"]
    found = connector.client.search_read(mapping.EMPLOYEE, [("party.contact_mechanisms.value", "=", person.email),
                                                            ("company", "=", company)], limit=1, fields=["id"])
    if found:
        return found[0]["id"]
    (party,) = connector.client.create(mapping.PARTY, [{"name": person.name, "contact_mechanisms": [
        ["create", [{"type": "email", "value": person.email}]]]}])
    (employee,) = connector.client.create(mapping.EMPLOYEE, [{"party": party, "company": company}])
    report.add("employees")
    return employee


def _allocation_ensure(connector, employee: int, work: int, percentage: int, report: SeedReport) -> None:
    if connector.client.search_read(mapping.ALLOCATION, [("employee", "=", employee), ("work", "=", work)],
                                    limit=1, fields=["id"]):
        return  # a planner may have changed it since: theirs stands
    connector.client.create(mapping.ALLOCATION, [{"employee": employee, "work": work, "percentage": percentage}])
    report.add("allocations")


def _lines_ensure(connector, plan: Plan, employees: list[int], works: list[dict], report: SeedReport) -> None:
    """The planned timesheet lines Tryton lacks, one per person, project and day."""
    if not plan.lines:
        return
    company = connector.client.call("model.res.user.get_preferences", True)["company"]
    held = {(row["employee"], row["work"], row["date"]) for row in connector.client.search_read(
        mapping.TIMESHEET_LINE, [("employee", "in", sorted(set(employees))),
                                 ("date", ">=", min(line.day for line in plan.lines))],
        fields=["employee", "work", "date"])}
    missing = [{"employee": employees[line.person], "work": works[line.project]["timesheet_work"], "date": line.day,
                "duration": timedelta(hours=float(line.hours)), "company": company} for line in plan.lines
               if (employees[line.person], works[line.project]["timesheet_work"], line.day) not in held]
    if missing:
        connector.client.create(mapping.TIMESHEET_LINE, missing)
        report.add("timesheet lines", len(missing))


def allocation_change(*, connector, email: str, project_code: str, percentage: int) -> int:
    """What a planner does in Tryton: set the person's share of the project (creating the
    allocation when they have none there). Returns the allocation's id."""
    if not 0 <= percentage <= 100:
        raise ValueError(f"a share of time is 0 to 100 %, not {percentage}")
    employees = connector.client.search_read(mapping.EMPLOYEE, [("party.contact_mechanisms.value", "=", email)],
                                             limit=1, fields=["id"])
    if not employees:
        raise LookupError(f"Tryton has no employee with the email {email}")
    works = [row for row in connector.client.search_read(
        mapping.WORK, [("type", "=", "project"), ("comment", "ilike", f"%code={quote(project_code, safe='')}%")],
        fields=["id", "comment"]) if (mapping.work_marker(row.get("comment")) or {}).get("code") == project_code]
    if not works:
        raise LookupError(f"Tryton has no project work with the code {project_code}")
    employee, work = employees[0]["id"], works[0]["id"]
    found = connector.client.search_read(mapping.ALLOCATION, [("employee", "=", employee), ("work", "=", work)],
                                         limit=1, fields=["id"])
    if found:
        connector.client.write(mapping.ALLOCATION, [found[0]["id"]], {"percentage": percentage})
        return found[0]["id"]
    (created,) = connector.client.create(mapping.ALLOCATION, [{"employee": employee, "work": work,
                                                               "percentage": percentage}])
    return created


# -- what the hub holds: the demo's projects and people --------------------------------------

CUSTOMER_FIELDS = ("name", "address_line1", "city", "postal_code", "email", "phone", "website", "record_status")
PROJECT_FIELDS = ("name", "code", "status")


def demo_projects_choose(*, count: int, billed_by: str) -> list[DemoProject]:
    """What the demo staffs: the projects Tryton holds already when the hub has read any back (so
    a second seeding staffs the same ones, however the hub matched them since), else the first
    `count` active golden projects (by code) that the ERP `billed_by` holds and bills (their
    customer's legal entity bills there), each with its customer."""
    return demo_projects_held() or _demo_projects_new(count=count, billed_by=billed_by)


def demo_projects_held() -> list[DemoProject]:
    """The project works the hub read from Tryton that carry its marker, in Tryton's order, as
    they were written: the golden ids on the work and on its party, the work's name, code, status."""
    from mdm.models import Customer, SourceRecord

    works = SourceRecord.objects.filter(system__name="tryton", object_type=mapping.WORK, is_deleted=False)
    parties = {row.source_id: row.payload for row in SourceRecord.objects.filter(
        system__name="tryton", object_type=mapping.PARTY, source_id__in=[str(w.payload.get("party")) for w in works])}
    held = []
    for work in sorted(works, key=lambda row: int(row.source_id)):
        marker = mapping.work_marker(work.payload.get("comment"))
        customer_id = mapping.golden_id_of(parties.get(str(work.payload.get("party")), {}).get("identifiers") or [])
        customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
        if not marker or not customer:
            continue  # a work someone made in Tryton, or one whose customer the hub never wrote there
        held.append(DemoProject(golden_id=marker["golden_id"], customer_id=customer_id,
                                attributes={"name": work.payload.get("name"), "code": marker.get("code"),
                                            "status": marker.get("status")},
                                customer={name: getattr(customer, name) for name in CUSTOMER_FIELDS}))
    return held


def _demo_projects_new(*, count: int, billed_by: str) -> list[DemoProject]:
    from mdm.models import CrossReference, Project
    from staffing.services.timesheets import billing_system_of

    chosen = []
    held = CrossReference.objects.filter(domain="project", source_record__system__name=billed_by).values("golden_id")
    candidates = (Project.objects.select_related("customer").filter(
        record_status="active", status="active", customer__isnull=False, id__in=held).order_by("code", "id"))
    for project in candidates.iterator():
        if billing_system_of(project) != billed_by:
            continue
        chosen.append(DemoProject(golden_id=project.id, customer_id=project.customer_id,
                                  attributes={name: getattr(project, name) for name in PROJECT_FIELDS},
                                  customer={name: getattr(project.customer, name) for name in CUSTOMER_FIELDS}))
        if len(chosen) == count:
            break
    return chosen


def demo_people(*, from_system: str) -> list[DemoPerson]:
    """The active people `from_system` (HR) contributed, by email."""
    from mdm.models import CrossReference, Resource

    held = CrossReference.objects.filter(domain="resource", source_record__system__name=from_system).values("golden_id")
    return [DemoPerson(name, email) for name, email in Resource.objects.filter(
        record_status="active", employment_status="active", id__in=held).exclude(email="")
        .order_by("email").values_list("name", "email")]
