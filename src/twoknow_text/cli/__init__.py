"""Command-line interface: a thin layer over the library API.

Each stage has its own module that registers its commands on ``app``. Heavy
libraries are imported inside the command functions so ``twoknow --help``
stays fast. ``main`` turns a :class:`~twoknow_text.errors.TwoknowError` into a
one-line ``error[CODE]: message`` and exit status 2; it never prints answer
text or a traceback for a user mistake. Ctrl-C and SIGTERM stop any command
promptly with status 130 and 143 (``128 + signal``); outputs are written as
whole sets, so an interrupted run leaves none of its files behind.
"""

from __future__ import annotations

import sys

from rich.console import Console

from ..errors import TwoknowError
from ._app import app
from ._warnings import one_line_warnings

# Registration happens here, in one place, not as scattered import side effects.
from . import _deid, _themes, _labelstudio, _agreement, _codebook, _autocode  # noqa: E402,F401

__all__ = ["app", "main"]

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``twoknow`` command."""
    from .._interrupt import handlers_installed

    with handlers_installed():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    from .._interrupt import exit_status

    try:
        with one_line_warnings(err_console):
            rv = app(args=argv, prog_name="twoknow", standalone_mode=False)
    except TwoknowError as exc:
        err_console.print(f"error[{exc.code}]: {exc.message}", markup=False)
        return exc.exit_code
    except SystemExit as exc:  # typer/click exits (help, usage errors)
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except KeyboardInterrupt as exc:  # typer turns most into Exit(130) (below); Terminated and late ones land here
        return _interrupted(exit_status(exc))
    except Exception as exc:  # click usage errors and the like
        import click
        from typer import Abort as TyperAbort
        from typer._click.exceptions import ClickException as TyperClickException  # typer vendors click

        if isinstance(exc, (click.exceptions.ClickException, TyperClickException)):
            # Usage mistakes get the same one-line coded shape as every other error.
            msg = " ".join(exc.format_message().split())
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            err_console.print(f"error[E100]: {msg}{hint}", markup=False)
            return 2
        if isinstance(exc, (click.exceptions.Abort, TyperAbort)):
            return 1
        raise
    if isinstance(rv, int) and not isinstance(rv, bool) and rv:  # typer returns Exit codes without standalone mode
        return _interrupted(exit_status()) if rv == 130 else rv
    return 0


def _interrupted(status: int) -> int:
    err_console.print("interrupted: stopped; no partial output was written.", markup=False)
    _forget_unhandled_interrupt()
    return status


def _forget_unhandled_interrupt() -> None:
    """Let the interpreter exit with our status after a KeyboardInterrupt we handled.

    CPython remembers a KeyboardInterrupt that crossed a ``PyRun_*`` call
    (some extension modules run code that way while being imported) even
    after it was caught, and at exit kills itself with SIGINT instead of
    returning the status: ``-2`` instead of 130, at random, depending on
    where the Ctrl-C landed. Clear that flag (no-op where it does not exist).
    """
    import contextlib
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.c_int.in_dll(ctypes.pythonapi, "_Py_UnhandledKeyboardInterrupt").value = 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
