"""Connecting to Label Studio, with retries and one-line coded errors.

The SDK (label-studio-sdk 2.x) already retries connection errors and 5xx
answers with exponential backoff and jitter (1 s, 2 s, 4 s, ...); we set how
many times. Everything that reaches the user is turned into a
:class:`~twoknow_text.errors.LabelStudioError` whose message names the
operation and the HTTP status, never a response body: Label Studio echoes
task data in validation errors, and that data is answer text.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import LabelStudioError

if TYPE_CHECKING:  # pragma: no cover
    from label_studio_sdk import LabelStudio

__all__ = ["connect", "ensure_users", "api_errors", "DEFAULT_MAX_RETRIES"]

#: Retries after the first attempt, for connection errors and 5xx answers.
DEFAULT_MAX_RETRIES = 4


def _safe_url(url: str) -> str:
    # a URL may carry credentials (http://user:pw@host); never print them
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


@contextlib.contextmanager
def api_errors(what: str, url: str | None = None) -> Iterator[None]:
    """Turn SDK and transport errors raised inside the block into coded errors.

    ``what`` names the operation for the message ("importing tasks").
    """
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    where = f" at {_safe_url(url)}" if url else ""
    try:
        yield
    except ApiError as exc:
        status = exc.status_code
        if status in (401, 403):
            raise LabelStudioError(
                "E511", f"Label Studio{where} rejected the API token (HTTP {status}) while {what}."
            ) from None
        if status == 404:
            raise LabelStudioError("E513", f"Label Studio{where} answered 'not found' while {what}.") from None
        if status is not None and status >= 500:
            raise LabelStudioError(
                "E514", f"Label Studio{where} kept failing (HTTP {status}, retried) while {what}."
            ) from None
        raise LabelStudioError("E515", f"Label Studio{where} refused the request (HTTP {status}) while {what}.") from None
    except httpx.TimeoutException:
        raise LabelStudioError("E512", f"Label Studio{where} timed out while {what}.") from None
    except httpx.TransportError as exc:
        raise LabelStudioError(
            "E510", f"Label Studio{where} is unreachable ({type(exc).__name__}) while {what}; is the server running?"
        ) from None


def connect(
    url: str | None = None,
    token: str | None = None,
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    timeout: float = 600.0,
    check: bool = True,
) -> LabelStudio:
    """A ``label_studio_sdk.LabelStudio`` client, checked against the server.

    ``url`` and ``token`` default to env ``LABEL_STUDIO_URL`` and
    ``LABEL_STUDIO_API_KEY`` (a team's existing server). With ``check`` the
    token is verified with one quick ``whoami`` call: an unreachable server
    fails in about a second (``E510``), a bad token with ``E511``.
    ``timeout`` bounds one request: exporting or importing a large project
    in one request can take minutes on a busy machine.

    >>> ls = connect("http://127.0.0.1:8080", "mytoken123")  # doctest: +SKIP
    >>> ls.users.whoami().email  # doctest: +SKIP
    'admin@example.com'
    """
    from label_studio_sdk import LabelStudio

    url = url or os.environ.get("LABEL_STUDIO_URL")
    token = token or os.environ.get("LABEL_STUDIO_API_KEY")
    if not url:
        raise LabelStudioError("E508", "No Label Studio URL: pass --url or set LABEL_STUDIO_URL.")
    if not token:
        raise LabelStudioError("E509", "No Label Studio API token: pass --token or set LABEL_STUDIO_API_KEY.")
    url = url.rstrip("/")
    try:
        client = LabelStudio(base_url=url, api_key=token, max_retries=max_retries, timeout=timeout)
    except Exception as exc:  # an expired JWT refresh token raises here
        raise LabelStudioError("E511", f"The Label Studio API token is not usable ({type(exc).__name__}).") from None
    if check:
        with api_errors("checking the token", url):
            # one retry only: a wrong URL should fail fast, not after 15 s of backoff
            client.users.whoami(request_options={"max_retries": 1, "timeout": 10})
    return client


def ensure_users(client: LabelStudio, emails: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Make sure a coder account exists for each email; return email → user id.

    Accounts are created in the admin's organisation without a password (set
    one with ``label-studio reset_password`` or invite coders through the
    UI). Annotations written through the API on a coder's behalf use
    ``completed_by=<user id>``.
    """
    with api_errors("listing users"):
        have = {u.email: int(u.id) for u in client.users.list() if u.email}
        missing = [e for e in emails if e not in have]
        if missing:
            org = client.users.whoami().active_organization
            for email in missing:
                # the email doubles as the (unique) user name
                user = client.users.create(username=email, email=email, active_organization=org)
                have[email] = int(user.id)
    return {e: have[e] for e in emails}
