"""Turn SIGTERM and SIGHUP into an exception, so ``finally`` blocks run as on Ctrl-C.

Python's default for SIGTERM and SIGHUP is to die at once, without running
``finally``: a command that owns a child process (``twoknow ls serve`` and its
Label Studio, in its own process group so that a terminal's Ctrl-C does not
reach it) would leave the child running. Inside :func:`stop_signals_raise`
these signals raise :class:`Stopped`, which carries the conventional exit
status (128 + signal number: 143 for SIGTERM, 129 for SIGHUP).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["Stopped", "stop_signals_raise", "ignore_stop_signals", "exit_status"]

_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


class Stopped(BaseException):
    """A stop signal arrived. A ``BaseException``, so that ``except Exception`` does not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def exit_status(exc: BaseException) -> int:
    """The shell's exit status for a stop: 130 for Ctrl-C, 128 + N for signal N."""
    return exc.exit_status if isinstance(exc, Stopped) else 130


def _raise(signum: int, frame: object) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` inside the block; the old handlers come back after it."""
    old = {s: signal.signal(s, _raise) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def ignore_stop_signals() -> Iterator[None]:
    """Hold off Ctrl-C, SIGTERM and SIGHUP while a clean-up runs, so a second signal cannot cut it short."""
    sigs = (signal.SIGINT, *_SIGNALS)
    old = {s: signal.signal(s, signal.SIG_IGN) for s in sigs}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
