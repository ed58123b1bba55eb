"""Label Studio round trip at survey scale: start, push 10,000 answers, 3 coders × 10,000, pull.

Run: ``nice .venv/bin/python benchmarks/labelstudio_roundtrip.py [--n 10000] [--subset 200]``

Measured in one run, on one local server (loopback, sqlite):

* server start: cold (migrations) vs from a migrated template copy;
* ``push`` of N tasks with pre-annotations (library, chunked import), and a
  second push of the same corpus (must import nothing);
* the alternative push: one import request per task, on a subset;
* writing coders' annotations: ``annotations.create`` one call each vs
  tasks imported with their annotations in the import payload
  (``completed_by`` = coder id), on a subset; the fast path then loads
  N × 3 annotations;
* ``pull`` of N × 3 annotations (+ predictions) through the project's JSON
  export (library), vs paging ``/api/tasks?fields=all``.

Wall times go to ``benchmarks/results/labelstudio.json``. Texts are
synthetic, clinical and non-graphic.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from twoknow_text._io import write_json  # noqa: E402
from twoknow_text.annotation import (  # noqa: E402
    connect,
    ensure_users,
    prepare_template,
    pull,
    push,
    start_server,
)
from twoknow_text.annotation._pull import tidy_from_export  # noqa: E402
from twoknow_text.codebook import load_codebook  # noqa: E402
from twoknow_text.records import Corpus, Response  # noqa: E402

PHRASES = {
    "sit_loneliness_boredom": "I was lonely and bored most evenings",
    "sit_stress_negative_mood": "stress at work left me feeling low",
    "mot_curiosity": "it started as curiosity",
    "fac_anonymity_tools": "privacy tools made me feel safe from being traced",
    "fac_easy_access": "it was too easy to find",
    "bar_fear_of_getting_caught": "fear of getting caught stops me",
    "bar_guilt_shame": "I feel guilt and shame afterwards",
    "bar_help_seeking": "I want to talk to a therapist",
}
QUESTIONS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]


def make_corpus(n: int, seed: int = 0) -> tuple[Corpus, dict[str, list[str]]]:
    rng = random.Random(seed)
    codes = list(PHRASES)
    items, truth = [], {}
    for i in range(n):
        chosen = rng.sample(codes, rng.choice([1, 1, 2]))
        text = "; ".join(PHRASES[c] for c in chosen).capitalize() + f". (answer {i})"
        rid = f"{i // 4}:{QUESTIONS[i % 4]}"
        items.append(Response(response_id=rid, respondent_id=str(i // 4), question_id=QUESTIONS[i % 4], text=text))
        truth[rid] = chosen
    return Corpus(items, deidentified=True), truth


def write_themes(d: Path, truth: dict[str, list[str]]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    codes = list(PHRASES)
    with open(d / "assignments.csv", "w", encoding="utf-8") as fh:
        fh.write("response_id,theme_id,theme_label,probability\n")
        for rid, chosen in truth.items():
            fh.write(f"{rid},{codes.index(chosen[0])},{codes.index(chosen[0])}_theme,0.8\n")
    (d / "theme_code_map.yaml").write_text("".join(f"'{i}': {c}\n" for i, c in enumerate(codes)), encoding="utf-8")
    return d


def result_for(codes: list[str], cat_of: dict[str, str]) -> list[dict]:
    by_cat: dict[str, list[str]] = {}
    for c in codes:
        by_cat.setdefault(cat_of[c], []).append(c)
    return [{"from_name": k, "to_name": "text", "type": "choices", "value": {"choices": v}} for k, v in by_cat.items()]


def coder_codes(truth: list[str], rng: random.Random) -> list[str]:
    # coders mostly agree with the generating codes, sometimes drop or add one
    out = list(truth)
    if rng.random() < 0.15 and len(out) > 1:
        out.pop()
    if rng.random() < 0.1:
        extra = rng.choice(list(PHRASES))
        if extra not in out:
            out.append(extra)
    return out


def timed(fn, *a, **kw):
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--subset", type=int, default=200, help="answers for the per-call comparisons")
    ap.add_argument("--coders", type=int, default=3)
    ap.add_argument("--skip-cold", action="store_true", help="do not measure a cold (migrating) start")
    ap.add_argument("--only-push", action="store_true",
                    help="re-measure only start + push + push again and update those keys of the results file")
    ap.add_argument("--skip-list-pull", action="store_true", help="do not measure the /api/tasks pull alternative")
    args = ap.parse_args()

    res: dict = {"n_answers": args.n, "coders": args.coders, "subset": args.subset,
                 "machine": {"python": platform.python_version(), "platform": platform.platform()}}
    cb = load_codebook()
    cat_of = {c.id: c.category for c in cb.codes}
    work = Path(tempfile.mkdtemp(prefix="twoknow-ls-bench-"))
    template = Path.home() / ".cache" / "twoknow_text" / "ls-template"
    srv = None
    try:
        # ---- start: cold (migrations) vs migrated template copy
        if not args.skip_cold:
            t0 = time.perf_counter()
            prepare_template(work / "cold-template")
            cold_srv = start_server(data_dir=work / "cold", template_dir=work / "cold-template")
            res["start_cold_s"] = time.perf_counter() - t0
            cold_srv.stop()
        prepare_template(template)
        srv, res["start_from_template_s"] = timed(start_server, data_dir=work / "data", template_dir=template)
        if "start_cold_s" in res:
            res["start_ratio_cold_over_template"] = res["start_cold_s"] / res["start_from_template_s"]
        print(f"server up at {srv.url}", flush=True)
        ls = connect(srv.url, srv.token)

        corpus, truth = make_corpus(args.n)
        themes = write_themes(work / "themes", truth)

        # ---- push N with pre-annotations (library), then again (no-op)
        rep, res["push_s"] = timed(push, corpus, "bench-push", cb, client=ls, coders_per_task=args.coders,
                                   themes_dir=themes)
        assert rep.n_imported == args.n and rep.n_predictions == args.n, rep
        rep2, res["push_again_s"] = timed(push, corpus, "bench-push", cb, client=ls, coders_per_task=args.coders,
                                          themes_dir=themes)
        assert rep2.n_imported == 0 and rep2.n_predictions_added_to_existing == 0, rep2
        res["push_tasks_per_s"] = args.n / res["push_s"]
        if args.only_push:
            out = REPO / "benchmarks" / "results" / "labelstudio.json"
            prev = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
            prev.update({k: res[k] for k in ("start_from_template_s", "push_s", "push_again_s", "push_tasks_per_s")})
            res = prev
            return _write(res)

        # ---- alternative push: one request per task (subset)
        sub = corpus[: args.subset]
        _, t_one = timed(push, sub, "bench-push-one-by-one", cb, client=ls, chunk_size=1, themes_dir=themes)
        _, t_chunk = timed(push, sub, "bench-push-chunked", cb, client=ls, themes_dir=themes)
        res["subset_push_one_request_per_task_s"] = t_one
        res["subset_push_chunked_s"] = t_chunk
        res["push_ratio_one_by_one_over_chunked"] = t_one / t_chunk

        coders = list(ensure_users(ls, [f"coder{i}@example.org" for i in range(args.coders)]).values())
        rng = random.Random(1)
        ann_codes = {rid: [coder_codes(truth[rid], rng) for _ in coders] for rid in corpus.ids}

        # ---- annotations: per-call create vs in the import payload (subset)
        sub_rids = sub.ids
        proj = ls.projects.get(rep.project_id)
        tasks = {t.data["response_id"]: t.id for t in ls.tasks.list(project=proj.id, include="id,data", page_size=1000)}
        t0 = time.perf_counter()
        for rid in sub_rids:
            for k, uid in enumerate(coders):
                ls.annotations.create(tasks[rid], result=result_for(ann_codes[rid][k], cat_of), completed_by=uid,
                                      lead_time=5.0)
        res["subset_annotations_create_s"] = time.perf_counter() - t0

        def payload(rids: list[str]) -> list[dict]:
            out = []
            for r in corpus:
                if r.response_id not in rids:
                    continue
                out.append({
                    "data": {"response_id": r.response_id, "question_id": r.question_id, "question": r.question_id,
                             "text": r.text},
                    "annotations": [{"completed_by": uid, "result": result_for(ann_codes[r.response_id][k], cat_of),
                                     "lead_time": 5.0, "ground_truth": False} for k, uid in enumerate(coders)],
                    "predictions": [{"model_version": "bench", "score": 0.8,
                                     "result": result_for(truth[r.response_id][:1], cat_of)}],
                })
            return out

        from twoknow_text.annotation import labelling_config

        xml = labelling_config(cb)
        sub_proj = ls.projects.create(title="bench-import-annotated-subset", label_config=xml,
                                      maximum_annotations=args.coders, overlap_cohort_percentage=100)
        sub_payload = payload(set(sub_rids))
        _, res["subset_import_with_annotations_s"] = timed(ls.projects.import_tasks, sub_proj.id, request=sub_payload)
        res["annotations_ratio_create_over_import"] = (
            res["subset_annotations_create_s"] / res["subset_import_with_annotations_s"]
        )
        print(f"subset: create {res['subset_annotations_create_s']:.1f}s vs import "
              f"{res['subset_import_with_annotations_s']:.1f}s", flush=True)

        # ---- full scale: N tasks x coders annotations (+1 prediction each) through import
        full = ls.projects.create(title="bench-coded", label_config=xml, maximum_annotations=args.coders,
                                  overlap_cohort_percentage=100)
        all_payload = payload(set(corpus.ids))
        t0 = time.perf_counter()
        for i in range(0, len(all_payload), 500):
            ls.projects.import_tasks(full.id, request=all_payload[i : i + 500], request_options={"max_retries": 0})
        res["import_annotated_tasks_s"] = time.perf_counter() - t0
        res["n_annotations"] = args.n * args.coders
        res["annotations_per_s_import"] = res["n_annotations"] / res["import_annotated_tasks_s"]
        res["annotations_per_s_create"] = args.subset * args.coders / res["subset_annotations_create_s"]

        # ---- pull N x coders: project export (library) vs paging /api/tasks?fields=all
        df, res["pull_s"] = timed(pull, "bench-coded", client=ls)
        assert len(df.loc[df.status != "no_code", ["response_id", "coder"]].drop_duplicates()) == args.n * args.coders
        res["pull_rows"] = len(df)
        dfp, res["pull_with_predictions_s"] = timed(pull, "bench-coded", client=ls, include_predictions=True)
        res["pull_prediction_rows"] = int((dfp.source == "prediction").sum())
        if not args.skip_list_pull:
            import httpx

            t0 = time.perf_counter()
            http = httpx.Client(timeout=900, headers={"Authorization": f"Token {srv.token}"})
            tasks_all, page = [], 1
            while True:
                r = http.get(f"{srv.url}/api/tasks", params={"project": full.id, "fields": "all", "page": page,
                                                             "page_size": 1000})
                if r.status_code == 404:
                    break
                batch = r.json()["tasks"]
                tasks_all += batch
                if len(batch) < 1000:
                    break
                page += 1
            users = {u.id: u.email for u in ls.users.list()}
            df_list, _ = tidy_from_export(tasks_all, users)
            res["pull_alternative_tasks_api_s"] = time.perf_counter() - t0
            res["pull_ratio_tasks_api_over_export"] = res["pull_alternative_tasks_api_s"] / res["pull_s"]
            assert len(df_list) == len(df)
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)

    return _write(res)


def _write(res: dict) -> int:
    out = REPO / "benchmarks" / "results" / "labelstudio.json"
    write_json(res, out)
    width = max(len(k) for k in res)
    for k, v in res.items():
        if isinstance(v, float):
            print(f"{k:<{width}}  {v:10.2f}")
        elif not isinstance(v, dict):
            print(f"{k:<{width}}  {v!s:>10}")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
