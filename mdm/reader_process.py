"""Run a generator of batches in a second process and consume its batches in this one.

A CSV import is one Python process writing to the database while the machine's other core idles.
Reading, standardizing, validating and hashing rows and working out their match keys needs no
database: a forked child does that for the next batches while this process writes the current
one. Batches cross through a bounded queue (the reader is never more than a few batches ahead).

Failure is loud on both sides: an exception in the child is raised here with its traceback; if
this side stops (an error, Ctrl-C), the child is terminated.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterator
from typing import Any

_DONE = "done"
_BATCH = "batch"
_FAILED = "failed"
_POLL_SECONDS = 1.0


class ReaderFailed(RuntimeError):
    """The reading process raised; the message carries its traceback."""


def _run(produce: Callable[..., Iterator[Any]], args: tuple, out) -> None:
    # What the child inherited stays out of its garbage collections: they would walk the parent's
    # whole heap (and copy its pages) for objects this process never frees.
    gc.freeze()
    # Collected once a batch, not as allocations pile up: each automatic full collection re-walked
    # the standardization caches that only grow (a quarter of this process's time). What survives
    # a batch's collection is frozen too, so the next walks only what the next batch left.
    gc.disable()
    parent = os.getppid()
    try:
        for batch in produce(*args):
            _send(out, (_BATCH, batch), parent)
            gc.collect()
            gc.freeze()
        _send(out, (_DONE, None), parent)
    except _ParentGone:
        return
    except BaseException:  # noqa: BLE001 - everything is reported to the parent, which raises it
        try:
            _send(out, (_FAILED, traceback.format_exc()), parent)
        except _ParentGone:
            return


class _ParentGone(Exception):
    pass


def _send(out, message: tuple[str, Any], parent: int) -> None:
    """Put, waiting while the queue is full, but not for a parent that died (killed outright, it
    could not terminate this child, which would otherwise wait on a full queue forever)."""
    while True:
        try:
            out.put(message, timeout=_POLL_SECONDS)
            return
        except queue.Full:
            if os.getppid() != parent:
                raise _ParentGone from None


def _receive(out) -> tuple[str, Any]:
    """The next message. Unpickling a batch builds a few hundred thousand containers at once, which
    set off the cyclic garbage collector again and again: paused meanwhile, a batch unpickles in
    an eighth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return out.get(timeout=_POLL_SECONDS)
    finally:
        if enabled:
            gc.enable()


def batches_from_child(produce: Callable[..., Iterator[Any]], *args: Any, ahead: int = 4) -> Iterator[Any]:
    """Yield what `produce(*args)` yields, produced in a forked child process.

    Where fork is unavailable (Windows), `produce` simply runs here."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from produce(*args)
        return
    context = multiprocessing.get_context("fork")
    # The child inherits this process's open database connections and must never touch them (nor
    # close them: that would end this side's session). `produce` needs no database; the child
    # leaves through os._exit, so no finalizer runs on them either.
    out = context.Queue(maxsize=ahead)
    child = context.Process(target=_run, args=(produce, args, out), name="concord-reader", daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, value = _receive(out)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # it may have written its last words just before exiting
                    kind, value = _receive(out)
                except queue.Empty:
                    raise ReaderFailed(f"the reading process died (exit code {child.exitcode})") from None
            if kind == _BATCH:
                yield value
            elif kind == _FAILED:
                raise ReaderFailed(f"reading failed in the reading process:\n{value}")
            else:
                break
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            child.join()
        out.close()
