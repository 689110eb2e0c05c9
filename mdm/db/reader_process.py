"""Run a generator of batches in a second process and consume its batches in this one.

A CSV import is one Python process writing to the database while the machine's other core idles.
Reading, standardizing, validating and hashing rows and working out their match keys needs no
database: a forked child does that for the next batches while this process writes the current
one. Batches cross through a bounded queue (the reader is never more than a few batches ahead).

Failure is loud on both sides: an exception in the child is raised here (as itself when it can be
rebuilt here, else as ReaderFailed) with the child's traceback; if this side stops (an error,
Ctrl-C), the child is terminated. Exceptions whose types the caller names as `carried` (a
connector's error, whose keyword-only arguments default pickling cannot rebuild) cross whole:
rebuilt here from their type, message and attributes, so their retry advice survives.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import signal
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from mdm.db import collector

_DONE = "done"
_BATCH = "batch"
_FAILED = "failed"
_POLL_SECONDS = 1.0


class ReaderFailed(RuntimeError):
    """The reading process raised; the message carries its traceback."""


def _run(produce: Callable[..., Iterator[Any]], args: tuple, out, carried: tuple[type[BaseException], ...] = ()
         ) -> bool:
    """Send what `produce` yields, then done or its failure; False if the parent went away."""
    # What the child inherited stays out of its garbage collections: they would walk the parent's
    # whole heap (and copy its pages) for objects this process never frees.
    gc.freeze()
    # Collected once a batch, not as allocations pile up: each automatic full collection re-walked
    # the standardization caches that only grow. What survives
    # a batch's collection is frozen too, so the next walks only what the next batch left.
    gc.disable()
    parent = os.getppid()
    try:
        for batch in produce(*args):
            _send(out, (_BATCH, _pickled(batch)), parent)
            gc.collect()
            gc.freeze()
        _send(out, (_DONE, None), parent)
    except _ParentGone:
        return False
    except BaseException as error:  # noqa: BLE001 - everything is reported to the parent, which raises it
        sent = _error_pickled(error, carried)
        try:
            _send(out, (_FAILED, (sent, traceback.format_exc())), parent)
        except _ParentGone:
            return False
    return True


def _error_pickled(error: BaseException, carried: tuple[type[BaseException], ...]) -> bytes | None:
    """The exception as it crosses: pickled whole when one of `carried`, else by its own
    pickling; None when it cannot be rebuilt there (it then goes as its traceback only)."""
    try:
        sent = _pickled(_Carried(type(error), error.args, dict(error.__dict__))
                        if isinstance(error, carried) else error)
        pickle.loads(sent)
        return sent
    except Exception:  # noqa: BLE001 - the traceback still says what failed
        return None


class _Carried:
    """An exception's type, arguments and attributes, rebuilt as that exception when unpickled."""

    def __init__(self, kind: type[BaseException], args: tuple, state: dict[str, Any]) -> None:
        self.kind, self.args, self.state = kind, args, state

    def __reduce__(self):
        return _rebuilt, (self.kind, self.args, self.state)


def _rebuilt(kind: type[BaseException], args: tuple, state: dict[str, Any]) -> BaseException:
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _pickled(value: Any) -> bytes:
    """Pickled here, before the queue sees it: a multiprocessing queue pickles on a feeder thread,
    where a failure is printed and the message dropped (a batch would silently go missing)."""
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


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
    set off the cyclic garbage collector again and again: paused meanwhile, a batch unpickles
    without them; frozen afterwards, the first collection does not walk it all once more
    (mdm.db.collector)."""
    kind, value = out.get(timeout=_POLL_SECONDS)
    return kind, collector.frozen_after(lambda: pickle.loads(value)) if kind == _BATCH else value


def _raise_failure(sent: bytes | None, child_traceback: str):
    """The reader's exception, as itself where it could be rebuilt here (a connector's error keeps
    its type and retry advice), with the reader's traceback attached; else ReaderFailed."""
    if sent is not None:
        error = pickle.loads(sent)
        error.add_note(f"raised in the reading process:\n{child_traceback}")
        raise error
    raise ReaderFailed(f"reading failed in the reading process:\n{child_traceback}")


class _Child:
    """A forked child process, started with os.fork rather than multiprocessing.Process: a Celery
    worker's pool processes are daemonic to multiprocessing, which forbids them children, and a
    sync task reads ahead in one like a CSV import does."""

    def __init__(self, target: Callable[..., None], args: tuple) -> None:
        self.exitcode: int | None = None
        self.pid = os.fork()
        if self.pid == 0:  # the child
            code = 1
            try:
                # Its parent's handlers (a Celery worker's warm shutdown on SIGTERM) are not its own.
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops it
                target(*args)
                code = 0
            finally:
                os._exit(code)  # no parent's finalizer or atexit handler runs here

    def is_alive(self) -> bool:
        if self.exitcode is None:
            self._wait(os.WNOHANG)
        return self.exitcode is None

    def join(self) -> None:
        if self.exitcode is None:
            self._wait(0)

    def _wait(self, options: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:  # reaped by someone else's SIGCHLD handler: gone, code unknown
            self.exitcode = -1
            return
        if pid:
            self.exitcode = os.waitstatus_to_exitcode(status)

    def terminate(self) -> None:
        if self.is_alive():
            os.kill(self.pid, signal.SIGTERM)


def _run_and_flush(produce: Callable[..., Iterator[Any]], args: tuple, out,
                   carried: tuple[type[BaseException], ...]) -> None:
    if _run(produce, args, out, carried):
        out.close()
        out.join_thread()  # what is still in the queue's buffer goes out before the child exits
    else:
        out.cancel_join_thread()  # nobody reads the pipe any more: flushing it would wait forever


def batches_from_child(produce: Callable[..., Iterator[Any]], *args: Any, ahead: int = 4,
                       carried: tuple[type[BaseException], ...] = ()) -> Iterator[Any]:
    """Yield what `produce(*args)` yields, produced in a forked child process; an exception of
    one of the `carried` types is raised here rebuilt whole (see the module's docstring).

    Where fork is unavailable (Windows), `produce` simply runs here."""
    if not hasattr(os, "fork"):
        yield from produce(*args)
        return
    context = multiprocessing.get_context("fork")
    # The child inherits this process's open database connections and must never touch them (nor
    # close them: that would end this side's session). `produce` needs no database; the child
    # leaves through os._exit, so no finalizer runs on them either.
    out = context.Queue(maxsize=ahead)
    child = _Child(_run_and_flush, (produce, args, out, carried))
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
                _raise_failure(*value)
            else:
                break
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            child.join()
        out.close()
