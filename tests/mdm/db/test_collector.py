"""Batches keep Python's cyclic collector off what they leave alive, and still free their cycles."""

import gc
import threading
import weakref

import pytest

from mdm.db import collector


class Node:
    def __init__(self):
        self.other = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def collector_restored(monkeypatch):
    monkeypatch.setattr(collector, "_since_sweep", 0)
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable() if was_enabled else gc.disable()


def test_a_batch_runs_without_the_collector_and_what_it_leaves_alive_is_frozen():
    frozen_before = gc.get_freeze_count()
    with collector.paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(10_000)]  # lists: always tracked by the collector
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    assert gc.get_count()[0] < 1000  # the next collection has nothing of the batch to walk


def test_two_batches_on_two_threads_turn_the_collector_back_on_when_the_last_ends():
    first_inside, second_done = threading.Event(), threading.Event()
    seen = []

    def second():
        with collector.paused():
            first_inside.wait()
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with collector.paused():
        first_inside.set()
        second_done.wait(5)
        seen.append(gc.isenabled())  # the other batch ended; this one still runs
    thread.join()
    assert seen == [False] and gc.isenabled()


def test_a_collector_someone_else_switched_off_stays_off_and_nothing_is_frozen():
    gc.disable()
    frozen_before = gc.get_freeze_count()
    with collector.paused():
        pass
    assert not gc.isenabled() and gc.get_freeze_count() == frozen_before


def test_cycles_a_batch_dropped_are_freed_by_a_sweep_at_a_later_batch():
    with collector.paused():
        cycle = Node()
        alive = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert alive() is not None  # frozen: not collected yet
    for _ in range(collector.SWEEP_EVERY):
        with collector.paused():
            pass
    assert alive() is None


def test_a_burst_built_with_the_collector_off_comes_back_frozen():
    frozen_before = gc.get_freeze_count()
    rows = collector.frozen_after(lambda: [[i] for i in range(5_000)])
    assert len(rows) == 5_000 and gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(rows)
