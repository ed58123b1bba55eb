"""Frequency tables at respondent level, by subgroup, and code co-occurrence.

The unit of a share is the **respondent**, not the answer: a respondent who
names loneliness in two answers counts once. For each code and category:

- ``n_answers``: answers with the code;
- ``n_respondents``: respondents with the code in at least one analysed answer;
- ``respondents_total``: respondents with at least one analysed answer (the
  denominator); an answer is *analysed* when the chosen coding source coded
  it (a row with an empty code counts: coded, nothing applies);
- ``share`` = n_respondents / respondents_total, with a Wilson interval.

Within a subgroup (a question, a language, a metadata value) both counts and
the denominator are restricted to the answers in that subgroup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..codebook._codings import check_codings
from ..errors import CodebookError
from ..records import Corpus
from ._disclosure import DEFAULT_MIN_CELL, check_by_values, suppress_small_subgroups
from ._stats import wilson_interval

__all__ = ["CodingSource", "select_codes", "FrequencyReport", "frequency_report", "adjudicated_codings"]

ADJUDICATED = "adjudicated"
_ALIASES = {"question": "question_id", "respondent": "respondent_id"}


@dataclass(frozen=True)
class CodingSource:
    """Which codes a table is built from, said plainly in every output."""

    kind: str  # "adjudicated" | "single coder" | "majority"
    coders: tuple[str, ...]
    label: str


def select_codes(codings: pd.DataFrame, coder: str | None = None, *, adjudicated_label: str = ADJUDICATED
                 ) -> tuple[pd.DataFrame, CodingSource]:
    """Pick the codes to report from a checked tidy coding table.

    ``coder=None``: the ``adjudicated`` coder if present, else the only coder;
    with several coders and no adjudication it is an error (E753) that lists
    them. ``coder="majority"``: a code applies to an answer when more than
    half of the coders who coded that answer applied it (an automatic
    stand-in for adjudication, labelled as such). Any other value: that one
    coder. Returns ``(rows, source)``; rows keep empty codes (coded, none apply).
    """
    coders = sorted(set(codings["coder"]))
    if not coders:
        raise CodebookError("E753", "The coding table is empty.")
    if coder is None:
        if adjudicated_label in coders:
            coder = adjudicated_label
        elif len(coders) == 1:
            coder = coders[0]
        else:
            raise CodebookError(
                "E753",
                f"The coding table has {len(coders)} coders ({', '.join(coders[:8])}) and no '{adjudicated_label}' "
                "codes: choose one coder or 'majority'.",
            )
    if coder == "majority":
        others = [c for c in coders if c != adjudicated_label]
        df = codings[codings["coder"].isin(others)]
        n_coders = df.groupby("response_id")["coder"].nunique()
        applied = df[df["code"] != ""].drop_duplicates(["response_id", "coder", "code"])
        votes = applied.groupby(["response_id", "code", "category"]).size().rename("votes").reset_index()
        votes["n_coders"] = votes["response_id"].map(n_coders)
        kept = votes[votes["votes"] * 2 > votes["n_coders"]]
        rows = pd.concat(
            [
                kept[["response_id", "code", "category"]],
                pd.DataFrame({"response_id": n_coders.index, "code": "", "category": ""}),
            ],
            ignore_index=True,
        )
        rows["coder"] = "majority"
        return rows[["response_id", "coder", "code", "category"]], CodingSource(
            "majority", tuple(others), f"majority vote of {len(others)} coders (not adjudicated)"
        )
    if coder not in coders:
        raise CodebookError("E753", f"No coder '{coder}' in the coding table (coders: {', '.join(coders[:8])}).")
    rows = codings[codings["coder"] == coder]
    if coder == adjudicated_label:
        return rows, CodingSource("adjudicated", (coder,), "adjudicated codes")
    return rows, CodingSource("single coder", (coder,), f"single coder '{coder}' (not adjudicated)")


def adjudicated_codings(
    codings: pd.DataFrame,
    gold: pd.DataFrame | None = None,
    *,
    unresolved: str = "error",
    label: str = ADJUDICATED,
) -> pd.DataFrame:
    """Coders' codes plus adjudication decisions -> one ``adjudicated`` code set per answer.

    An answer on which every coder who saw it gave the same codes keeps
    them; an answer in ``gold`` (the agreement stage's ``adjudicate_pull``
    table: ``unit`` or ``response_id``, ``code``; empty code = none applies)
    takes the adjudicator's codes. Answers still disputed are an error
    (E756, naming how many and a few ids) unless ``unresolved`` is
    ``"majority"`` (a strict majority of their coders) or ``"drop"``.
    Returns the input rows plus rows with ``coder == label``, ready for
    :func:`frequency_report` (which then uses them by default).
    """
    if unresolved not in ("error", "majority", "drop"):
        raise CodebookError(
            "E756", f"The 'unresolved' parameter must be 'error', 'majority' or 'drop'. Got {unresolved!r} instead."
        )
    checked = check_codings(codings)
    people = checked[checked["coder"] != label]
    sets = (
        people.groupby(["response_id", "coder"])["code"]
        .agg(lambda s: frozenset(c for c in s if c))
        .reset_index()
    )
    agreed = sets.groupby("response_id")["code"].agg(lambda s: s.iloc[0] if s.nunique() == 1 else None)
    decided: dict[str, frozenset] = {rid: codes for rid, codes in agreed.items() if codes is not None}
    if gold is not None and len(gold):
        unit_col = "response_id" if "response_id" in gold.columns else "unit"
        if unit_col not in gold.columns or "code" not in gold.columns:
            raise CodebookError("E756", "The adjudication table needs 'unit' (or 'response_id') and 'code' columns.")
        g = gold[[unit_col, "code"]].astype(str)
        for rid, grp in g.groupby(unit_col):
            decided[rid] = frozenset(c for c in grp["code"].str.strip() if c and c != "nan")
    open_ids = sorted(set(agreed.index) - set(decided))
    if open_ids and unresolved == "error":
        raise CodebookError(
            "E756",
            f"{len(open_ids)} answer(s) are disputed and not adjudicated, e.g. {', '.join(open_ids[:5])}; "
            "adjudicate them or pass unresolved='majority' or 'drop'.",
        )
    if open_ids and unresolved == "majority":
        n_coders = sets.groupby("response_id")["coder"].nunique()
        for rid in open_ids:
            votes = sets[sets["response_id"] == rid]["code"]
            counts: dict[str, int] = {}
            for fs in votes:
                for c in fs:
                    counts[c] = counts.get(c, 0) + 1
            decided[rid] = frozenset(c for c, k in counts.items() if 2 * k > n_coders[rid])
    cat_of = dict(zip(people["code"], people["category"], strict=True))
    rows = []
    for rid, codes in decided.items():
        if codes:
            rows += [(rid, label, c, cat_of.get(c, "")) for c in sorted(codes)]
        else:
            rows.append((rid, label, "", ""))
    added = pd.DataFrame(rows, columns=["response_id", "coder", "code", "category"])
    return pd.concat([people, added], ignore_index=True)


@dataclass
class FrequencyReport:
    """All final tables, ready to write (:func:`~twoknow_text.reporting.write_report`)."""

    codebook: Codebook
    source: CodingSource
    frequencies: pd.DataFrame
    by_subgroup: pd.DataFrame
    cooccurrence: pd.DataFrame
    n_respondents: int
    n_answers: int
    n_answers_in_corpus: int
    by: tuple[str, ...] = ()
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    min_cell: int = DEFAULT_MIN_CELL


_FREQ_COLS = ["level", "id", "label", "category", "n_answers", "n_respondents", "respondents_total", "share",
              "ci_low", "ci_high"]


def _frequencies(answers: pd.DataFrame, applied: pd.DataFrame, cb: Codebook, codes: list[str], confidence: float
                 ) -> pd.DataFrame:
    """``answers``: analysed answers (response_id, respondent_id); ``applied``: (response_id, respondent_id, code, category)."""
    total = answers["respondent_id"].nunique()
    rows = []
    cat_label = {c.id: c.label for c in cb.categories}
    n_ans = applied.groupby("code")["response_id"].nunique()
    n_resp = applied.groupby("code")["respondent_id"].nunique()
    for cid in codes:
        code = cb.get(cid)
        rows.append(("code", cid, code.label, code.category, int(n_ans.get(cid, 0)), int(n_resp.get(cid, 0))))
    c_ans = applied.groupby("category")["response_id"].nunique()
    c_resp = applied.groupby("category")["respondent_id"].nunique()
    for cat in cb.categories:
        rows.append(("category", cat.id, cat_label[cat.id], cat.id, int(c_ans.get(cat.id, 0)), int(c_resp.get(cat.id, 0))))
    df = pd.DataFrame(rows, columns=["level", "id", "label", "category", "n_answers", "n_respondents"])
    df["respondents_total"] = total
    df["share"] = np.where(total > 0, df["n_respondents"] / max(total, 1), np.nan)
    lo, hi = wilson_interval(df["n_respondents"].to_numpy(), np.full(len(df), total), confidence)
    df["ci_low"], df["ci_high"] = lo, hi
    return df[_FREQ_COLS]


def check_confidence(confidence: float) -> None:
    """Refuse (ConfigError E106) a confidence level outside (0, 1), e.g. 1.5 or 95."""
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        from ..errors import ConfigError

        raise ConfigError(
            "E106", f"The confidence level must be between 0 and 1, e.g. 0.95 (got {confidence!r})."
        )


def frequency_report(
    codings: pd.DataFrame,
    corpus: Corpus,
    codebook: Codebook,
    *,
    coder: str | None = None,
    by: Sequence[str] = (),
    confidence: float = 0.95,
    adjudicated_label: str = ADJUDICATED,
    unknown_codes: str = "error",
    min_cell: int = DEFAULT_MIN_CELL,
) -> FrequencyReport:
    """Per-code and per-category respondent shares, by subgroup, and co-occurrence.

    ``codings`` is the tidy table from the Label Studio pull (or any CSV of
    that shape); ``corpus`` gives respondent, question, language and metadata
    for each ``response_id``; ``by`` names subgroup columns (``question_id``
    or ``question``, ``language`` or any metadata key). See
    :func:`select_codes` for ``coder``. ``unknown_codes="drop"`` ignores
    codes the codebook does not hold (e.g. a final codebook without the
    unreliable codes) instead of raising E751.

    A subgroup column must hold structured values (not free text, not
    identifiers, not one group per respondent: E770), and a subgroup of
    fewer than ``min_cell`` respondents is suppressed, with a complementary
    suppression where one hidden subgroup could be recovered from the
    totals (see :mod:`._disclosure`; ``min_cell=0`` hides nothing).

    >>> rep = frequency_report(codings, corpus, load_codebook(), coder="majority")  # doctest: +SKIP
    >>> rep.frequencies.query("level == 'category'")[["id", "share", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    check_confidence(confidence)
    checked = check_codings(codings, codebook, known_ids=set(corpus.ids), on_unknown=unknown_codes)
    rows, source = select_codes(checked, coder, adjudicated_label=adjudicated_label)
    frame = corpus.to_frame().drop(columns=["text"])
    frame["respondent_id"] = frame["respondent_id"].where(frame["respondent_id"].notna(), frame["response_id"])
    by_cols = tuple(_ALIASES.get(b, b) for b in by)
    for b in by_cols:
        if b not in frame.columns:
            known = [c for c in frame.columns if c not in ("response_id", "respondent_id")]
            raise CodebookError("E754", f"No subgroup column '{b}' in the corpus (available: {', '.join(known)}).")
    check_by_values(frame, by_cols)
    if not isinstance(min_cell, int) or min_cell < 0:
        raise CodebookError("E771", f"The 'min_cell' parameter must be an integer of at least 0. Got {min_cell!r} instead.")
    analysed_ids = set(rows["response_id"])
    answers = frame[frame["response_id"].isin(analysed_ids)].copy()
    applied = rows[rows["code"] != ""].drop_duplicates(["response_id", "code"])
    applied = applied.merge(answers, on="response_id", how="inner")
    # report every non-retired code, plus any retired code that was still used
    used = set(applied["code"])
    codes = [c.id for c in codebook.codes if c.status != "retired" or c.id in used]
    freq = _frequencies(answers, applied, codebook, codes, confidence)

    parts = []
    for b in by_cols:
        for value, sub in answers.groupby(b, dropna=False, sort=True):
            val = "(missing)" if pd.isna(value) else str(value)
            t = _frequencies(sub, applied[applied["response_id"].isin(set(sub["response_id"]))], codebook, codes,
                             confidence)
            t.insert(0, "subgroup_value", val)
            t.insert(0, "subgroup", b)
            parts.append(t)
    by_sub = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["subgroup", "subgroup_value", *_FREQ_COLS])
    by_sub, suppression_notes = suppress_small_subgroups(by_sub, min_cell)

    # respondent-level co-occurrence: respondents with both codes (diagonal: with the code)
    resp_codes = applied[["respondent_id", "code"]].drop_duplicates()
    m = pd.crosstab(resp_codes["respondent_id"], resp_codes["code"]).reindex(columns=codes, fill_value=0)
    m = (m > 0).astype(int)
    co = m.T @ m
    co = co.reindex(index=codes, columns=codes, fill_value=0)
    co.index.name = "code"

    notes = []
    n_dropped = int(((codings["code"].astype(str).str.strip() != "") & ~codings["code"].isin(set(codebook.ids))).sum()) \
        if unknown_codes == "drop" and "code" in codings.columns else 0
    if n_dropped:
        notes.append(f"{n_dropped} coding row(s) with codes not in codebook '{codebook.name}' {codebook.version} were left out.")
    if source.kind != "adjudicated":
        notes.append(f"These tables use {source.label}; they are not adjudicated codes.")
    notes += suppression_notes
    missing = len(corpus) - len(answers)
    if missing:
        notes.append(f"{missing} of {len(corpus)} answers in the corpus were not coded by this source and are left out.")
    return FrequencyReport(
        codebook=codebook,
        source=source,
        frequencies=freq,
        by_subgroup=by_sub,
        cooccurrence=co,
        n_respondents=int(answers["respondent_id"].nunique()),
        n_answers=len(answers),
        n_answers_in_corpus=len(corpus),
        by=by_cols,
        confidence=confidence,
        notes=notes,
        min_cell=min_cell,
    )
