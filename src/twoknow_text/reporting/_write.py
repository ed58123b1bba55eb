"""Write the final outputs: CSV tables, the HTML report and a manifest."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._io import OutputSet, atomic_open, check_output_paths, output_set, write_table
from ..codebook import load_codebook
from ..codebook._codings import read_codings
from ..errors import CodebookError
from ..records import Corpus
from ._disclosure import DEFAULT_MIN_CELL, check_by_manifest
from ._html import render_html
from ._tables import FrequencyReport, check_confidence, frequency_report

__all__ = ["write_report", "report_files", "read_deidentified"]

OUTPUT_NAMES = ("frequencies.csv", "frequencies_by_subgroup.csv", "cooccurrence.csv", "report.html")


def write_report(rep: FrequencyReport, out_dir: str | os.PathLike[str], *, title: str | None = None) -> dict[str, Path]:
    """Write ``frequencies.csv``, ``frequencies_by_subgroup.csv``,
    ``cooccurrence.csv`` and ``report.html`` into ``out_dir``, atomically.
    Every CSV carries a ``source`` column saying which codes it counts."""
    with output_set() as oset:
        return _write_report(rep, Path(out_dir), oset, title=title)


def _write_report(rep: FrequencyReport, out: Path, oset: OutputSet, *, title: str | None = None) -> dict[str, Path]:
    freq = rep.frequencies.copy()
    freq["source"] = rep.source.label
    sub = rep.by_subgroup.copy()
    sub["source"] = rep.source.label
    paths = {
        "frequencies": out / "frequencies.csv",
        "by_subgroup": out / "frequencies_by_subgroup.csv",
        "cooccurrence": out / "cooccurrence.csv",
        "html": out / "report.html",
    }
    write_table(freq, oset.path(paths["frequencies"]), for_people=True)
    write_table(sub, oset.path(paths["by_subgroup"]), for_people=True)
    write_table(rep.cooccurrence.reset_index(), oset.path(paths["cooccurrence"]), for_people=True)
    with atomic_open(oset.path(paths["html"])) as fh:
        fh.write(render_html(rep, title=title))
    return paths


def read_deidentified(
    path: str | os.PathLike[str], options: Any = None, *, verify: bool = True, **read_kwargs: Any
) -> Corpus:
    """Read a file written by ``twoknow deid`` as a de-identified :class:`Corpus`.

    The file keeps the input's shape (wide or long), so it is read with the
    same reading options as the raw export (``text_cols=``, ``id_col=``...,
    see :func:`twoknow_text.reading.read_survey`). With ``verify`` its deid
    manifest must match the file's bytes (``verify_deidentified``), so an
    unprocessed or edited file is refused (coded DeidError).
    """
    return _read_deidentified(path, options, verify=verify, **read_kwargs)[0]


def _read_deidentified(
    path: str | os.PathLike[str], options: Any = None, *, verify: bool = True, **read_kwargs: Any
) -> tuple[Corpus, Any]:
    """:func:`read_deidentified` with the read's :class:`~twoknow_text.reading.ReadReport`."""
    from ..reading import read_survey

    if verify:
        from ..deid import verify_deidentified

        verify_deidentified(path)
    corpus, read_report = read_survey(path, options, **read_kwargs)
    return Corpus(list(corpus), deidentified=verify), read_report


def report_files(
    codings: str | os.PathLike[str],
    corpus: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    codebook: str | os.PathLike[str] | None = None,
    coder: str | None = None,
    by: Sequence[str] = (),
    confidence: float = 0.95,
    read_options: Any = None,
    verify: bool = True,
    unknown_codes: str = "error",
    min_cell: int = DEFAULT_MIN_CELL,
    **read_kwargs: Any,
) -> tuple[FrequencyReport, dict[str, Path]]:
    """File-to-file version used by ``twoknow report``; writes a manifest too.

    ``corpus`` is the de-identified file, read with ``read_options`` /
    ``read_kwargs`` (see :func:`read_deidentified`). A ``by`` column that its
    de-identification manifest does not list as structured metadata is
    refused (E770); see :func:`~twoknow_text.reporting.frequency_report` for
    ``min_cell``.
    """
    check_confidence(confidence)  # before reading anything
    out = Path(out_dir)
    check_output_paths(files=[out / n for n in (*OUTPUT_NAMES, "manifest.json")], folders=[out])
    if verify:
        check_by_manifest(corpus, by)
    cb = load_codebook(codebook)
    corp, read_report = _read_deidentified(corpus, read_options, verify=verify, **read_kwargs)
    if not len(corp):
        raise CodebookError("E755", f"The corpus file {Path(corpus).name} holds no answers.")
    rep = frequency_report(read_codings(codings), corp, cb, coder=coder, by=by, confidence=confidence,
                           unknown_codes=unknown_codes, min_cell=min_cell)
    inputs = [codings, corpus] + ([codebook] if codebook else [])
    with output_set() as oset:  # tables, page and manifest land together, manifest last
        paths = _write_report(rep, out, oset)
        _report_manifest(oset, out, rep, cb, inputs, paths, coder=coder, by=by, confidence=confidence,
                         unknown_codes=unknown_codes, min_cell=min_cell, read_report=read_report)
    return rep, paths


def _report_manifest(oset: OutputSet, out: Path, rep: FrequencyReport, cb: Any, inputs: list[Any],
                     paths: dict[str, Path], *, coder: str | None, by: Sequence[str], confidence: float,
                     unknown_codes: str, min_cell: int, read_report: Any) -> None:
    oset.write_manifest(
        out / "manifest.json",
        command="report",
        inputs=inputs,
        config={"coder": coder, "by": list(by), "confidence": confidence, "unknown_codes": unknown_codes,
                "min_cell": min_cell,
                "codebook": cb.name,
                "codebook_version": cb.version},
        outputs=list(paths.values()),
        extra={"stage": "report", "source": rep.source.label, "n_respondents": rep.n_respondents,
               "n_answers": rep.n_answers, "read": read_report.manifest_record()},
    )
