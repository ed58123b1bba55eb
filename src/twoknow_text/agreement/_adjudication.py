"""Adjudication: list disagreements, send them to Label Studio, pull the gold, log every decision.

The adjudication project shows each answer (de-identified text only) with
every coder's codes: as a line of text above the form and as one
pre-annotation per coder (``model_version = "coder:<name>"``), so the
adjudicator can start from any coder's choice. ``adjudicate_pull`` reads the
adjudicator's annotations as gold and appends one line per decision to an
append-only JSONL audit log (who, when, unit, before, after). The log is
only ever opened in append mode; a decision already logged is not logged
twice.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError
from ._matrix import MultiLabelData, ReliabilityData

__all__ = [
    "disagreements",
    "adjudicate_push",
    "adjudicate_pull",
    "AdjudicationPush",
    "AuditLog",
    "COMPARE_FIELD",
]

COMPARE_FIELD = "coder_choices"  # task field and Text control showing the coders' codes
_CODES_FIELD = "coder_codes"  # task field with the same as JSON (read back by pull)


def disagreements(data: ReliabilityData | MultiLabelData) -> pd.DataFrame:
    """Units where the coders who saw them disagree, with each coder's codes.

    Columns: ``unit``, ``n_coders``, ``disputed`` (codes some but not all
    coders gave; for single-valued data the distinct values), ``agreed``
    (codes every coder gave), then one column per coder with that coder's
    codes joined by ``;`` (empty: no code; missing: did not see the unit).
    """
    rows = []
    if isinstance(data, MultiLabelData):
        seen = data.seen
        n_seen = seen.sum(0)
        marks = (data.present & seen[None]).sum(1)  # (K, U) coders marking each code
        disputed_mask = (marks > 0) & (marks < n_seen[None])
        units = np.flatnonzero(disputed_mask.any(0))
        codes = np.asarray(data.codes, dtype=object)
        for u in units:
            row: dict[str, Any] = {
                "unit": data.units[u],
                "n_coders": int(n_seen[u]),
                "disputed": ";".join(codes[disputed_mask[:, u]]),
                "agreed": ";".join(codes[marks[:, u] == n_seen[u]]),
            }
            for r, coder in enumerate(data.coders):
                row[coder] = ";".join(codes[data.present[:, r, u]]) if seen[r, u] else None
            rows.append(row)
    else:
        cats = np.asarray([str(c) for c in data.categories], dtype=object)
        for u in range(data.n_units):
            col = data.codes[:, u]
            vals = set(col[col >= 0].tolist())
            if len(vals) <= 1:
                continue
            row = {
                "unit": data.units[u],
                "n_coders": int((col >= 0).sum()),
                "disputed": ";".join(cats[sorted(vals)]),
                "agreed": "",
            }
            for r, coder in enumerate(data.coders):
                row[coder] = cats[col[r]] if col[r] >= 0 else None
            rows.append(row)
    cols = ["unit", "n_coders", "disputed", "agreed", *data.coders]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------
class AuditLog:
    """Append-only JSONL log of adjudication decisions.

    Each line: ``{"at", "who", "unit", "before", "after", "source", "decision_id"}``.
    The file is never rewritten: lines are appended and flushed to disk.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        with open(self.path, encoding="utf-8") as fh:
            for i, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    raise AgreementError("E622", f"Audit log {self.path.name} line {i} is not valid JSON.") from None
        return out

    def append(self, records: list[dict[str, Any]]) -> int:
        """Append records not already logged (same ``decision_id``); returns how many were written."""
        known = {r.get("decision_id") for r in self.read()}
        new = [r for r in records if r.get("decision_id") not in known]
        if not new:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            for r in new:
                fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return len(new)


# ---------------------------------------------------------------------------
# Label Studio round trip
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AdjudicationPush:
    project_id: int
    title: str
    tasks_created: int
    tasks_skipped: int
    url: str | None = None


def _client(client: Any, url: str | None, token: str | None) -> Any:
    if client is not None:
        return client
    from ..annotation import connect

    return connect(url, token)


def _corpus(texts: Any, allow_external_deid: bool, read_kwargs: dict[str, Any]) -> dict[str, Any]:
    """response_id → Response, only from de-identified input (the Label Studio gate)."""
    from ..records import Corpus

    try:
        from ..annotation._push import _as_corpus

        corpus, _ = _as_corpus(texts, allow_external_deid, None, read_kwargs)
    except ImportError:  # pragma: no cover - annotation stage always present in this package
        if not (isinstance(texts, Corpus) and texts.deidentified):
            raise AgreementError("E620", "Adjudication needs a de-identified Corpus (deidentified=True).") from None
        corpus = texts
    return {r.response_id: r for r in corpus}


def _config_with_choices(codebook: Any) -> str:
    from ..annotation import labelling_config

    xml = labelling_config(codebook)
    root = ET.fromstring(xml)
    view = ET.Element("View", {"className": "twoknow-question"})
    ET.SubElement(view, "Header", {"value": "Coders' codes (pre-annotations: one per coder)", "size": "6"})
    ET.SubElement(view, "Text", {"name": COMPARE_FIELD, "value": f"${COMPARE_FIELD}"})
    # Place it right after the answer block: the first View holding the text control.
    children = list(root)
    pos = len(children)
    for i, child in enumerate(children):
        if child.find(".//Text[@name='text']") is not None:
            pos = i + 1
            break
    root.insert(pos, view)
    return ET.tostring(root, encoding="unicode")


