"""Parser worker processes with a time and memory bound per file, that die with their parent.

A report file is untrusted input: a decompression bomb can make pdfium take a minute and gigabytes,
and a parser bug can hang. Every file is therefore parsed in a worker process (pebble's
``ProcessPool``, which kills a worker whose task runs past its timeout and reports a worker that
died, without breaking the pool) under two bounds:

* **time**: ``ParseLimits.seconds`` of wall-clock time per file; past it the worker is killed
  and the file gets the error row "parsing stopped: over the per-file time limit of N s";
* **memory**: ``ParseLimits.memory_mb`` more than the worker's size at start, set with
  ``resource.setrlimit(RLIMIT_DATA)`` in the worker. pdfium aborts when an allocation fails, so a
  worker that dies on a signal gets the error row naming that limit.

Workers die with their parent: the pool initializer asks the kernel for SIGKILL when the parent
goes (``prctl(PR_SET_PDEATHSIG)``, Linux), and a watcher thread exits the worker as soon as its
parent process id changes (the fallback elsewhere, and for a parent thread that ends first). So a
``kill -9`` of ``reports ingest`` leaves no parser running.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, CancelledError, TimeoutError as FutureTimeout, wait
from dataclasses import dataclass
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

__all__ = ["ParseLimits", "DEFAULT_LIMITS", "run_bounded", "limit_message"]

R = TypeVar("R")

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on parsing one file. The defaults leave real reports far inside them: the largest
    development report (a 60-page SIF) parses in about a second in well under 300 MB."""

    seconds: float = 120.0
    memory_mb: int = 1536


DEFAULT_LIMITS = ParseLimits()


def _data_size() -> int:
    """This process's data segment size in bytes (VmData), the size RLIMIT_DATA bounds."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    if os.getppid() != parent:   # the parent went before the signal was set up
        os._exit(1)


def _init_worker(parent: int, memory_mb: int) -> None:
    """Pool initializer: die with ``parent``; bound this worker's memory growth to ``memory_mb``."""
    import faulthandler

    faulthandler.disable()   # a worker pdfium aborts is reported as its file's error row, not a stack dump
    _die_with_parent(parent)
    if memory_mb and hasattr(resource, "RLIMIT_DATA"):
        limit = _data_size() + memory_mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def limit_message(error: BaseException, limits: ParseLimits) -> str:
    """The one-line reason for a file whose worker timed out, died or ran out of memory."""
    if isinstance(error, FutureTimeout):
        return f"parsing stopped: over the per-file time limit of {limits.seconds:g} s"
    if isinstance(error, MemoryError):
        return f"parsing stopped: over the per-file memory limit of {limits.memory_mb} MB"
    if isinstance(error, ProcessExpired):
        code = error.exitcode
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 and -code in signal.valid_signals() \
            else f"exit code {code}"
        return (f"parsing stopped: the parser process died ({how}), most likely over the per-file memory"
                f" limit of {limits.memory_mb} MB (a decompression bomb?)")
    return f"parser process failed: {type(error).__name__}: {error}"


def run_bounded(function: Callable[..., R], tasks: Iterable[tuple[Any, ...]], *, workers: int,
                limits: ParseLimits = DEFAULT_LIMITS,
                on_result: Callable[[int, R | None, BaseException | None], None]) -> None:
    """Run ``function(*task)`` for every task in bounded worker processes.

    ``on_result(index, result, error)`` is called in this process as each task finishes, in
    completion order; ``error`` is set (and ``result`` None) when the task raised, timed out or its
    worker died. Tasks are scheduled in the order given.
    """
    tasks = list(tasks)
    if not tasks:
        return
    pool = ProcessPool(max_workers=max(1, min(workers, len(tasks))), initializer=_init_worker,
                       initargs=(os.getpid(), limits.memory_mb))
    try:
        pending = {pool.schedule(function, args=task, timeout=limits.seconds): i for i, task in enumerate(tasks)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: pending[f]):
                index = pending.pop(future)
                try:
                    result = future.result()
                except (FutureTimeout, ProcessExpired, MemoryError, CancelledError) as err:
                    on_result(index, None, err)
                except Exception as err:  # noqa: BLE001 - the task's own failure, reported on its file
                    on_result(index, None, err)
                else:
                    on_result(index, result, None)
    finally:
        pool.stop()
        pool.join()
