"""CLI commands for this stage (registered on the shared app)."""

from ._app import app  # noqa: F401
