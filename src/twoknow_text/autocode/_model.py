"""The :class:`AutoCoder` estimator: codebook similarity + a calibrated linear model on answer vectors."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ..errors import AutocodeError

#: What :meth:`AutoCoder.predict` returns for an answer it leaves to people.
UNSURE = "unsure"

METHODS = ("combined", "classifier", "zero-shot")


def _check_param(name: str, value: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise AutocodeError("E801", f"The '{name}' parameter of AutoCoder must be {expected}. Got {value!r} instead.")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _platt(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * score + b)`` by Platt's method (with his target smoothing)."""
    from sklearn.linear_model import LogisticRegression

    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return 0.0, float(np.log((n_pos + 1) / (n_neg + 1)))
    lr = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    # Platt's smoothed targets guard against over-confident probabilities on few positives
    t_pos, t_neg = (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)
    target = np.where(y > 0, t_pos, t_neg)
    xx = np.concatenate([score, score])[:, None]
    yy = np.concatenate([np.ones_like(score), np.zeros_like(score)])
    ww = np.concatenate([target, 1 - target])
    lr.fit(xx, yy, sample_weight=ww)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


class AutoCoder(BaseEstimator):
    """Suggest codes for answers from a few coded ones and the codebook; abstain when unsure.

    For each code the estimator combines two signals on the answer vectors of
    the packaged sentence embedder:

    - *zero-shot*: cosine similarity of the answer to the code's description
      (every line of the description is embedded; the best line counts);
    - *classifier*: a class-weighted logistic regression (one per code) on
      the answer vector plus the similarities to every code.

    The score of each code is calibrated into a probability with Platt
    scaling on out-of-fold scores, so a probability of 0.8 means about 8 in
    10 such answers carry the code. A code with fewer than ``min_examples``
    coded answers falls back to the zero-shot similarity, calibrated on the
    codes that have examples.

    Parameters
    ----------
    embedder:
        An object with ``encode(list[str]) -> ndarray`` (rows L2-normalised),
        by default the packaged :class:`twoknow_text.embedding.Embedder`.
    random_state:
        Seed of the cross-validation splits used for calibration.
    method:
        ``"combined"`` (default), ``"classifier"`` (no codebook signal) or
        ``"zero-shot"`` (codebook only; needs ``code_descriptions``).
    C:
        Inverse regularisation strength of the logistic regressions.
    threshold:
        A code is predicted when its calibrated probability is at least this;
        ``"auto"`` picks the threshold that maximises the pooled out-of-fold
        kappa on the training data (set in ``threshold_``).
    abstain:
        ``predict`` returns ``["unsure"]`` for an answer whose confidence
        (estimated probability that its whole predicted code set is right) is
        below this. 0 never abstains.
    min_examples:
        Codes with fewer coded answers use the zero-shot score only.
    cv:
        Folds of the out-of-fold calibration (fewer when a code has fewer
        examples).

    Attributes (after ``fit``)
    --------------------------
    codes_: the code ids, column order of ``predict_proba``.
    n_examples_: coded answers per code in the training data.
    threshold_: the decision threshold used by ``predict``.
    """

    def __init__(
        self,
        embedder: Any = None,
        random_state: int | None = 0,
        *,
        method: str = "combined",
        C: float = 1.0,
        threshold: float | str = "auto",
        abstain: float = 0.0,
        min_examples: int = 3,
        cv: int = 3,
    ) -> None:
        self.embedder = embedder
        self.random_state = random_state
        self.method = method
        self.C = C
        self.threshold = threshold
        self.abstain = abstain
        self.min_examples = min_examples
        self.cv = cv

    # -- parameters and vectors ------------------------------------------
    def _check_params(self) -> None:
        _check_param("method", self.method, self.method in METHODS, f"one of {', '.join(METHODS)}")
        _check_param("C", self.C, isinstance(self.C, (int, float)) and not isinstance(self.C, bool) and self.C > 0,
                     "a number > 0")
        t = self.threshold
        _check_param("threshold", t, t == "auto" or (isinstance(t, (int, float)) and not isinstance(t, bool)
                                                     and 0 < t < 1), "'auto' or a number in (0, 1)")
        a = self.abstain
        _check_param("abstain", a, isinstance(a, (int, float)) and not isinstance(a, bool) and 0 <= a <= 1,
                     "a number in [0, 1]")
        _check_param("min_examples", self.min_examples, isinstance(self.min_examples, int)
                     and not isinstance(self.min_examples, bool) and self.min_examples >= 2, "an int >= 2")
        _check_param("cv", self.cv, isinstance(self.cv, int) and not isinstance(self.cv, bool) and self.cv >= 2,
                     "an int >= 2")

    def _get_embedder(self) -> Any:
        if self.embedder is None:
            if getattr(self, "_default_embedder", None) is None:
                from ..embedding import Embedder

                self._default_embedder = Embedder()
            return self._default_embedder
        return self.embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Answer vectors (float32, rows L2-normalised), each distinct text encoded once per estimator."""
        texts = _check_texts(texts)
        cache: dict[str, np.ndarray] = self.__dict__.setdefault("_vectors", {})
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            vecs = np.asarray(self._get_embedder().encode(todo), dtype=np.float32)
            for t, v in zip(todo, vecs, strict=True):
                cache[t] = v
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([cache[t] for t in texts])

    # -- fitting -----------------------------------------------------------
    def fit(self, texts: Sequence[str], codes: Sequence[Sequence[str]],
            code_descriptions: Mapping[str, str] | None = None) -> AutoCoder:
        """Learn from coded answers.

        ``codes[i]`` is the list of code ids given to ``texts[i]`` (empty:
        coded, no code applies). ``code_descriptions`` maps a code id to its
        text (label, definition, examples; one per line); codes described
        but never used are learnt from their description alone.
        """
        self._check_params()
        texts = _check_texts(texts)
        codes = _check_codes(codes, len(texts))
        return self._fit_vectors(self.embed(texts), codes, code_descriptions)

    def _fit_vectors(self, X: np.ndarray, codes: list[list[str]],
                     code_descriptions: Mapping[str, str] | None) -> AutoCoder:
        self._check_params()
        descriptions = dict(code_descriptions or {})
        bad = [k for k, v in descriptions.items() if not isinstance(k, str) or not isinstance(v, str) or not v.strip()]
        if bad:
            raise AutocodeError("E804", f"code_descriptions must map code ids to non-empty text; {len(bad)} entries do not.")
        seen = sorted({c for row in codes for c in row})
        all_codes = seen + sorted(set(descriptions) - set(seen))
        if not all_codes:
            raise AutocodeError("E805", "No code to learn: the answers carry no code and no code_descriptions were given.")
        if self.method == "zero-shot" and not descriptions:
            raise AutocodeError("E806", "method='zero-shot' needs code_descriptions.")
        Y = np.zeros((len(X), len(all_codes)), dtype=np.int8)
        idx = {c: j for j, c in enumerate(all_codes)}
        for i, row in enumerate(codes):
            for c in row:
                Y[i, idx[c]] = 1
        self.codes_ = all_codes
        self.n_examples_ = {c: int(Y[:, j].sum()) for j, c in enumerate(all_codes)}
        self.code_descriptions_ = {c: descriptions[c] for c in all_codes if c in descriptions}
        self._fit_zero_shot_prototypes()
        S = self._similarities(X)
        rng = np.random.RandomState(self.random_state if self.random_state is not None else None)
        seed = int(rng.randint(0, 2**31 - 1))
        k = len(all_codes)
        d = X.shape[1]
        n_feat = d + (k if self._uses_zero_shot() else 0)
        self.coef_ = np.zeros((k, n_feat), dtype=np.float64)
        self.intercept_ = np.zeros(k, dtype=np.float64)
        # calibration: p = sigmoid(a * score + b); kind 1 = classifier score, 2 = zero-shot similarity
        self.calibration_ = np.zeros((k, 2), dtype=np.float64)
        self.score_kind_ = np.zeros(k, dtype=np.int8)
        oof = np.full((len(X), k), np.nan)
        F = self._features(X, S)
        for j, _c in enumerate(all_codes):
            y = Y[:, j]
            n_pos = int(y.sum())
            if self.method != "zero-shot" and n_pos >= self.min_examples and n_pos < len(y):
                self.score_kind_[j] = 1
                oof[:, j] = self._oof_scores(F, y, seed + j)
                self.calibration_[j] = _platt(oof[:, j], y)
                lr = self._linear(seed + j).fit(F, y)
                self.coef_[j], self.intercept_[j] = lr.coef_[0], lr.intercept_[0]
            elif self._has_description(j):
                self.score_kind_[j] = 2
            else:  # too few examples and no description: the (smoothed) training prevalence
                self.calibration_[j] = (0.0, float(np.log((n_pos + 0.5) / (len(y) - n_pos + 0.5))))
        self._calibrate_zero_shot(S, Y, oof)
        self.threshold_ = self._choose_threshold(oof_p=self._calibrated(oof, S), Y=Y) if self.threshold == "auto" \
            else float(self.threshold)
        self.n_features_in_ = d
        self.train_prevalence_ = Y.mean(axis=0) if len(Y) else np.zeros(k)
        return self

    def _uses_zero_shot(self) -> bool:
        return self.method != "classifier" and bool(self.code_descriptions_)

    def _has_description(self, j: int) -> bool:
        return self._uses_zero_shot() and self.codes_[j] in self.code_descriptions_

    def _fit_zero_shot_prototypes(self) -> None:
        """Embed every line of every description; ``proto_owner_`` maps a line vector to its code."""
        lines, owner = [], []
        if self.method != "classifier":
            for j, c in enumerate(self.codes_):
                for line in self.code_descriptions_.get(c, "").splitlines():
                    if line.strip():
                        lines.append(line.strip())
                        owner.append(j)
        self.prototypes_ = self.embed(lines) if lines else np.zeros((0, 0), dtype=np.float32)
        self.proto_owner_ = np.asarray(owner, dtype=np.int64)

    def _similarities(self, X: np.ndarray) -> np.ndarray:
        """Best cosine of each answer to each code's description lines (0 for undescribed codes)."""
        k = len(self.codes_)
        S = np.zeros((len(X), k), dtype=np.float64)
        if not len(self.proto_owner_) or not len(X):
            return S
        sims = X.astype(np.float64) @ self.prototypes_.astype(np.float64).T
        S[:] = -1.0
        for j in range(k):
            cols = self.proto_owner_ == j
            if cols.any():
                S[:, j] = sims[:, cols].max(axis=1)
            else:
                S[:, j] = 0.0
        return S

    def _features(self, X: np.ndarray, S: np.ndarray) -> np.ndarray:
        X = X.astype(np.float64)
        if self.method != "classifier" and self.code_descriptions_:
            # similarities centred per answer, so "closest to this code" counts, not overall closeness
            return np.hstack([X, S - S.mean(axis=1, keepdims=True)])
        return X

    def _linear(self, seed: int) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=seed)

    def _oof_scores(self, F: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
        from sklearn.model_selection import StratifiedKFold

        n_pos = int(y.sum())
        folds = min(self.cv, n_pos, len(y) - n_pos)
        out = np.zeros(len(y))
        for tr, te in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(F, y):
            lr = self._linear(seed).fit(F[tr], y[tr])
            out[te] = lr.decision_function(F[te])
        return out

    def _zero_shot_score(self, S: np.ndarray) -> np.ndarray:
        # relative to the answer's best code: the chosen code sits at 0, others below
        return S - S.max(axis=1, keepdims=True) if S.shape[1] else S

    def _calibrate_zero_shot(self, S: np.ndarray, Y: np.ndarray, oof: np.ndarray) -> None:
        """Platt scaling of the zero-shot score, pooled over the codes that have examples."""
        if not self._uses_zero_shot():
            return
        Z = self._zero_shot_score(S)
        described = [j for j in range(len(self.codes_)) if self.codes_[j] in self.code_descriptions_]
        fit_on = [j for j in described if Y[:, j].sum() > 0]
        if fit_on and len(Y):
            a, b = _platt(Z[:, fit_on].ravel(), Y[:, fit_on].ravel().astype(float))
        else:  # nothing to calibrate on: a plain guess (best code likely, far codes unlikely)
            a, b = 20.0, 0.0
        for j in described:
            if self.score_kind_[j] == 1:
                # per code, keep the signal with the better out-of-fold log loss: with few coded
                # answers the codebook often predicts better than a classifier fitted on them
                y = Y[:, j].astype(float)
                p_clf = _sigmoid(self.calibration_[j, 0] * oof[:, j] + self.calibration_[j, 1])
                p_zs = _sigmoid(a * Z[:, j] + b)
                if _log_loss(y, p_zs) < _log_loss(y, p_clf):
                    self.score_kind_[j] = 2
                    self.calibration_[j] = (a, b)
            elif self.score_kind_[j] == 2:
                self.calibration_[j] = (a, b)

    def _calibrated(self, raw: np.ndarray, S: np.ndarray) -> np.ndarray:
        """Probabilities from raw scores (classifier columns) or similarities (zero-shot columns)."""
        P = np.zeros_like(S)
        Z = self._zero_shot_score(S)
        for j in range(len(self.codes_)):
            a, b = self.calibration_[j]
            if self.score_kind_[j] == 1:
                P[:, j] = _sigmoid(a * raw[:, j] + b)
            elif self.score_kind_[j] == 2:
                P[:, j] = _sigmoid(a * Z[:, j] + b)
            else:
                P[:, j] = _sigmoid(np.full(len(S), b))
        return P

    def _proba_from(self, F: np.ndarray, S: np.ndarray) -> np.ndarray:
        raw = F @ self.coef_.T + self.intercept_ if len(F) else np.zeros((0, len(self.codes_)))
        return self._calibrated(raw, S)

    def _choose_threshold(self, oof_p: np.ndarray, Y: np.ndarray) -> float:
        """The threshold in 0.2-0.8 that maximises the pooled out-of-fold binary kappa."""
        if not len(Y) or Y.sum() == 0:
            return 0.5
        best, best_t = -2.0, 0.5
        y = Y.ravel()
        for t in np.arange(0.2, 0.81, 0.05):
            k = _binary_kappa(y, (oof_p >= t).ravel())
            if k > best + 1e-9:
                best, best_t = k, float(round(t, 2))
        return best_t

    # -- prediction --------------------------------------------------------
    def _check_fitted(self) -> None:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "codes_")

    def _proba_vectors(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted()
        S = self._similarities(X) if len(self.proto_owner_) else np.zeros((len(X), len(self.codes_)))
        return self._proba_from(self._features(X, S), S)

    def predict_proba(self, texts: Sequence[str]) -> pd.DataFrame:
        """Calibrated probability of each code (columns ``codes_``), one row per answer."""
        self._check_fitted()
        texts = _check_texts(texts)
        P = self._proba_vectors(self.embed(texts)) if texts else np.zeros((0, len(self.codes_)))
        return pd.DataFrame(P, columns=list(self.codes_))

    def confidence(self, proba: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Estimated probability that each answer's predicted code set is right (product over codes)."""
        P = np.asarray(proba, dtype=np.float64)
        if not P.size:
            return np.ones(len(P))
        sure = np.where(P >= self.threshold_, P, 1 - P)
        return np.exp(np.log(np.clip(sure, 1e-12, 1)).sum(axis=1))

    def decide(self, proba: pd.DataFrame | np.ndarray, abstain: float | None = None) -> list[list[str]]:
        """Code lists from probabilities (``["unsure"]`` below the ``abstain`` confidence)."""
        self._check_fitted()
        P = np.asarray(proba, dtype=np.float64)
        a = self.abstain if abstain is None else abstain
        conf = self.confidence(P)
        out: list[list[str]] = []
        for i in range(len(P)):
            if a > 0 and conf[i] < a:
                out.append([UNSURE])
            else:
                out.append([self.codes_[j] for j in np.flatnonzero(P[i] >= self.threshold_)])
        return out

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Suggested codes per answer: a list of code ids (empty = no code), or ``["unsure"]``."""
        return self.decide(self.predict_proba(texts))

    # -- persistence -------------------------------------------------------
    def save(self, directory: Any) -> Any:
        """Write the fitted model to a new folder (JSON + npz, no pickle) with a manifest."""
        from ._store import save_model

        return save_model(self, directory)

    @classmethod
    def load(cls, directory: Any, embedder: Any = None) -> AutoCoder:
        """Read a model written by :meth:`save` (the embedder must be the one it was trained with)."""
        from ._store import load_model

        return load_model(directory, embedder=embedder)


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def _binary_kappa(y: np.ndarray, p: np.ndarray) -> float:
    """Cohen's kappa of two binary vectors (0 when chance agreement is total)."""
    y = np.asarray(y, dtype=bool)
    p = np.asarray(p, dtype=bool)
    n = len(y)
    if not n:
        return math.nan
    po = float((y == p).mean())
    py, pp = y.mean(), p.mean()
    pe = py * pp + (1 - py) * (1 - pp)
    return 0.0 if pe >= 1 else float((po - pe) / (1 - pe))


def _check_texts(texts: Any) -> list[str]:
    if isinstance(texts, str):
        raise AutocodeError("E802", "texts must be a list of strings, not one string.")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise AutocodeError("E802", f"texts must be strings; position {bad[0]} is a {type(texts[bad[0]]).__name__}.")
    return texts


def _check_codes(codes: Any, n: int) -> list[list[str]]:
    if isinstance(codes, str):
        raise AutocodeError("E803", "codes must be a list of code lists, one per answer.")
    rows = list(codes)
    if len(rows) != n:
        raise AutocodeError("E803", f"codes has {len(rows)} entries for {n} texts; give one code list per answer.")
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, str) or not all(isinstance(c, str) and c.strip() for c in row):
            raise AutocodeError("E803", f"codes[{i}] must be a list of non-empty code ids (empty list: no code).")
        if UNSURE in row:
            raise AutocodeError("E803", f"codes[{i}] uses the reserved marker '{UNSURE}' as a code.")
        out.append(sorted(set(row)))
    return out
