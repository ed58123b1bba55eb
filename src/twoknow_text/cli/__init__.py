"""Command-line interface: a thin layer over the library API.

Each stage has its own module that registers its commands on ``app``. Heavy
libraries are imported inside the command functions so ``twoknow --help``
stays fast. ``main`` turns a :class:`~twoknow_text.errors.TwoknowError` into a
one-line ``error[CODE]: message`` and exit status 2; it never prints answer
text or a traceback for a user mistake.
"""

from __future__ import annotations

import sys

from rich.console import Console

from ..errors import TwoknowError
from ._app import app
from ._warnings import one_line_warnings

# Registration happens here, in one place, not as scattered import side effects.
from . import _deid, _themes, _labelstudio, _agreement, _codebook  # noqa: E402,F401

__all__ = ["app", "main"]

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``twoknow`` command."""
    try:
        with one_line_warnings(err_console):
            app(args=argv, prog_name="twoknow", standalone_mode=False)
    except TwoknowError as exc:
        err_console.print(f"error[{exc.code}]: {exc.message}", markup=False)
        return exc.exit_code
    except SystemExit as exc:  # typer/click exits (help, usage errors)
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        err_console.print("interrupted: no partial output was written.", markup=False)
        return 130
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
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
