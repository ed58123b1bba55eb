"""Python warnings as one line each on the command line."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = ["one_line_warnings"]


@contextlib.contextmanager
def one_line_warnings(console: Any) -> Iterator[None]:
    """Print each warning raised inside as ``warning: message``, one line.

    Python's default shows the file, line number and source line of the
    ``warnings.warn`` call: noise for a user, who needs only the message
    (e.g. "Key file deid.key is readable by other users; run `chmod 600 ...`").
    Filters are unchanged: a warning shown once by default still is.
    """

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        text = " ".join(str(message).split())
        console.print(f"warning: {text}", markup=False)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
