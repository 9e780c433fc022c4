"""Character n-gram TF-IDF for scans: the same matrix as a fitted `TfidfVectorizer(analyzer="char_wb")`,
computed from a per-word cache.

scikit-learn builds every n-gram string of every word of every note and counts them in a dict;
for the default model that was a quarter of a scan's CPU. The char_wb n-grams of a note are the
n-grams of its whitespace-separated words taken one by one, and words repeat (Zipf), so each
distinct word's vocabulary columns are computed once and reused. Counts, the sublinear tf, idf and
l2 norm then follow scikit-learn's own `TfidfTransformer` with the fitted idf, so the result equals
`vectorizer.transform(texts)` exactly (a test holds the two side by side).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

# A scan of a large archive meets typos, ids and names once each; the cache starts over at this size.
MAX_CACHED_WORDS = 200_000


class CachedCharNgramTfidf:
    """`transform(texts)` for a fitted char_wb TfidfVectorizer without a custom preprocessor."""

    def __init__(self, vectorizer: TfidfVectorizer, max_cached_words: int = MAX_CACHED_WORDS):
        if not supports(vectorizer):
            raise ValueError("CachedCharNgramTfidf needs a fitted, lower-casing char_wb TfidfVectorizer")
        self.vocabulary = vectorizer.vocabulary_
        self.n_features = len(vectorizer.idf_)
        self.min_n, self.max_n = vectorizer.ngram_range
        self.dtype = vectorizer.dtype
        self.tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                      smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf)
        self.tfidf.idf_ = vectorizer.idf_
        self.max_cached_words = max_cached_words
        self._columns: dict[str, tuple[int, ...]] = {}

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        columns, indptr = [], [0]
        cache, word_columns = self._columns, self._word_columns
        for text in texts:
            for word in text.lower().split():
                found = cache.get(word)
                if found is None:
                    found = word_columns(word)
                columns.extend(found)
            indptr.append(len(columns))
        counts = sp.csr_matrix(
            (np.ones(len(columns), dtype=self.dtype), np.asarray(columns, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), self.n_features),
        )
        counts.sum_duplicates()  # also sorts the indices, as scikit-learn's counting does
        return sp.csr_matrix(self.tfidf.transform(counts, copy=False))

    def _word_columns(self, word: str) -> tuple[int, ...]:
        """Vocabulary columns of one word's n-grams (repeats kept: they are counts), as scikit-learn
        pads and slides them (`_char_wb_ngrams`)."""
        vocabulary = self.vocabulary
        padded = " " + word + " "
        length = len(padded)
        found = []
        for n in range(self.min_n, self.max_n + 1):
            if length <= n:  # a word no longer than n counts once, whole (scikit-learn stops there)
                column = vocabulary.get(padded)
                if column is not None:
                    found.append(column)
                break
            for offset in range(length - n + 1):
                column = vocabulary.get(padded[offset:offset + n])
                if column is not None:
                    found.append(column)
        result = tuple(found)
        if len(self._columns) >= self.max_cached_words:
            self._columns.clear()
        self._columns[word] = result
        return result


def supports(vectorizer: TfidfVectorizer) -> bool:
    """Whether the cached path reproduces this vectorizer exactly."""
    return (
        vectorizer.analyzer == "char_wb" and vectorizer.lowercase and vectorizer.preprocessor is None
        and vectorizer.strip_accents is None and vectorizer.input == "content"
        and getattr(vectorizer, "vocabulary_", None) is not None and hasattr(vectorizer, "idf_")
    )
