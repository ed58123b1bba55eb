"""Issue 14: themes from 10 answers up, per class, labels from phrases, language shares, stable words.

Real packaged embedder and spaCy pipeline; synthetic, clinical answers (``themes_synth``).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_mutual_info_score

from themes_synth import make_answers
from twoknow_text.cli import main
from twoknow_text.errors import ThemeError
from twoknow_text.themes import ThemeModel, fit_per_class
from twoknow_text.themes._cluster import kmeans_by_silhouette, resolve_min_cluster_size
from twoknow_text.themes._representation import LemmaTokenizer, spacy_stop_words

pytestmark = pytest.mark.slow

THREE = ["loneliness", "stress", "anonymity"]


def test_automatic_min_cluster_size_scales_down_below_100_answers():
    assert resolve_min_cluster_size(10, "auto", 0.01) == 3
    assert resolve_min_cluster_size(50, "auto", 0.01) == 5
    assert resolve_min_cluster_size(100, "auto", 0.01) == 10
    assert resolve_min_cluster_size(240, "auto", 0.01) == 10  # unchanged from 100 answers up
    assert resolve_min_cluster_size(5000, "auto", 0.01) == 50
    assert resolve_min_cluster_size(10**6, "auto", 0.01) == 500
    assert resolve_min_cluster_size(40, 7, 0.01) == 7


@pytest.mark.parametrize("n", [10, 12, 20])
def test_small_corpora_get_themes_with_defaults(embedder, n):
    texts, topics = make_answers(n, seed=n, topics=THREE)
    tm = ThemeModel(embedder=embedder, random_state=3).fit(texts)
    assert tm.n_themes_ >= 2
    assert tm.cluster_method_ in ("hdbscan", "kmeans-silhouette")
    assert tm.outlier_share_ < 0.5
    assert adjusted_mutual_info_score(topics, tm.labels_) >= 0.5


def test_under_ten_answers_is_an_error_not_zero_themes(embedder):
    texts, _ = make_answers(9, seed=1, topics=THREE)
    with pytest.raises(ThemeError) as e:
        ThemeModel(embedder=embedder).fit(texts)
    assert e.value.code == "E400"


def test_fallback_when_density_clustering_finds_no_structure(embedder):
    texts, topics = make_answers(60, seed=4, topics=THREE)
    # a min_cluster_size larger than the corpus: HDBSCAN calls every answer noise
    tm = ThemeModel(embedder=embedder, random_state=3, min_cluster_size=80, use_keybert=False).fit(texts)
    assert tm.cluster_method_ == "kmeans-silhouette"
    assert tm.n_themes_ >= 2 and tm.outlier_share_ == 0.0
    assert adjusted_mutual_info_score(topics, tm.labels_) >= 0.4  # finds the sub-themes (each topic has six wordings)
    assert set(tm.themes_.cluster_method) == {"kmeans-silhouette"}
    # with the small-corpus comparison off, HDBSCAN's themes are kept where it finds structure
    default = ThemeModel(embedder=embedder, random_state=3, use_keybert=False, small_corpus=10).fit(texts)
    assert default.cluster_method_ == "hdbscan"


def test_kmeans_by_silhouette_is_seeded_and_finds_k(embedder):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 16))
    x = np.vstack([c + 0.05 * rng.normal(size=(12, 16)) for c in centers])
    a, k, sil = kmeans_by_silhouette(x, 5, k_max=8)
    b, _, _ = kmeans_by_silhouette(x, 5, k_max=8)
    assert k == 4 and sil > 0.5
    assert (a == b).all()
    one, k1, _ = kmeans_by_silhouette(x[:4], 5)  # too few for two clusters of two
    assert k1 == 1 and (one == 0).all()


def test_fit_per_class_gives_every_class_themes(embedder):
    texts, classes, truth = [], [], []
    for q, (n, topics) in {"q1": (10, THREE), "q2": (15, ["fear", "help"]), "q3": (30, ["guilt", "stress", "help"])}.items():
        t, y = make_answers(n, seed=len(q) + n, topics=topics)
        texts += t
        truth += y
        classes += [q] * n
    models = fit_per_class(texts, classes, embedder=embedder, random_state=2, use_keybert=False)
    assert list(models) == ["q1", "q2", "q3"]
    rows = np.concatenate([m.fit_rows_ for m in models.values()])
    assert sorted(rows.tolist()) == list(range(len(texts)))
    for m in models.values():
        assert m.n_themes_ >= 2
        assert m.outlier_share_ < 0.5
    with pytest.raises(ThemeError) as e:
        fit_per_class(texts[:14], ["a"] * 5 + ["b"] * 9, embedder=embedder)
    assert e.value.code == "E400" and "'a'" in e.value.message


def test_tokenizer_keeps_negation_and_drops_placeholders():
    tok = LemmaTokenizer({}, spacy_stop_words())
    assert tok("I don’t know") == ["don't", "know"]
    assert tok("dont know, did not care") == ["don't", "know", "not", "care"]
    assert tok("sent to [CRYPTO_WALLET] and [PERSON]") == ["sent"]
    assert tok.without({"not"})("did not care") == ["care"]


@pytest.fixture(scope="module")
def messy(embedder):
    """Three topics, a group of "don't know" answers, unrelated one-word answers and placeholders."""
    texts, _ = make_answers(60, seed=8, topics=THREE)
    dk = ["I don't know", "I don’t know why", "don't know really", "I really do not know", "dont know",
          "I don't know, hard to say", "not sure, I don't know", "I honestly don't know", "I don't know why I did it",
          "don't know what to say"]
    odd = ["cost", "yes", "Covid"]
    ph = ["[CRYPTO_WALLET]", "[CRYPTO_WALLET] [CRYPTO_WALLET]", "[PERSON]"]
    texts = texts + dk + odd + ph
    tm = ThemeModel(embedder=embedder, random_state=5, question_text="Why did you use anonymity tools?").fit(texts)
    return texts, tm


def test_labels_keep_negation_and_skip_question_words_and_placeholders(messy):
    texts, tm = messy
    labels = [lab for lab in tm.themes_.label if lab != "Outliers"]
    joined = " | ".join(labels).lower()
    assert "don't know" in joined
    assert "don know" not in joined and "didn know" not in joined
    assert "crypto_wallet" not in joined and "person" not in " ".join(tm.themes_.top_words).lower()
    assert "anonymity" not in joined  # the question's own word
    assert all(lab.strip() not in ("not", "no", "don't") for lab in labels)
    # answers that are only placeholders never form a theme
    for i in range(len(texts) - 3, len(texts)):
        assert tm.labels_[i] == -1


def test_answers_far_from_every_theme_get_a_low_probability(messy):
    texts, tm = messy
    for word in ("cost", "yes", "Covid"):
        i = texts.index(word)
        assert tm.probabilities_[i] < 0.9
    members = tm.probabilities_[:60]
    assert np.median(members) >= 0.9


def test_language_shares_and_warning(embedder):
    texts, topics = make_answers(90, seed=6, topics=THREE)
    langs = ["fi" if t == "anonymity" else "en" for t in topics]
    tm = ThemeModel(embedder=embedder, random_state=1, use_keybert=False).fit(texts, languages=langs)
    warned = tm.language_warnings()
    assert warned and {w["language"] for w in warned} == {"fi"}
    for w in warned:
        assert w["share"] >= 0.6
    shares = tm.language_shares()
    assert set(shares.columns) == {"theme_id", "language", "count", "share"}
    cells = tm.themes_.set_index("theme_id").languages
    assert any(c.startswith("fi ") for c in cells)
    assert ThemeModel(embedder=embedder, random_state=1, use_keybert=False).fit(texts).language_warnings() == []


def test_same_seed_same_themes_csv_with_and_without_cached_vectors(tmp_path, embedder):
    """Word order in themes.csv is identical between runs with the same seed (second run reads the cache)."""
    from twoknow_text.records import Corpus

    from twoknow_text.themes import run_themes

    texts, _ = make_answers(80, seed=9)
    corpus = Corpus.from_frame(pd.DataFrame({"response_id": [f"r{i}" for i in range(80)], "text": texts}),
                               deidentified=True)

    outs = []
    for k in range(2):
        run_themes(corpus, tmp_path / f"o{k}", {"parallel_deid": False}, seed=4, already_deidentified=True)
        outs.append((tmp_path / f"o{k}" / "themes.csv").read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    words = pd.read_csv(tmp_path / "o0" / "themes.csv").top_words.dropna()
    assert len(words) >= 2


def test_cli_per_question_writes_one_output_set(tmp_path, capsys):
    a, _ = make_answers(12, seed=1, topics=["loneliness", "stress", "fear"])
    b, _ = make_answers(25, seed=2, topics=["anonymity", "help", "guilt"])
    c, _ = make_answers(6, seed=3)
    p = tmp_path / "wide.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "q1", "q2", "q3"])
        for i in range(25):
            w.writerow([f"R{i}", a[i] if i < 12 else "", b[i], c[i] if i < 6 else ""])
    out = tmp_path / "out"
    rc = main(["themes", str(p), "--format", "wide", "--text-col", "q1", "--text-col", "q2", "--text-col", "q3",
               "--id-col", "id", "--out", str(out), "--already-deidentified", "--per-question"])
    err = capsys.readouterr().err
    assert rc == 0, err[-2000:]
    assert "q3: only 6 answers" in err
    asg = pd.read_csv(out / "assignments.csv")
    assert list(asg.columns) == ["response_id", "class", "theme_id", "class_theme_id", "theme_label", "probability"]
    assert len(asg) == 43
    assert (asg[asg["class"] == "q3"].theme_id == -1).all()
    for q in ("q1", "q2"):
        assert asg[asg["class"] == q].theme_id.nunique() >= 2
        assert (out / f"report_{q}.html").is_file()
    th = pd.read_csv(out / "themes.csv")
    assert th.columns[0] == "class" and set(th["class"]) == {"q1", "q2"}
    real = th[th.theme_id >= 0]
    assert real.theme_id.is_unique  # unique over the set; class_theme_id is the id within the class
    assert set(asg.theme_id[asg.theme_id >= 0]) == set(real.theme_id)
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(man["classes"]) == {"q1", "q2"} and man["skipped_classes"] == {"q3": 6}
    assert all(v["cluster_method"] in ("hdbscan", "kmeans-silhouette") for v in man["classes"].values())
    assert "report_q1.html" in (out / "report.html").read_text(encoding="utf-8")


def test_cli_local_model_folder_and_per_language(tmp_path, capsys):
    """`--model DIR` (any local sentence-transformers folder; here the packaged one) is recorded; languages as class."""
    from twoknow_text.embedding import packaged_model_path

    texts, topics = make_answers(40, seed=12, topics=THREE)
    p = tmp_path / "answers.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "answer", "lang"])
        for i, t in enumerate(texts):
            w.writerow([f"R{i}", t, "fi" if i % 2 else "en"])
    out = tmp_path / "out"
    model_dir = packaged_model_path()
    rc = main(["themes", str(p), "--text-col", "answer", "--id-col", "id", "--language-col", "lang", "--out", str(out),
               "--already-deidentified", "--per-language", "--model", str(model_dir)])
    err = capsys.readouterr().err
    assert rc == 0, err[-2000:]
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(man["classes"]) == {"en", "fi"}
    assert man["config"]["embedding_model"] == str(model_dir)
    assert "@sha256:" in man["embedding_model"]  # the model's content hash (the packaged folder is known by name)
    rc = main(["themes", str(p), "--text-col", "answer", "--id-col", "id", "--out", str(tmp_path / "o2"),
               "--already-deidentified", "--per-language", "--per-question"])
    assert rc == 2 and "error[E412]" in capsys.readouterr().err
