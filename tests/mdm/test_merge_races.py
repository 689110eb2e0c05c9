"""A merge and an unmerge of the same golden records at the same moment, by two stewards.

Both lock the golden records they touch first, in one order, so they queue: each either goes
through or is refused with a message (a ValidationError, ConcurrentChange when it lost a race),
never a database deadlock; and afterwards every record holds exactly the sources the merges that
stand give it. The stewards are threads with their own connections: on PostgreSQL the row locks
and their order are what is tested; on SQLite, whose writers take the whole database, a steward
who finds it locked is refused with the same message.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from mdm.models import Contract, CrossReference, Customer
from mdm.services.golden import golden_records_recompute
from mdm.services.ingest import source_records_ingest
from mdm.services.merge import golden_record_merge, golden_record_unmerge
from tests.conftest import record

ROUNDS = 4


def _three_firms(round_: int) -> dict[str, str]:
    """X, Y and Z, each with a contract, and X already merged into Y."""
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"X{round_}", name=f"Xenon Partners {round_}", country="US", tax_id=f"1111111{round_}"),
        record(f"Y{round_}", name=f"Ypsilon Beratung {round_}", country="DE", tax_id=f"2222222{round_}"),
        record(f"Z{round_}", name=f"Zephyr Conseil {round_}", country="FR", tax_id=f"3333333{round_}")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record(f"c{name}{round_}", object_type="Contract", number=f"C-{name}{round_}", customer_source_id=f"{name}{round_}")
        for name in "XYZ"])
    ids = {name: CrossReference.objects.get(source_record__source_id=f"{name}{round_}").golden_id for name in "XYZ"}
    golden_record_merge(survivor_id=ids["Y"], merged_id=ids["X"], acting_user=None, reason="same firm")
    return ids


def merge(survivor: str, merged: str):
    return lambda ids: golden_record_merge(survivor_id=ids[survivor], merged_id=ids[merged], acting_user=None,
                                           reason="same firm")


def unmerge(merged: str):
    return lambda ids: golden_record_unmerge(merged_id=ids[merged], acting_user=None, reason="not the same firm")


def _at_once(ids: dict[str, str], changes) -> list[BaseException]:
    """Run the changes in threads released together; what they raised other than a refusal."""
    start = threading.Barrier(len(changes), timeout=30)
    failures: list[BaseException] = []

    def steward(change) -> None:
        try:
            start.wait()
            change(ids)
        except ValidationError:
            pass  # refused with a message (the other steward changed the records first)
        except BaseException as error:  # reported to the test
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=steward, args=(change,)) for change in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


def _consistent(ids: dict[str, str], round_: int) -> None:
    """Each record holds its own sources and those merged into it, as the merges that stand say;
    contracts point at the head of their customer's chain; golden values are not stale."""
    records = {c.id: c for c in Customer.objects.filter(pk__in=ids.values())}
    name_of = {golden_id: name for name, golden_id in ids.items()}

    def head(name: str) -> str:
        while records[ids[name]].record_status == "merged":
            name = name_of[records[ids[name]].merged_into]
        return name

    for name in "XYZ":
        holder = CrossReference.objects.get(source_record__source_id=f"{name}{round_}").golden_id
        assert name_of[holder] == head(name)
        assert Contract.objects.get(number=f"C-{name}{round_}").customer_id == ids[head(name)]
    active = [golden_id for golden_id, r in records.items() if r.record_status == "active"]
    assert golden_records_recompute("customer", active).changed == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("changes", [
    (unmerge("X"), merge("Z", "Y")),  # Y's chain grows while X leaves it
    (unmerge("X"), merge("X", "Y")),  # X's survivor merged into X itself
    (unmerge("X"), merge("Y", "Z")),
    (unmerge("X"), merge("Y", "X")),  # the merge again, while it is undone
], ids=["merge survivor away", "merge survivor into merged", "merge into survivor", "merge again"])
def test_a_merge_racing_an_unmerge_queues_instead_of_deadlocking(changes):
    for round_ in range(ROUNDS):
        ids = _three_firms(round_)
        assert _at_once(ids, changes) == []
        _consistent(ids, round_)
