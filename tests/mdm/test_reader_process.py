"""Batches made in a forked reading process arrive in order; its failures are not swallowed."""

import pytest

from mdm.reader_process import ReaderFailed, batches_from_child


def numbered(count, size):
    for start in range(0, count, size):
        yield list(range(start, min(start + size, count)))


def breaks_after_one_batch():
    yield [1, 2]
    raise ValueError("row 3: not a number")


def test_every_batch_arrives_in_order():
    assert [n for batch in batches_from_child(numbered, 1000, 64, ahead=2) for n in batch] == list(range(1000))


def test_an_error_in_the_reader_is_raised_here_with_its_traceback():
    received = []
    with pytest.raises(ReaderFailed, match="row 3: not a number"):
        for batch in batches_from_child(breaks_after_one_batch):
            received.append(batch)
    assert received == [[1, 2]]


def test_the_reader_does_not_outlive_a_writer_killed_outright(tmp_path):
    import os
    import subprocess
    import sys
    import time

    writer = (
        "import itertools, os, sys\n"
        "from mdm.reader_process import batches_from_child\n"
        "def endless():\n"
        "    yield from ([n] for n in itertools.count())\n"
        "batches = batches_from_child(endless, ahead=1)\n"
        "next(batches)\n"
        "import multiprocessing\n"
        "print(multiprocessing.active_children()[0].pid, flush=True)\n"
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
