"""Seeding the demo's PSA against a real trytond: the demo's projects land as works of their
customer's party, the people as employees with allocations and timesheets; twice is once."""

import pytest

from connectors.tryton import mapping
from connectors.tryton.demo import DemoPerson, DemoProject, allocation_change, tryton_demo_seed
from tests.staffing.conftest import next_monday

pytestmark = pytest.mark.services


def _demo(tag):
    key = tag.upper()
    projects = [DemoProject(golden_id=f"PRJ-{key}P{n}", customer_id=f"CUS-{key}C{n}",
                            attributes={"name": f"Harbour {n} {tag}", "code": f"P-{tag}-{n}", "status": "active"},
                            customer={"name": f"Harbour Freight {n} {tag}", "city": "Hamburg",
                                      "email": f"ap{n}@{tag}.test", "record_status": "active"})
                for n in range(2)]
    people = [DemoPerson(f"{first} Tester{tag}", f"{first.lower()}.{tag}@concord.example")
              for first in ("Ada", "Bruno", "Chiara")]
    return projects, people


def test_the_demo_projects_land_as_works_of_their_customers_party_with_people_allocations_and_time(tryton, tag):
    projects, people = _demo(tag)
    report = tryton_demo_seed(connector=tryton, projects=projects, people=people, today=next_monday())
    assert report.created == {"parties": 2, "projects": 2, "employees": 3, "allocations": 5,
                              "timesheet lines": 50}  # 5 allocations x 10 working days
    for project in projects:
        work = tryton.find_work(project.golden_id)
        (row,) = tryton.client.search_read(mapping.WORK, [("id", "=", work["id"])], fields=["party", "comment"])
        assert row["party"] == tryton.find_party(project.customer_id)  # the ERP's job gets its parent customer
        assert mapping.work_marker(row["comment"])["code"] == project.attributes["code"]

    stamps = tryton.client.search_read(mapping.WORK, [("id", "in", [tryton.find_work(p.golden_id)["id"] for p in projects])],
                                       fields=["last_modified_at"])
    again = tryton_demo_seed(connector=tryton, projects=projects, people=people, today=next_monday())
    assert again.created == {} and str(again) == "nothing new"
    assert tryton.client.search_read(mapping.WORK, [("id", "in", [row["id"] for row in stamps])],
                                     fields=["last_modified_at"]) == stamps  # nor written again: no new stamps


def test_a_planners_change_is_written_to_the_persons_allocation(tryton, tag):
    projects, people = _demo(tag)
    tryton_demo_seed(connector=tryton, projects=projects, people=people, today=next_monday())
    allocation = allocation_change(connector=tryton, email=people[1].email, project_code=f"P-{tag}-1", percentage=80)
    (row,) = tryton.client.search_read(mapping.ALLOCATION, [("id", "=", allocation)], fields=["percentage"])
    assert float(row["percentage"]) == 80

    with pytest.raises(LookupError, match="no project work with the code"):
        allocation_change(connector=tryton, email=people[1].email, project_code=f"P-{tag}-9", percentage=10)
    with pytest.raises(ValueError, match="0 to 100"):
        allocation_change(connector=tryton, email=people[1].email, project_code=f"P-{tag}-1", percentage=120)
