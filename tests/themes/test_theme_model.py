"""ThemeModel on synthetic answers with the real packaged embedder and spaCy pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from themes_synth import make_answers
from twoknow_text.errors import ThemeError
from twoknow_text.themes import ThemeModel

pytestmark = pytest.mark.slow

N = 240


@pytest.fixture(scope="module")
def corpus():
    texts, topics = make_answers(N, seed=1)
    return texts, topics


@pytest.fixture(scope="module")
def vectors(corpus, embedder):
    return embedder.encode(corpus[0])


@pytest.fixture(scope="module")
def fitted(corpus, vectors, embedder):
    texts, _ = corpus
    classes = [f"q{i % 3}" for i in range(N)]
    waves = [1 + (i % 2) for i in range(N)]
    return ThemeModel(embedder=embedder, random_state=7, use_keybert=False).fit(
        texts, embeddings=vectors, classes=classes, timestamps=waves)


def test_init_stores_params_unchanged():
    tm = ThemeModel(min_cluster_size="auto", random_state=None)
    assert tm.get_params()["min_cluster_size"] == "auto"
    assert not hasattr(tm, "labels_") and not hasattr(tm, "topic_model_")


def test_fit_recovers_the_generating_topics(fitted, corpus):
    _, topics = corpus
    assert fitted.labels_.shape == (N,)
    assert fitted.outlier_share_ <= 0.10
    assert 3 <= fitted.n_themes_ <= 20
    assert normalized_mutual_info_score(topics, fitted.labels_) >= 0.6
    t = fitted.themes_
    assert list(t.columns[:7]) == ["theme_id", "label", "top_words", "size", "representative_1", "representative_2", "representative_3"]
    assert t["size"].sum() == N
    # ids 0..k-1 by decreasing size
    real = t[t.theme_id >= 0]
    assert list(real.theme_id) == list(range(len(real)))
    assert list(real["size"]) == sorted(real["size"], reverse=True)
    # top words are lemmas without stop words
    words = " ".join(t.top_words).split()
    assert "the" not in words and "and" not in words
    assert 0 <= fitted.probabilities_.min() and fitted.probabilities_.max() <= 1


def test_lemmas_in_top_words(fitted):
    assert "feel" in fitted.tokenizer_("I was feeling lonely")
    assert "the" not in fitted.tokenizer_("the stress")


def test_predict_and_distribution(fitted, corpus, vectors):
    pred = fitted.predict(embeddings=vectors)
    assert (pred == fitted.labels_).mean() >= 0.9
    dist = fitted.transform(embeddings=vectors[:5])
    assert dist.shape == (5, fitted.n_themes_)
    np.testing.assert_allclose(dist.sum(axis=1), 1.0, rtol=1e-5)
    approx = fitted.approximate_distribution(corpus[0][:5])
    assert approx.shape[0] == 5 and set(approx.columns) <= set(fitted.theme_ids_)


def test_per_class_and_over_time(fitted):
    pc = fitted.themes_per_class()
    assert set(pc["class"]) == {"q0", "q1", "q2"}
    assert pc["count"].sum() == N
    np.testing.assert_allclose(pc.groupby("class")["share"].sum().to_numpy(), 1.0)
    ot = fitted.themes_over_time()
    assert set(ot["time"]) == {"1", "2"} and ot["count"].sum() == N
    words = fitted.words_per_class()
    assert {"class", "theme_id", "words"} <= set(words.columns)


def test_hierarchy_covers_all_themes(fitted):
    h = fitted.hierarchy()
    assert len(h) == fitted.n_themes_ - 1
    assert sorted(h.iloc[-1]["theme_ids"]) == fitted.theme_ids_


def test_merge_keeps_ids_and_custom_labels(corpus, vectors, embedder):
    texts, _ = corpus
    tm = ThemeModel(embedder=embedder, random_state=7, use_keybert=False).fit(texts, embeddings=vectors)
    ids = list(tm.theme_ids_)
    assert len(ids) >= 4
    tm.set_labels({ids[0]: "Biggest theme", ids[-1]: "Smallest theme", ids[2]: "Third"})
    size0 = int((tm.labels_ == ids[0]).sum())
    mapping = tm.merge([[ids[0], ids[-1]]])
    assert mapping == {ids[-1]: ids[0]}
    assert ids[-1] not in tm.theme_ids_
    assert tm.theme_ids_ == ids[:-1]  # nobody else renumbered
    assert tm.theme_label(ids[0]) == "Biggest theme" and tm.theme_label(ids[2]) == "Third"
    assert int((tm.labels_ == ids[0]).sum()) > size0
    assert tm.merge_history_ == [{"merged": {str(ids[-1]): ids[0]}}]
    before = tm.theme_ids_
    tm.reduce(3)
    assert tm.n_themes_ == 3 and set(tm.theme_ids_) <= set(before)
    assert "Biggest theme" in tm.themes_["label"].tolist() or ids[0] not in tm.theme_ids_


def test_guided_seed_words(corpus, vectors, embedder):
    texts, topics = corpus
    tm = ThemeModel(embedder=embedder, random_state=7, use_keybert=False,
                    seed_topic_list=[["vpn", "tor", "anonymity"], ["police", "arrest", "caught"]]).fit(texts, embeddings=vectors)
    assert tm.outlier_share_ <= 0.10
    # answers naming a VPN end up together more often than not
    vpn = [i for i, t in enumerate(texts) if "vpn" in t.lower()]
    top = np.bincount(tm.labels_[vpn][tm.labels_[vpn] >= 0]).max()
    assert top / len(vpn) >= 0.5


def test_zero_shot_codes(corpus, vectors, embedder):
    texts, topics = corpus
    codes = [
        {"id": "bar_fear_of_getting_caught", "label": "Fear of getting caught", "description": "fear of the police, arrest or being caught"},
        {"id": "bar_help_seeking", "label": "Seeking help", "description": "therapy, counselling or a helpline"},
    ]
    tm = ThemeModel(embedder=embedder, random_state=7, use_keybert=False, zeroshot_topics=codes,
                    zeroshot_min_similarity=0.45).fit(texts, embeddings=vectors)
    t = tm.themes_
    named = t[t.code_id != ""]
    assert set(named.code_id) <= {c["id"] for c in codes} and len(named) >= 1
    assert "Fear of getting caught" in set(named.label) or "Seeking help" in set(named.label)
    fear_theme = named[named.code_id == "bar_fear_of_getting_caught"]
    if len(fear_theme):
        tid = int(fear_theme.theme_id.iloc[0])
        members = [topics[i] for i in np.flatnonzero(tm.labels_ == tid)]
        assert members.count("fear") / len(members) >= 0.7


def test_outlier_strategies(corpus, vectors, embedder):
    texts, _ = corpus
    kept = ThemeModel(embedder=embedder, random_state=7, use_keybert=False, outlier_strategy="none").fit(texts, embeddings=vectors)
    assert kept.n_outliers_raw_ == int((kept.labels_ < 0).sum())
    strict = ThemeModel(embedder=embedder, random_state=7, use_keybert=False, outlier_threshold=0.99).fit(texts, embeddings=vectors)
    assert strict.outlier_share_ >= kept.outlier_share_ - 1e-9
    ctf = ThemeModel(embedder=embedder, random_state=7, use_keybert=False, outlier_strategy="c-tf-idf",
                     min_samples=10).fit(texts, embeddings=vectors)
    assert ctf.outlier_share_ <= ctf.n_outliers_raw_ / N + 1e-9


def test_keybert_mmr_representation(corpus, vectors, embedder):
    texts, _ = corpus
    tm = ThemeModel(embedder=embedder, random_state=3, use_keybert=True, mmr_diversity=0.3).fit(texts[:120], embeddings=vectors[:120])
    assert all(isinstance(w, str) and w for w in tm.themes_.label)
    assert tm.themes_.top_words.str.len().min() > 0 or tm.n_themes_ == 0


def test_bad_inputs(embedder, corpus, vectors):
    with pytest.raises(ThemeError) as e:
        ThemeModel(embedder=embedder).fit(["I felt lonely."] * 5)
    assert e.value.code == "E400"
    with pytest.raises(ThemeError) as e:
        ThemeModel(embedder=embedder).fit(["Same answer."] * 50)
    assert e.value.code == "E403"
    with pytest.raises(ThemeError) as e:
        ThemeModel(embedder=embedder, outlier_strategy="magic").fit(corpus[0])
    assert e.value.code == "E499" and "outlier_strategy" in e.value.message
    with pytest.raises(ThemeError) as e:
        ThemeModel(embedder=embedder).fit(corpus[0], embeddings=vectors[:10])
    assert e.value.code == "E404"
    with pytest.raises(ThemeError) as e:
        ThemeModel(embedder=embedder).predict(["x"])
    assert e.value.code == "E498"


def test_one_word_answers(embedder):
    words = ["lonely", "stress", "vpn", "police", "therapy", "guilt", "bored", "work", "tor", "arrest", "counsellor", "shame"]
    texts = [words[i % len(words)] for i in range(120)]
    tm = ThemeModel(embedder=embedder, random_state=1, use_keybert=False).fit(texts)
    assert tm.n_themes_ >= 2
    # identical answers always share a theme
    for w in words:
        labs = {int(tm.labels_[i]) for i, t in enumerate(texts) if t == w}
        assert len(labs) == 1


def test_missing_model_path_is_a_coded_error():
    from twoknow_text.errors import ModelError

    with pytest.raises(ModelError) as e:
        ThemeModel(embedder="/no/such/model/dir").fit([f"answer {i}" for i in range(30)])
    assert e.value.code == "E300"


_SCRIPT = """
import json, sys
sys.path.insert(0, {tests!r})
from themes_synth import make_answers
from twoknow_text.themes import ThemeModel
texts, _ = make_answers(160, seed=5)
tm = ThemeModel(random_state=11, use_keybert=False).fit(texts)
print(json.dumps([int(x) for x in tm.labels_]))
"""


def test_same_seed_same_assignments_in_fresh_processes(tmp_path):
    script = _SCRIPT.format(tests=str(Path(__file__).parent))
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[0] == runs[1]
    assert len(set(runs[0])) >= 3


def test_batched_mmr_equals_bertopics_mmr_and_reuses_answer_vectors(fitted, embedder, monkeypatch):
    """The batched MMR gives BERTopic's MMR words; answers embedded once are not embedded again."""
    from bertopic.representation import MaximalMarginalRelevance

    from twoknow_text.themes._model import _bertopic_backend
    from twoknow_text.themes._representation import _batched_mmr

    tm = fitted.topic_model_
    topics = {t: tm.get_topic(t) for t in tm.get_topics()}
    plain_backend = _bertopic_backend(embedder)
    batched_backend = _bertopic_backend(embedder)
    monkeypatch.setattr(tm, "embedding_model", plain_backend)
    plain = MaximalMarginalRelevance(diversity=0.3, top_n_words=5).extract_topics(tm, None, None, topics)
    calls = []
    real_encode = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts: calls.append(len(texts)) or real_encode(texts))
    monkeypatch.setattr(tm, "embedding_model", batched_backend)
    batched = _batched_mmr(MaximalMarginalRelevance)(diversity=0.3, top_n_words=5).extract_topics(tm, None, None, topics)
    assert batched == plain
    assert len(calls) == 1  # one model call for every theme, instead of two per theme

    texts = fitted._docs[:5]
    reuse = _bertopic_backend(embedder, texts, fitted.embeddings_[:5])
    calls.clear()
    np.testing.assert_array_equal(reuse.embed(texts), fitted.embeddings_[:5])
    assert calls == []


