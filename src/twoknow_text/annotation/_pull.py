"""Pull coders' work from a Label Studio project into one tidy table.

One row per (response_id, coder, code). A coder who saw an answer and ticked
no code gets one row with an empty ``code`` (status ``no_code``): for
agreement that is a judgement, not missing data. Choices are read by control
name: a ``choices`` result whose control is not one of the layout's fixed
controls is a factor category (the config names each category group after
the category id), so ``pull`` needs no codebook.

Rules, in order:

* cancelled / skipped annotations (``was_cancelled``) are left out (kept
  with status ``cancelled`` when ``include_cancelled=True``);
* of several annotations by one coder on one task, the most recently
  updated is kept (ties: the higher annotation id);
* tasks without any kept annotation are left out, or listed with an empty
  coder and code and status ``unfinished`` when ``include_unfinished=True``
  (their ids are always in ``df.attrs["unfinished"]``);
* predictions (pre-annotations) are left out, or added with
  ``source="prediction"`` and ``coder="model:<model_version>"`` when
  ``include_predictions=True``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LabelStudioError
from ._client import api_errors, connect
from ._config import COMMENT_CONTROL, FIXED_CONTROLS, NEW_CODE_CONTROL, PII_CONTROL, PII_YES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from label_studio_sdk import LabelStudio

__all__ = ["pull", "pull_to_csv", "tidy_from_export", "PULL_COLUMNS", "PullReport"]

#: Columns of the tidy table, in order.
PULL_COLUMNS = (
    "response_id",
    "coder",
    "code",
    "category",
    "status",
    "source",
    "question_id",
    "residual_pii",
    "new_code",
    "comment",
    "lead_time",
    "created_at",
    "updated_at",
    "annotation_id",
    "task_id",
    "coder_id",
    "score",
)


@dataclass
class PullReport:
    """Counts behind a pulled table (also in ``df.attrs["pull_report"]``)."""

    n_tasks: int = 0
    n_annotations: int = 0
    n_kept: int = 0
    n_cancelled: int = 0
    n_superseded: int = 0
    n_predictions: int = 0
    unfinished: list[str] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.n_tasks:,} tasks, {self.n_annotations:,} annotations: kept {self.n_kept:,} from "
            f"{len(self.coders)} coder(s), {self.n_cancelled:,} skipped/cancelled left out, "
            f"{self.n_superseded:,} older duplicates replaced by the coder's latest, "
            f"{len(self.unfinished):,} task(s) not coded yet"
        )


def _texts(result: list[dict[str, Any]], control: str) -> str:
    out: list[str] = []
    for item in result:
        if item.get("from_name") == control and item.get("type") == "textarea":
            out += [str(t) for t in (item.get("value") or {}).get("text", []) if str(t).strip()]
    return "\n".join(out)


def _codes(result: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(code, category) pairs in result order, without repeats."""
    seen: list[tuple[str, str]] = []
    for item in result:
        name = item.get("from_name")
        if item.get("type") != "choices" or name in FIXED_CONTROLS:
            continue
        for code in (item.get("value") or {}).get("choices", []):
            pair = (str(code), str(name))
            if pair not in seen:
                seen.append(pair)
    return seen


def _pii(result: list[dict[str, Any]]) -> bool:
    for item in result:
        if item.get("from_name") == PII_CONTROL and item.get("type") == "choices":
            if PII_YES in (item.get("value") or {}).get("choices", []):
                return True
    return False


def _user_of(a: dict[str, Any]) -> Any:
    cb = a.get("completed_by")
    if isinstance(cb, dict):  # some exports expand the user
        return cb.get("id")
    return cb


