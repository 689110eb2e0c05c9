"""Configuration a batch reads once, up front, before it writes.

An ingestion round hands its COPYs to a helper thread (mdm.bulk.copies_overlapped) and any later
statement waits until they are done. Survivorship rules, the systems a domain syncs back to, the
match model and the quality rules are read by the code that applies them, in the middle of a
round: each read was a wait for the server to finish the rows before it, while the writer sat
idle. Inside `reads_ahead(domain)` every reader marked `read_once` is called at the start and its
answer kept until the block ends; outside one they read as usual.

A batch thereby applies the configuration as it stood when the batch began: an edit made while a
batch runs applies from the next batch on, as if the batch had run a moment earlier.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

Reader = TypeVar("Reader", bound=Callable[..., Any])

_kept: ContextVar[dict[tuple, Any] | None] = ContextVar("concord_reads_ahead", default=None)
_readers: list[tuple[Callable[..., Any], bool]] = []  # (reader, takes the domain)


def read_once(reader: Reader) -> Reader:
    """Mark a configuration reader, called with a domain or with nothing, to be read once per
    `reads_ahead` block. Its answer is shared by every caller in the block: never mutate it."""
    takes_domain = bool(inspect.signature(reader).parameters)

    @wraps(reader)
    def kept(*args):
        answers = _kept.get()
        if answers is None:
            return reader(*args)
        key = (reader, args)
        if key not in answers:
            answers[key] = reader(*args)
        return answers[key]

    _readers.append((kept, takes_domain))
    return kept  # type: ignore[return-value]


@contextmanager
def reads_ahead(domain: str) -> Iterator[None]:
    """Call every `read_once` reader now (for `domain`) and keep the answers inside the block."""
    if _kept.get() is not None:  # already inside one: its answers stand
        yield
        return
    token = _kept.set({})
    try:
        for reader, takes_domain in _readers:
            reader(domain) if takes_domain else reader()
        yield
    finally:
        _kept.reset(token)