def test_lemma_table_from_a_word_cover_equals_tagging_every_answer(corpus):
    from twoknow_text.themes._representation import LemmaTokenizer

    texts, _ = corpus
    full = LemmaTokenizer.learn(texts, contexts_per_word=None)
    cover = LemmaTokenizer.learn(texts, contexts_per_word=3)
    assert full.table and cover.table == full.table
    assert [cover(t) for t in texts] == [full(t) for t in texts]


def test_min_samples_is_capped_at_a_small_min_cluster_size(corpus, vectors, embedder):
    """min_samples 10 with min_cluster_size 5 behaves as min_samples 5 (not mostly noise)."""
    texts, _ = corpus
    a = ThemeModel(embedder=embedder, random_state=2, min_cluster_size=5, min_samples=10, use_keybert=False).fit(
        texts[:80], embeddings=vectors[:80])
    b = ThemeModel(embedder=embedder, random_state=2, min_cluster_size=5, min_samples=5, use_keybert=False).fit(
        texts[:80], embeddings=vectors[:80])
    assert a.n_outliers_raw_ == b.n_outliers_raw_
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_themes_do_not_depend_on_the_pseudonym_key(corpus, embedder):
    # A notebook user fits on de-identified texts directly: two keys give
    # different codes, the model sees only the types, so the themes are identical.
    from twoknow_text.deid.pseudonyms import Pseudonymizer

    texts, _ = corpus
    names = ["Alex", "Sam", "Robin", "Kim"]

    def coded(key: bytes) -> list[str]:
        ps = Pseudonymizer(key=key)
        return [t + (f" I told {ps.placeholder('PERSON', names[i % 4])} about it." if i % 3 == 0 else "")
                for i, t in enumerate(texts)]

    a, b = coded(b"a" * 32), coded(b"b" * 32)
    assert a != b
    fit_a = ThemeModel(embedder=embedder, random_state=7, use_keybert=False).fit(a)
    fit_b = ThemeModel(embedder=embedder, random_state=7, use_keybert=False).fit(b)
    assert np.array_equal(fit_a.labels_, fit_b.labels_)
    reps = " ".join(fit_a.themes_[["representative_1", "representative_2", "representative_3"]].astype(str).agg(" ".join, axis=1))
    assert "[PERSON_" not in reps
    assert np.array_equal(fit_a.predict(a[:30]), fit_a.predict(b[:30]))
    kept = ThemeModel(strip_pseudonym_codes=False)._prepared(a[:3])
    assert kept == a[:3] and "[PERSON_" in kept[0]
