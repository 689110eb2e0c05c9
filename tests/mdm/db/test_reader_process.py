"""Batches made in a forked reading process arrive in order; its failures are not swallowed."""

import pickle

import pytest

from mdm.db.reader_process import ReaderFailed, batches_from_child


def numbered(count, size):
    for start in range(0, count, size):
        yield list(range(start, min(start + size, count)))


def breaks_after_one_batch():
    yield [1, 2]
    raise ValueError("row 3: not a number")


def test_every_batch_arrives_in_order():
    assert [n for batch in batches_from_child(numbered, 1000, 64, ahead=2) for n in batch] == list(range(1000))


def test_an_error_in_the_reader_is_raised_here_as_itself_with_its_traceback():
    received = []
    with pytest.raises(ValueError, match="row 3: not a number") as raised:
        for batch in batches_from_child(breaks_after_one_batch):
            received.append(batch)
    assert received == [[1, 2]]
    assert any("breaks_after_one_batch" in note for note in raised.value.__notes__)


class Unrebuildable(Exception):
    def __init__(self, message, *, reason):  # keyword-only: default exception pickling cannot rebuild it
        super().__init__(message)
        self.reason = reason


def breaks_unrebuildably():
    yield [1]
    raise Unrebuildable("the source hung up", reason="eof")


def test_an_error_that_cannot_cross_processes_arrives_as_its_traceback():
    with pytest.raises(ReaderFailed, match="Unrebuildable: the source hung up"):
        list(batches_from_child(breaks_unrebuildably))


def yields_what_cannot_be_pickled():
    yield [1]
    yield [lambda: None]


def test_a_batch_that_cannot_be_sent_fails_the_read_instead_of_going_missing():
    received = []
    with pytest.raises((AttributeError, pickle.PicklingError), match="pickle"):
        for batch in batches_from_child(yields_what_cannot_be_pickled):
            received.append(batch)
    assert received == [[1]]


def test_the_reader_does_not_outlive_a_writer_killed_outright(tmp_path):
    import os
    import subprocess
    import sys
    import time

    writer = (
        "import itertools, os, sys\n"
        "from mdm.db.reader_process import batches_from_child\n"
        "def endless():\n"
        "    yield from ([n, 'x' * 200_000] for n in itertools.count())  # more than a pipe holds\n"
        "batches = batches_from_child(endless, ahead=1)\n"
        "next(batches)\n"
        "print(open(f'/proc/{os.getpid()}/task/{os.getpid()}/children').read().split()[0], flush=True)\n"
        "os._exit(0)  # killed outright: no finally, no terminate()\n")
    done = subprocess.run([sys.executable, "-c", writer], capture_output=True, text=True, timeout=60,
                          cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    reader = int(done.stdout.strip())

    def alive():
        try:
            os.kill(reader, 0)
        except ProcessLookupError:
            return False
        with open(f"/proc/{reader}/stat") as stat:  # a zombie has finished; only its exit is unread
            return stat.read().split()[2] != "Z"

    deadline = time.monotonic() + 15
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)  # polling the reader's exit, which takes up to a queue timeout
    assert not alive()
