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
