"""Label Studio pre-annotations from a saved auto-coder (used by ``twoknow ls push --autocode``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..errors import AutocodeError

#: Prefix of the model version shown in Label Studio (``twoknow-autocode:autocode-<12 hex>``).
MODEL_PREFIX = "twoknow-autocode"
TEXT_CONTROL = "text"


def autocode_predictions(
    model_dir: str | os.PathLike[str], responses: Sequence[Any], codebook: Any, *, embedder: Any = None
) -> tuple[dict[str, dict[str, Any]], str]:
    """``({response_id: prediction}, model_version)`` for de-identified ``responses``.

    Each prediction holds the suggested codes (one ``choices`` result per
    category; never ``unsure``: the codes are always shown, the confidence
    tells the coder how far to trust them) and ``score`` = the model's
    confidence, so coders can sort tasks by it, least sure first. Codes the
    codebook lacks are left out.
    """
    from ._model import AutoCoder
    from ._store import model_version

    model = AutoCoder.load(model_dir, embedder=embedder)
    version = f"{MODEL_PREFIX}:{model_version(model_dir)}"
    cat_of = {c.id: c.category for c in codebook.codes}
    if not any(c in cat_of for c in model.codes_):
        raise AutocodeError("E821", "None of the model's codes is in the project's codebook; train it on this codebook.")
    responses = list(responses)
    if not responses:
        return {}, version
    proba = model.predict_proba([r.text for r in responses])
    conf = model.confidence(proba)
    decided = model.decide(proba, abstain=0.0)
    preds: dict[str, dict[str, Any]] = {}
    for r, codes, c in zip(responses, decided, conf, strict=True):
        per_cat: dict[str, list[str]] = {}
        for code in codes:
            if code in cat_of:
                per_cat.setdefault(cat_of[code], []).append(code)
        preds[r.response_id] = {
            "model_version": version,
            "score": round(float(c), 4),
            "result": [{"from_name": cat, "to_name": TEXT_CONTROL, "type": "choices", "value": {"choices": v}}
                       for cat, v in per_cat.items()],
        }
    return preds, version
