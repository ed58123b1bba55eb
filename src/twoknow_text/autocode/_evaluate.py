"""Cross-validated agreement of the :class:`AutoCoder` with each coder, beside the coders' own agreement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AutocodeError
from ._model import UNSURE, AutoCoder, _binary_kappa

MODEL_CODER = "model"
COVERAGE_LEVELS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def code_lists(codings: pd.DataFrame, coder: str | None = None) -> dict[str, list[str]]:
    """Training labels per answer from a tidy coding table (``response_id, coder, code``; empty code = none).

    ``coder``: one coder's codes; ``None`` takes the only coder, or with
    several the majority (a code kept when at least half of the coders who
    saw the answer gave it); ``"adjudicated"`` works like any coder name.
    """
    missing = [c for c in ("response_id", "coder", "code") if c not in codings.columns]
    if missing:
        raise AutocodeError("E815", f"The coding table lacks column(s) {', '.join(missing)} (response_id, coder, code).")
    df = codings[["response_id", "coder", "code"]].fillna("").astype(str)
    coders = list(dict.fromkeys(df["coder"]))
    if not coders:
        raise AutocodeError("E816", "The coding table holds no coded answer.")
    if coder is not None:
        if coder not in coders:
            raise AutocodeError("E817", f"Coder '{coder}' is not in the coding table (coders: {', '.join(coders)}).")
        df = df[df["coder"] == coder]
    elif len(coders) > 1:
        n_seen = df.groupby("response_id")["coder"].nunique()
        given = df[df["code"] != ""].groupby(["response_id", "code"])["coder"].nunique().reset_index()
        given = given[given["coder"] * 2 >= given["response_id"].map(n_seen)]
        out = {rid: [] for rid in n_seen.index}
        for rid, code in zip(given["response_id"], given["code"], strict=True):
            out[rid].append(code)
        return {k: sorted(v) for k, v in out.items()}
    out: dict[str, list[str]] = {}
    for rid, code in zip(df["response_id"], df["code"], strict=True):
        out.setdefault(rid, [])
        if code and code not in out[rid]:
            out[rid].append(code)
    return {k: sorted(v) for k, v in out.items()}


def _tidy(labels: Mapping[str, Sequence[str]], coder: str) -> list[dict[str, str]]:
    rows = []
    for rid, codes in labels.items():
        rows.extend({"unit": rid, "coder": coder, "code": c} for c in codes)
        if not codes:
            rows.append({"unit": rid, "coder": coder, "code": ""})
    return rows


def _pair_agreement(a: Mapping[str, Sequence[str]], b: Mapping[str, Sequence[str]], names: tuple[str, str],
                    codes: Sequence[str], n_boot: int, seed: int) -> dict[str, Any]:
    """Pooled (answer, code) binary Cohen kappa and Krippendorff alpha with bootstrap CIs, via ``agreement``."""
    from ..agreement import agreement, reliability_data

    shared = sorted(set(a) & set(b))
    if not shared:
        return {"coders": list(names), "units": 0}
    df = pd.DataFrame(_tidy({u: a[u] for u in shared}, names[0]) + _tidy({u: b[u] for u in shared}, names[1]))
    data = reliability_data(df, "unit", "coder", "code", multi_label=True)
    rep = agreement(data, n_boot=n_boot, seed=seed, with_masi=False)
    out: dict[str, Any] = {"coders": list(names), "units": len(shared)}
    for name in ("cohen_kappa", "krippendorff_alpha"):
        e = rep.coefficients.get(name)
        if e is not None:
            d = e.to_dict()
            out[name] = {"value": d["value"], "low": d["low"], "high": d["high"]}
    return out


def evaluate(
    codings: pd.DataFrame,
    texts: Mapping[str, str],
    *,
    folds: int = 5,
    train_coder: str | None = None,
    code_descriptions: Mapping[str, str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    model: AutoCoder | None = None,
    coverage_levels: Sequence[float] = COVERAGE_LEVELS,
) -> dict[str, Any]:
    """Cross-validate the auto-coder on coded answers and compare it with the coders.

    The model is trained, fold by fold, on ``train_coder``'s codes (default:
    the first coder in the table) and its out-of-fold suggestions are
    compared with every coder on the answers that coder coded: pooled binary
    Cohen kappa and Krippendorff alpha over (answer, code) decisions, with
    bootstrap CIs (:func:`twoknow_text.agreement.agreement`). The coders'
    agreement with each other on the same answers is reported beside it, and
    a coverage table shows the kappa on the answers the model keeps at each
    abstain level (the others go to people). ``texts`` maps ``response_id``
    to de-identified text; answers without text are left out.
    """
    from sklearn.model_selection import KFold

    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise AutocodeError("E818", f"The 'folds' parameter must be an int >= 2. Got {folds!r} instead.")
    df = codings[["response_id", "coder", "code"]].fillna("").astype(str)
    coders = list(dict.fromkeys(df["coder"]))
    train_coder = train_coder or (coders[0] if coders else None)
    per_coder = {c: {k: v for k, v in code_lists(df, c).items() if k in texts} for c in coders}
    target = {k: v for k, v in code_lists(df, train_coder).items() if k in texts}
    units = sorted(target)
    if len(units) < folds * 2:
        raise AutocodeError("E819", f"{len(units)} coded answer(s) with text: too few for {folds}-fold evaluation.")
    base = model if model is not None else AutoCoder(random_state=seed)
    X = base.embed([texts[u] for u in units])
    proba: dict[str, np.ndarray] = {}
    fitted = None
    for tr, te in KFold(n_splits=folds, shuffle=True, random_state=seed).split(units):
        m = AutoCoder(**{**base.get_params(), "embedder": base.embedder})
        m._vectors = base._vectors  # the answers are embedded once for every fold
        m._default_embedder = getattr(base, "_default_embedder", None)
        m._fit_vectors(X[tr], [target[units[i]] for i in tr], code_descriptions)
        P = m._proba_vectors(X[te])
        codes_fold = list(m.codes_)
        for i, row in zip(te, P, strict=True):
            proba[units[i]] = dict(zip(codes_fold, row, strict=True))
        fitted = m
    all_codes = sorted({c for row in proba.values() for c in row} | {c for d in per_coder.values() for v in d.values()
                                                                  for c in v})
    P_all = np.array([[proba[u].get(c, 0.0) for c in all_codes] for u in units])
    assert fitted is not None
    # decisions with the fold models' threshold and confidence rule
    judge = AutoCoder(threshold=fitted.threshold_)
    judge.codes_, judge.threshold_ = all_codes, fitted.threshold_
    conf = judge.confidence(P_all)
    decided = judge.decide(P_all, abstain=0.0)
    model_codes = dict(zip(units, decided, strict=True))
    result: dict[str, Any] = {
        "n_answers": len(units),
        "folds": folds,
        "train_coder": train_coder,
        "codes": all_codes,
        "threshold": fitted.threshold_,
        "method": base.method,
        "model_vs_coders": [
            _pair_agreement(model_codes, per_coder[c], (MODEL_CODER, c), all_codes, n_boot, seed) for c in coders
        ],
        "coders_vs_coders": [
            _pair_agreement(per_coder[a], per_coder[b], (a, b), all_codes, n_boot, seed)
            for i, a in enumerate(coders) for b in coders[i + 1:]
        ],
        "coverage": coverage_table(P_all, conf, judge.threshold_, units, all_codes, per_coder, coverage_levels),
        "note": "Model codes are suggestions; final frequencies come from human or adjudicated codes.",
    }
    return result


def coverage_table(P: np.ndarray, conf: np.ndarray, threshold: float, units: Sequence[str], codes: Sequence[str],
                   per_coder: Mapping[str, Mapping[str, Sequence[str]]],
                   levels: Sequence[float] = COVERAGE_LEVELS) -> list[dict[str, Any]]:
    """For each abstain level: share of answers the model keeps and its pooled kappa with each coder on them."""
    rows = []
    idx = {c: j for j, c in enumerate(codes)}
    pred = P >= threshold
    for level in levels:
        keep = conf >= level
        row: dict[str, Any] = {"abstain": float(level), "coverage": float(keep.mean()) if len(keep) else 0.0,
                               "answers_kept": int(keep.sum())}
        for coder, labels in per_coder.items():
            sel = [i for i, u in enumerate(units) if keep[i] and u in labels]
            if not sel:
                row[f"kappa_{coder}"] = None
                continue
            Y = np.zeros((len(sel), len(codes)), dtype=bool)
            for r, i in enumerate(sel):
                for c in labels[units[i]]:
                    Y[r, idx[c]] = True
            row[f"kappa_{coder}"] = round(_binary_kappa(Y.ravel(), pred[sel].ravel()), 4)
        rows.append(row)
    return rows


__all__ = ["UNSURE", "code_lists", "coverage_table", "evaluate", "predictions_table"]


def predictions_table(model: AutoCoder, responses: Sequence[Any], abstain: float | None = None) -> pd.DataFrame:
    """One row per answer: ``response_id, codes`` (``;``-joined, or ``unsure``), ``confidence``, ``p_<code>``.

    ``responses`` are :class:`~twoknow_text.records.Response` records (their
    text is embedded, never written out).
    """
    ids = [r.response_id for r in responses]
    P = model.predict_proba([r.text for r in responses])
    decided = model.decide(P, abstain=abstain)
    table = pd.DataFrame({
        "response_id": ids,
        "codes": [";".join(c) for c in decided],
        "confidence": np.round(model.confidence(P), 4),
    })
    for c in P.columns:
        table[f"p_{c}"] = np.round(P[c].to_numpy(), 4)
    return table