def adjudicate_push(
    disputes: pd.DataFrame,
    texts: Any,
    *,
    title: str = "twoknow adjudication",
    codebook: Any = None,
    client: Any = None,
    url: str | None = None,
    token: str | None = None,
    allow_external_deid: bool = False,
    **read_kwargs: Any,
) -> AdjudicationPush:
    """Create (or extend) a Label Studio project with one task per disputed unit.

    ``disputes`` comes from :func:`disagreements` (units are ``response_id``
    values). ``texts`` is a de-identified Corpus or the path of a ``twoknow
    deid`` output (checked the same way ``twoknow ls push`` checks it: E530).
    Units already in the project are skipped, so a second push only adds new
    disputes.
    """
    from ..annotation._push import existing_response_ids, find_project
    from ..annotation._client import api_errors
    from ..codebook import load_codebook

    if disputes.empty:
        raise AgreementError("E621", "No disagreements to adjudicate.")
    cb = codebook if hasattr(codebook, "codes") else load_codebook(codebook)
    category_of = cb.category_of()
    by_id = _corpus(texts, allow_external_deid, read_kwargs)
    coders = [c for c in disputes.columns if c not in ("unit", "n_coders", "disputed", "agreed")]
    missing = [u for u in disputes["unit"].astype(str) if u not in by_id]
    if missing:
        raise AgreementError(
            "E623", f"{len(missing)} disputed unit(s) are not in the texts (first response_id: {missing[0]})."
        )
    ls = _client(client, url, token)
    xml = _config_with_choices(cb)
    with api_errors("creating the adjudication project"):
        project = find_project(ls, title)
        if project is None:
            project = ls.projects.create(title=title, label_config=xml, maximum_annotations=1)
        pid = int(project.id)
        have = set(existing_response_ids(ls, pid))
    tasks = []
    for row in disputes.to_dict(orient="records"):
        unit = str(row["unit"])
        if unit in have:
            continue
        resp = by_id[unit]
        coder_codes = {
            c: [x for x in str(row[c]).split(";") if x] for c in coders if row.get(c) is not None and not pd.isna(row[c])
        }
        summary = " | ".join(f"{c}: {', '.join(v) if v else '(no code)'}" for c, v in coder_codes.items())
        preds = []
        for c, codes in coder_codes.items():
            by_cat: dict[str, list[str]] = {}
            for code in codes:
                if code in category_of:
                    by_cat.setdefault(category_of[code], []).append(code)
            result = [
                {"from_name": cat, "to_name": "text", "type": "choices", "value": {"choices": v}}
                for cat, v in by_cat.items()
            ]
            preds.append({"model_version": f"coder:{c}", "score": 1.0, "result": result})
        tasks.append(
            {
                "data": {
                    "response_id": unit,
                    "question_id": resp.question_id or "",
                    "question": resp.question_id or "",
                    "text": resp.text,
                    COMPARE_FIELD: summary,
                    _CODES_FIELD: json.dumps(coder_codes, sort_keys=True),
                    "disputed": str(row.get("disputed") or ""),
                },
                "predictions": preds,
            }
        )
    if tasks:
        with api_errors("importing adjudication tasks"):
            ls.projects.import_tasks(pid, request=tasks, return_task_ids=True)
    return AdjudicationPush(project_id=pid, title=title, tasks_created=len(tasks), tasks_skipped=len(disputes) - len(tasks))


def adjudicate_pull(
    project: str | int,
    audit_log: str | os.PathLike[str],
    *,
    client: Any = None,
    url: str | None = None,
    token: str | None = None,
) -> pd.DataFrame:
    """The adjudicated gold as a tidy table ``unit, code`` (empty code = none), logging every decision.

    The newest finished annotation of each task is the decision. Each
    decision not yet in ``audit_log`` is appended with who made it, when,
    the coders' codes before and the gold after.
    """
    from ..annotation._client import api_errors
    from ..annotation._pull import _project_id, tidy_from_export

    ls = _client(client, url, token)
    pid = _project_id(ls, project)
    with api_errors("exporting the adjudication project"):
        tasks = ls.projects.exports.as_json(pid)
        users = {u.id: (u.email or u.username or f"user:{u.id}") for u in ls.users.list()}
    rows, records = [], []
    for task in tasks:
        data = task.get("data") or {}
        unit = str(data.get("response_id", task.get("id")))
        anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if not anns:
            continue
        ann = max(anns, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id", 0)))
        tidy, _ = tidy_from_export([{**task, "annotations": [ann]}], users)
        codes = sorted({str(c) for c in tidy.get("code", pd.Series(dtype=str)) if isinstance(c, str) and c})
        who = users.get(ann.get("completed_by"), f"user:{ann.get('completed_by')}")
        try:
            before = json.loads(data.get(_CODES_FIELD) or "{}")
        except json.JSONDecodeError:
            before = {}
        records.append(
            {
                "decision_id": f"ls:{pid}:{ann.get('id')}:{ann.get('updated_at') or ann.get('created_at')}",
                "at": str(ann.get("updated_at") or ann.get("created_at") or _dt.datetime.now(_dt.UTC).isoformat()),
                "logged_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "who": who,
                "unit": unit,
                "before": before,
                "after": codes,
                "source": f"label-studio project {pid}",
            }
        )
        rows += [{"unit": unit, "code": c, "adjudicator": who} for c in codes] or [
            {"unit": unit, "code": "", "adjudicator": who}
        ]
    AuditLog(audit_log).append(records)
    return pd.DataFrame(rows, columns=["unit", "code", "adjudicator"])

