"""Stopping a run: Ctrl-C and SIGTERM end it promptly, with nothing half-written.

The CLI calls :func:`install_handlers` first. After that SIGINT raises
:class:`KeyboardInterrupt` and SIGTERM (and SIGHUP, unless ``nohup`` ignores
it) raises :class:`Terminated`, a ``KeyboardInterrupt`` subclass, in the main
thread. Both unwind through the same ``try``/``finally`` blocks, so worker
processes are stopped and temporary files removed (see
:class:`twoknow_text._io.OutputSet`). The exit status is ``128 + signal``:
130 for Ctrl-C, 143 for SIGTERM.

SIGINT is handled even when the process started with it ignored: a shell
script's background job (``twoknow deid ... &``) inherits an ignored SIGINT,
and ``kill -INT`` then did nothing at all.

:func:`deferred` holds these signals back for the few renames that move a
finished output set into place, so a set lands whole or not at all.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["Terminated", "deferred", "exit_status", "handlers_installed", "install_handlers", "last_signal"]

_last: int | None = None


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        global _last
        super().__init__(signum)
        self.signum = signum
        _last = signum  # typer turns a KeyboardInterrupt into Exit(130): the status is read from here


def _on_int(signum: int, frame: Any) -> None:
    global _last
    _last = signum
    raise KeyboardInterrupt


def _on_term(signum: int, frame: Any) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def handlers_installed() -> Iterator[None]:
    """:func:`install_handlers` for the block; the previous handlers come back after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]
    saved = {getattr(signal, s): signal.getsignal(getattr(signal, s)) for s in names}
    install_handlers()
    try:
        yield
    finally:
        for signum, old in saved.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)


def install_handlers() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise in the main thread (a no-op outside it)."""
    global _last
    if threading.current_thread() is not threading.main_thread():
        return
    _last = None
    signal.signal(signal.SIGINT, _on_int)
    signal.signal(signal.SIGTERM, _on_term)
    hup = getattr(signal, "SIGHUP", None)
    if hup is not None and signal.getsignal(hup) is not signal.SIG_IGN:  # respect nohup
        signal.signal(hup, _on_term)


def last_signal() -> int | None:
    """The last signal a handler of this module received (None if none)."""
    return _last


def exit_status(exc: BaseException | None = None) -> int:
    """The conventional exit status for a stop by signal: 128 + its number (130 when unknown)."""
    signum = exc.signum if isinstance(exc, Terminated) else _last
    return 128 + int(signum or signal.SIGINT)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP back inside the block; act on them at its end.

    Only the main thread can change handlers; elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    names = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]
    saved = {getattr(signal, s): signal.getsignal(getattr(signal, s)) for s in names}
    for signum, old in saved.items():
        if old is not signal.SIG_IGN:
            signal.signal(signum, lambda n, f: pending.append(n))
    try:
        yield
    finally:
        for signum, old in saved.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)
        if pending:
            signal.raise_signal(pending[0])