def tidy_from_export(
    tasks: Iterable[dict[str, Any]],
    users: dict[Any, str] | None = None,
    *,
    predictions: Iterable[dict[str, Any]] | None = None,
    include_unfinished: bool = False,
    include_cancelled: bool = False,
) -> tuple[pd.DataFrame, PullReport]:
    """The tidy table from Label Studio's JSON export (a list of task dicts).

    ``users`` maps user id → coder name (email); unknown ids become
    ``"user:<id>"``. ``predictions`` are prediction dicts (``task``,
    ``model_version``, ``score``, ``result``), added with ``source="prediction"``.
    """
    import pandas as pd

    users = users or {}
    rep = PullReport()
    rows: list[dict[str, Any]] = []
    rid_of_task: dict[int, str] = {}
    qid_of_task: dict[int, str] = {}
    coders: set[str] = set()

    def base(rid: str, task: dict[str, Any]) -> dict[str, Any]:
        return {"response_id": rid, "question_id": (task.get("data") or {}).get("question_id"), "task_id": task.get("id")}

    for task in tasks:
        rep.n_tasks += 1
        data = task.get("data") or {}
        rid = str(data.get("response_id", f"task-{task.get('id')}"))
        rid_of_task[task.get("id")] = rid
        qid_of_task[task.get("id")] = data.get("question_id")
        anns = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
        rep.n_annotations += len(anns)
        done = [a for a in anns if not a.get("was_cancelled")]
        cancelled = [a for a in anns if a.get("was_cancelled")]
        rep.n_cancelled += len(cancelled)

        latest: dict[Any, dict[str, Any]] = {}
        for a in done:
            u = _user_of(a)
            prev = latest.get(u)
            key = (str(a.get("updated_at") or a.get("created_at") or ""), int(a.get("id") or 0))
            if prev is None:
                latest[u] = a
            else:
                rep.n_superseded += 1
                pkey = (str(prev.get("updated_at") or prev.get("created_at") or ""), int(prev.get("id") or 0))
                if key > pkey:
                    latest[u] = a
        keep = sorted(latest.values(), key=lambda a: int(a.get("id") or 0))
        if include_cancelled:
            keep += sorted(cancelled, key=lambda a: int(a.get("id") or 0))
        if not latest:
            rep.unfinished.append(rid)
            if include_unfinished:
                rows.append({**base(rid, task), "coder": "", "code": "", "category": "", "status": "unfinished",
                             "source": "annotation"})
        for a in keep:
            uid = _user_of(a)
            coder = users.get(uid, f"user:{uid}")
            result = a.get("result") or []
            status = "cancelled" if a.get("was_cancelled") else None
            common = {
                **base(rid, task),
                "coder": coder,
                "source": "annotation",
                "residual_pii": _pii(result),
                "new_code": _texts(result, NEW_CODE_CONTROL),
                "comment": _texts(result, COMMENT_CONTROL),
                "lead_time": a.get("lead_time"),
                "created_at": a.get("created_at"),
                "updated_at": a.get("updated_at"),
                "annotation_id": a.get("id"),
                "coder_id": uid,
            }
            if not a.get("was_cancelled"):
                rep.n_kept += 1
                coders.add(coder)
            codes = _codes(result)
            if not codes:
                rows.append({**common, "code": "", "category": "", "status": status or "no_code"})
            for code, cat in codes:
                rows.append({**common, "code": code, "category": cat, "status": status or "coded"})

    for p in predictions or ():
        tid = p.get("task")
        if tid not in rid_of_task:
            continue
        rep.n_predictions += 1
        common = {
            "response_id": rid_of_task[tid],
            "question_id": qid_of_task.get(tid),
            "task_id": tid,
            "coder": f"model:{p.get('model_version') or 'unknown'}",
            "source": "prediction",
            "created_at": p.get("created_at"),
            "updated_at": p.get("updated_at"),
            "score": p.get("score"),
        }
        codes = _codes(p.get("result") or [])
        if not codes:
            rows.append({**common, "code": "", "category": "", "status": "no_code"})
        for code, cat in codes:
            rows.append({**common, "code": code, "category": cat, "status": "coded"})

    rep.coders = sorted(coders)
    df = pd.DataFrame(rows, columns=list(PULL_COLUMNS))
    for c in ("response_id", "coder", "code", "category", "status", "source", "new_code", "comment"):
        df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str)
    df["residual_pii"] = df["residual_pii"].map(lambda v: bool(v) if v is not None and v == v else False).astype(bool)
    for c in ("lead_time", "score"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    for c in ("annotation_id", "task_id", "coder_id"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    df = df.sort_values(["source", "response_id", "coder", "category", "code"], kind="stable", ignore_index=True)
    df.attrs["unfinished"] = list(rep.unfinished)
    df.attrs["pull_report"] = rep
    return df, rep


def _iso(v: Any) -> Any:
    # the SDK parses prediction timestamps; the export gives annotation ones as strings: keep one form
    if hasattr(v, "isoformat"):
        return v.isoformat().replace("+00:00", "Z")
    return v


def _project_id(ls: LabelStudio, project: str | int) -> int:
    if isinstance(project, int):
        return project
    from ._push import find_project

    found = find_project(ls, project)
    if found is None:
        raise LabelStudioError("E520", f"No Label Studio project titled '{project}'.")
    return int(found.id)


def pull(
    project: str | int,
    *,
    client: LabelStudio | None = None,
    url: str | None = None,
    token: str | None = None,
    include_predictions: bool = False,
    include_unfinished: bool = False,
    include_cancelled: bool = False,
    timeout: int = 600,
) -> pd.DataFrame:
    """Coders' annotations of ``project`` (title or id) as a tidy DataFrame.

    Columns: see :data:`PULL_COLUMNS`. ``coder`` is the coder's email (user
    name when there is none). ``df.attrs["pull_report"]`` holds a
    :class:`PullReport` and ``df.attrs["unfinished"]`` the response ids no
    coder has finished.

    The table is built from Label Studio's JSON export of the project
    (``timeout`` applies to Enterprise's asynchronous export).

    >>> df = pull("2KNOW wave 1")  # doctest: +SKIP
    >>> df.groupby("category").code.value_counts()  # doctest: +SKIP
    """
    ls = client if client is not None else connect(url, token)
    pid = _project_id(ls, project)
    with api_errors("exporting the project"):
        # Measured: the JSON export is about twice as fast as paging /api/tasks with fields=all
        # (with `include`, that endpoint returns annotation ids only).
        tasks = ls.projects.exports.as_json(pid, timeout=timeout)
    users: dict[Any, str] = {}
    try:
        with api_errors("listing users"):
            for u in ls.users.list():
                users[u.id] = u.email or u.username or f"user:{u.id}"
    except LabelStudioError as exc:
        if exc.code != "E511":  # a non-admin token may not list users: fall back to ids
            raise
    preds: list[dict[str, Any]] | None = None
    if include_predictions:
        with api_errors("listing predictions"):
            preds = [
                {"task": p.task, "model_version": p.model_version, "score": p.score, "result": p.result,
                 "created_at": _iso(p.created_at), "updated_at": _iso(p.updated_at)}
                for p in ls.predictions.list(project=pid)
            ]
    df, _ = tidy_from_export(
        tasks, users, predictions=preds, include_unfinished=include_unfinished, include_cancelled=include_cancelled
    )
    return df


def pull_to_csv(project: str | int, out: str | os.PathLike[str], **kwargs: Any) -> tuple[pd.DataFrame, Path]:
    """:func:`pull` and write the table atomically (``.csv`` or ``.parquet``) with a manifest beside it."""
    from .._io import check_output_paths, output_set, write_table

    path = Path(out)
    manifest = path.with_name(path.name + ".manifest.json")
    check_output_paths(files=[path, manifest])
    df = pull(project, **kwargs)
    rep: PullReport = df.attrs["pull_report"]
    with output_set() as oset:  # the table and its manifest land together
        write_table(df, oset.path(path))
        _pull_manifest(oset, manifest, project, path, rep, kwargs)
    return df, path


def _pull_manifest(oset: Any, manifest: Path, project: str | int, path: Path, rep: PullReport,
                   kwargs: dict[str, Any]) -> None:
    oset.write_manifest(
        manifest,
        command="twoknow ls pull",
        config={
            "project": project,
            **{k: v for k, v in kwargs.items() if k.startswith("include_")},
        },
        outputs=[path],
        extra={
            "stage": "ls-pull",
            "n_tasks": rep.n_tasks,
            "n_annotations": rep.n_annotations,
            "n_kept": rep.n_kept,
            "n_cancelled": rep.n_cancelled,
            "n_superseded": rep.n_superseded,
            "n_unfinished": len(rep.unfinished),
            "coders": len(rep.coders),
        },
    )
