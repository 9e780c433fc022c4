"""The cached char n-gram TF-IDF gives exactly scikit-learn's matrix, so a scan's scores do not move."""

from __future__ import annotations

import numpy as np
import pytest
from gold_splits import gold_split
from sklearn.feature_extraction.text import TfidfVectorizer

from models.char_ngram_counts import CachedCharNgramTfidf, supports

EDGE_TEXTS = [
    "",
    "   \n\t ",
    "a",
    "ab",
    "Mor (M) siger: §50-undersøgelse, jf. SEL § 50 stk. 1.",
    "ord\u00a0med\u00a0hårde\u00a0mellemrum og  dobbelte   mellemrum",
    "İstanbul ÆØÅ æøå",  # lower-casing İ makes the word longer
    "aaaa aaaa aaaa",  # repeated n-grams inside and across words are counts
]


def _fitted(ngrams: tuple[int, int], texts: list[str]) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, lowercase=True, sublinear_tf=True, min_df=2).fit(texts)


def _assert_same(a, b) -> None:
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # exact, not approximately


@pytest.mark.parametrize("ngrams", [(2, 5), (1, 3), (4, 4)])
def test_matches_scikit_learn_exactly_on_gold_notes_and_edge_cases(ngrams):
    train, _ = gold_split("train", limit=120)
    dev, _ = gold_split("dev", limit=60)
    vectorizer = _fitted(ngrams, [n.text for n in train])
    texts = [n.text for n in dev] + EDGE_TEXTS
    fast = CachedCharNgramTfidf(vectorizer)
    _assert_same(vectorizer.transform(texts), fast.transform(texts))
    _assert_same(vectorizer.transform(texts), fast.transform(texts))  # second pass: from the cache


def test_a_full_cache_starts_over_without_changing_the_result():
    train, _ = gold_split("train", limit=60)
    vectorizer = _fitted((2, 5), [n.text for n in train])
    fast = CachedCharNgramTfidf(vectorizer, max_cached_words=5)
    texts = [n.text for n in train[:20]]
    _assert_same(vectorizer.transform(texts), fast.transform(texts))
    assert len(fast._columns) <= 5


def test_only_vectorizers_it_reproduces_are_accepted():
    texts = ["en to tre", "to tre fire", "tre fire fem"]
    assert supports(_fitted((2, 3), texts))
    word = TfidfVectorizer(analyzer="word", min_df=1).fit(texts)
    accented = TfidfVectorizer(analyzer="char_wb", strip_accents="unicode").fit(texts)
    unfitted = TfidfVectorizer(analyzer="char_wb")
    for vectorizer in (word, accented, unfitted):
        assert not supports(vectorizer)
        with pytest.raises(ValueError):
            CachedCharNgramTfidf(vectorizer)
