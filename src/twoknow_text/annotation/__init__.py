"""Human coding in Label Studio: a local server, a codebook-driven config, push and pull.

>>> from twoknow_text.annotation import start_server, push, pull  # doctest: +SKIP
>>> with start_server(data_dir="ls-data", token="mytoken123") as srv:  # doctest: +SKIP
...     push("answers_deid.csv", "2KNOW wave 1", text_cols=["answer"], id_col="id",
...          url=srv.url, token=srv.token, coders_per_task=2)
...     df = pull("2KNOW wave 1", url=srv.url, token=srv.token)

Error codes E500-E599 (:class:`~twoknow_text.errors.LabelStudioError`); see
``docs/labelstudio.md`` for the list.
"""

from ._client import connect, ensure_users
from ._config import labelling_config
from ._pull import PULL_COLUMNS, PullReport, pull, pull_to_csv, tidy_from_export
from ._push import PushReport, check_deidentified, load_theme_code_map, push, theme_predictions
from ._review import GateResult, ReviewPullReport, ReviewPushReport, apply_gate, review_config, review_pull, review_push
from ._server import ServerHandle, find_ls_venv, prepare_template, start_server

__all__ = [
    "ServerHandle",
    "start_server",
    "prepare_template",
    "find_ls_venv",
    "connect",
    "ensure_users",
    "labelling_config",
    "push",
    "PushReport",
    "check_deidentified",
    "load_theme_code_map",
    "theme_predictions",
    "pull",
    "pull_to_csv",
    "tidy_from_export",
    "PullReport",
    "PULL_COLUMNS",
    "apply_gate",
    "GateResult",
    "review_config",
    "review_push",
    "review_pull",
    "ReviewPushReport",
    "ReviewPullReport",
]
