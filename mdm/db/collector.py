"""Python's cyclic garbage collector kept off the objects a batch leaves alive.

A batch of ingestion allocates a few million containers (prepared records, rows, model
instances) that live until its page is done. With the collector on, every full collection
re-walked them and the matchers' caches, a large share of a batch's time. So
batches pause it (`paused`). But the first collection after a pause walks everything allocated
during it that is still alive — and at the end of a batch that is nearly all of it, because the
caller still holds its page (docs/benchmarks.md has what those walks cost).

So instead of walking them, what is alive when a pause ends is frozen (`gc.freeze`): moved where
the collector never looks. Reference counting still frees all of it the moment it is dropped;
only garbage in reference cycles waits, until a sweep every `SWEEP_EVERY` batches unfreezes and
collects — at the start of a batch, when the pages before it are gone. (That sweep also thaws
what a Celery worker process froze at fork, config/celery_app.py; the batch's end freezes it again.)
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Batches between two sweeps of what was frozen: cycles left by a batch (few; an exception's
# traceback, say) are freed this late at worst. A sweep walks only what is still alive then.
SWEEP_EVERY = 50

_lock = threading.Lock()
_pauses = 0
_since_sweep = 0


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; what it leaves alive is frozen afterwards. Counted:
    batches running on two threads at once (connectors.sync) turn it back on when the last ends.
    Left alone when someone else switched the collector off."""
    global _pauses, _since_sweep
    with _lock:
        if _pauses == 0 and not gc.isenabled():
            owned = False
        else:
            owned = True
            if _pauses == 0 and _since_sweep >= SWEEP_EVERY:
                _since_sweep = 0
                gc.unfreeze()
                gc.collect()
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if owned:
            with _lock:
                _pauses -= 1
                if _pauses == 0:
                    _since_sweep += 1
                    gc.freeze()
                    gc.enable()


def frozen_after(build: Callable[[], T]) -> T:
    """`build()` with the collector off, its result frozen: for a burst of allocation that lives on
    (a batch unpickled from the reading process), which the next collection would otherwise walk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build()
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
