"""Where ``twoknow ls serve`` takes the admin's token and password from: never its arguments.

Any local user can read every process's arguments (``ps``, ``/proc/<pid>/cmdline``);
only the process's owner can read its environment. So a secret comes from an
environment variable or from a file that only its owner can read, and it goes
on to Label Studio through Label Studio's environment
(:func:`twoknow_text.annotation._server.admin_env`).

Order for the token: ``--token-file PATH``, then env ``LABEL_STUDIO_API_KEY``
(the variable ``ls push``/``ls pull`` read, so one export serves every
command), then env ``TWOKNOW_LS_TOKEN``; none: a random token, printed once.
For the password: ``--password-file PATH``, then env ``TWOKNOW_LS_PASSWORD``;
none: a random one, printed once (only when the admin is created).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from ..errors import LabelStudioError

__all__ = ["read_secret_file", "resolve_secret", "refuse_secret_argument", "TOKEN_ENV", "PASSWORD_ENV"]

TOKEN_ENV = ("LABEL_STUDIO_API_KEY", "TWOKNOW_LS_TOKEN")
PASSWORD_ENV = ("TWOKNOW_LS_PASSWORD",)


def refuse_secret_argument(option: str, what: str, env: str, file_option: str) -> LabelStudioError:
    """The coded error (E560) for a secret given as a command-line value."""
    return LabelStudioError(
        "E560",
        f"{option} VALUE would show the {what} to every user of this machine (`ps` lists process arguments): "
        f"set env {env} or pass {file_option} PATH (a file only you can read) instead.",
    )


def read_secret_file(path: str | os.PathLike[str], what: str) -> str:
    """The secret in ``path`` (first non-empty line, stripped); the file must be readable by its owner only.

    A missing, unreadable or empty file is ``E561``; a file that its group or
    other users can read is ``E562`` (``chmod 600`` it), like a key file.
    """
    p = Path(path)
    if not p.is_file():
        raise LabelStudioError("E561", f"{what.capitalize()} file not found: {p}.")
    try:
        mode = p.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise LabelStudioError(
                "E562", f"{what.capitalize()} file {p.name} is readable by other users; run `chmod 600 {p}`."
            )
        lines = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        raise LabelStudioError("E561", f"{what.capitalize()} file {p} is not readable.") from None
    value = next((ln for ln in lines if ln and not ln.startswith("#")), "")
    if not value:
        raise LabelStudioError("E561", f"{what.capitalize()} file {p} is empty.")
    return value


def resolve_secret(
    file: str | os.PathLike[str] | None, env_names: tuple[str, ...], what: str, environ: Mapping[str, str] | None = None
) -> str | None:
    """``file``'s secret, else the first non-empty variable of ``env_names``, else None (make one up)."""
    if file is not None:
        return read_secret_file(file, what)
    env = os.environ if environ is None else environ
    for name in env_names:
        if env.get(name):
            return env[name].strip()
    return None
