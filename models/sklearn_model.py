"""`backend: sklearn` — TF-IDF over word and character n-grams plus the rules' signals, with one
calibrated logistic regression per marker.

Why these parts:
- character n-grams (within word boundaries) make the model robust to typos and Danish
  inflection: "vurdering", "vurderingen", "vudrering" share most of their 3- to 5-grams;
- word uni- and bigrams keep phrases ("ikke afholdt", "behandles som underretning");
- the rule tagger's roles and the jargon reader's counts (`models.rule_features`) tell the
  model what a sentence *does*, which words alone confuse on 350 training notes;
- logistic regression, class-balanced, calibrated with Platt scaling on cross-validated
  decision values (`CalibratedClassifierCV(method="sigmoid", ensemble=False)`): one linear model
  per marker, so scoring a note is a sparse dot product.

The weights are written as plain arrays and JSON (vocabularies, idf, coefficients, Platt
parameters), not pickles: a model directory is readable, loads under any scikit-learn version
and runs no code when loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from models import char_ngram_counts
from models.learned import LearnedMarkerModel, LearnedModelError, NoteReading
from models.rule_features import FEATURE_NAMES, rule_feature_matrix
from pipeline.schema import MARKERS

WEIGHTS_FILE = "weights.npz"
VOCABULARY_FILE = "vocabulary.json"
WORD_TOKEN_PATTERN = r"(?u)§|\b\w+\b"


def _word_vectorizer(ngrams: Sequence[int], min_df: int, max_features: int | None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word", token_pattern=WORD_TOKEN_PATTERN, ngram_range=tuple(ngrams), lowercase=True,
        sublinear_tf=True, min_df=min_df, max_features=max_features, dtype=np.float64,
    )


def _char_vectorizer(ngrams: Sequence[int], min_df: int, max_features: int | None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=tuple(ngrams), lowercase=True,
        sublinear_tf=True, min_df=min_df, max_features=max_features, dtype=np.float64,
    )


class SklearnMarkerModel(LearnedMarkerModel):
    backend = "sklearn"

    def __init__(
        self,
        name: str = "sklearn",
        version: str = "0.1.0",
        thresholds: dict[str, float] | None = None,
        seed: int = 0,
        threshold_targets: dict[str, str] | None = None,
        case_window_hours: float = 24.0,
        word_ngrams: Sequence[int] = (1, 2),
        char_ngrams: Sequence[int] = (2, 5),
        min_df: int = 2,
        max_word_features: int | None = 20000,
        max_char_features: int | None = 40000,
        C: float = 4.0,
        class_weight: str | None = "balanced",
        role_features: bool = True,
        role_weight: float = 0.3,
        cv_folds: int = 5,
    ):
        super().__init__(name=name, version=version, thresholds=thresholds, seed=seed,
                         threshold_targets=threshold_targets, case_window_hours=case_window_hours)
        self.word_ngrams = tuple(int(x) for x in word_ngrams)
        self.char_ngrams = tuple(int(x) for x in char_ngrams)
        self.min_df = int(min_df)
        self.max_word_features = None if max_word_features is None else int(max_word_features)
        self.max_char_features = None if max_char_features is None else int(max_char_features)
        self.C = float(C)
        self.class_weight = class_weight
        self.role_features = bool(role_features)
        self.role_weight = float(role_weight)
        self.cv_folds = int(cv_folds)
        for key, pair in (("word_ngrams", self.word_ngrams), ("char_ngrams", self.char_ngrams)):
            if len(pair) != 2 or not 1 <= pair[0] <= pair[1]:
                raise LearnedModelError(f"{key} must be [low, high] with 1 <= low <= high, got {list(pair)}")
        if self.C <= 0:
            raise LearnedModelError(f"C must be positive, got {self.C}")
        if self.cv_folds < 2:
            raise LearnedModelError(f"cv_folds must be at least 2, got {self.cv_folds}")
        # learned state
        self.rule_feature_names_: list[str] = list(FEATURE_NAMES) if self.role_features else []
        self.word_vectorizer_: TfidfVectorizer | None = None
        self.char_vectorizer_: TfidfVectorizer | None = None
        self.coef_: np.ndarray | None = None  # (4, n_features)
        self.intercept_: np.ndarray | None = None  # (4,)
        self.platt_a_: np.ndarray | None = None  # p = 1 / (1 + exp(a * decision + b))
        self.platt_b_: np.ndarray | None = None

    def _config_extra(self) -> dict[str, Any]:
        return {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "min_df": self.min_df,
            "max_word_features": self.max_word_features,
            "max_char_features": self.max_char_features,
            "C": self.C,
            "class_weight": self.class_weight,
            "role_features": self.role_features,
            "role_weight": self.role_weight,
            "cv_folds": self.cv_folds,
        }

    # -- features -----------------------------------------------------------------------------

    def _features(self, readings: Sequence[NoteReading]) -> sp.csr_matrix:
        texts = [r.text for r in readings]
        blocks = [self.word_vectorizer_.transform(texts), self._char_features(texts)]
        if self.role_features:
            blocks.append(sp.csr_matrix(rule_feature_matrix(readings)[:, self._rule_columns()] * self.role_weight))
        return sp.hstack(blocks, format="csr")

    def _char_features(self, texts: list[str]) -> sp.csr_matrix:
        """The char n-gram block through a per-word cache (the same matrix, a fraction of the CPU),
        rebuilt whenever the vectorizer is refitted or reloaded."""
        vectorizer = self.char_vectorizer_
        if not char_ngram_counts.supports(vectorizer):
            return vectorizer.transform(texts)
        cached = self.__dict__.get("_char_cache")
        if cached is None or cached[0] is not vectorizer:
            cached = self._char_cache = (vectorizer, char_ngram_counts.CachedCharNgramTfidf(vectorizer))
        return cached[1].transform(texts)

    def _rule_columns(self) -> list[int]:
        """Where the model's own rule features sit in what this version computes: a model trained
        before the rules gained a role keeps working; one that needs a feature that is gone cannot."""
        index = {name: i for i, name in enumerate(FEATURE_NAMES)}
        missing = [n for n in self.rule_feature_names_ if n not in index]
        if missing:
            raise LearnedModelError(f"the model uses rule features this version no longer computes ({missing}); retrain it")
        return [index[n] for n in self.rule_feature_names_]

    def feature_names(self) -> list[str]:
        names = [f"word:{t}" for t in self.word_vectorizer_.get_feature_names_out()]
        names += [f"char:{t}" for t in self.char_vectorizer_.get_feature_names_out()]
        if self.role_features:
            names += [f"rule:{n}" for n in self.rule_feature_names_]
        return names

    # -- fit and score ------------------------------------------------------------------------

    def _fit_readings(self, readings: list[NoteReading], Y: np.ndarray, dev_readings, dev_Y) -> None:
        texts = [r.text for r in readings]
        self.rule_feature_names_ = list(FEATURE_NAMES) if self.role_features else []
        min_df = self.min_df if len(texts) >= 4 * self.min_df else 1
        self.word_vectorizer_ = _word_vectorizer(self.word_ngrams, min_df, self.max_word_features).fit(texts)
        self.char_vectorizer_ = _char_vectorizer(self.char_ngrams, min_df, self.max_char_features).fit(texts)
        X = self._features(readings)
        n_markers = len(MARKERS)
        self.coef_ = np.zeros((n_markers, X.shape[1]))
        self.intercept_ = np.zeros(n_markers)
        self.platt_a_ = np.zeros(n_markers)
        self.platt_b_ = np.zeros(n_markers)
        for j, marker in enumerate(MARKERS):
            y = Y[:, j]
            minority = int(min(y.sum(), len(y) - y.sum()))
            if minority < 2:
                # nothing to separate: a constant score equal to the training rate
                rate = float(np.clip(y.mean(), 1e-4, 1 - 1e-4))
                self.platt_b_[j] = float(np.log((1 - rate) / rate))
                continue
            folds = StratifiedKFold(n_splits=min(self.cv_folds, minority), shuffle=True, random_state=self.seed)
            estimator = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000, solver="liblinear", dual=True,
                                           random_state=self.seed)
            calibrated = CalibratedClassifierCV(estimator, method="sigmoid", cv=folds, ensemble=False).fit(X, y)
            fitted = calibrated.calibrated_classifiers_[0]
            self.coef_[j] = fitted.estimator.coef_[0]
            self.intercept_[j] = fitted.estimator.intercept_[0]
            self.platt_a_[j] = fitted.calibrators[0].a_
            self.platt_b_[j] = fitted.calibrators[0].b_

    def _score_readings(self, readings: list[NoteReading]) -> np.ndarray:
        if self.coef_ is None:
            raise LearnedModelError("the sklearn model is not trained: call fit or load a model directory")
        if not readings:
            return np.zeros((0, len(MARKERS)))
        decision = np.asarray(self._features(readings) @ self.coef_.T) + self.intercept_
        return 1.0 / (1.0 + np.exp(decision * self.platt_a_ + self.platt_b_))

    def _score_texts(self, texts: list[str]) -> np.ndarray:
        return self._score_readings(self.read_texts(texts))

    # -- weights ------------------------------------------------------------------------------

    def _save_weights(self, directory: Path) -> None:
        if self.coef_ is None:
            raise LearnedModelError("cannot save an untrained sklearn model")
        vocab = {
            "word": {t: int(i) for t, i in self.word_vectorizer_.vocabulary_.items()},
            "char": {t: int(i) for t, i in self.char_vectorizer_.vocabulary_.items()},
            "min_df_used": [int(self.word_vectorizer_.min_df), int(self.char_vectorizer_.min_df)],
            "rule_features": list(self.rule_feature_names_),
        }
        with open(directory / VOCABULARY_FILE, "w", encoding="utf-8") as fh:
            json.dump(vocab, fh, ensure_ascii=False, sort_keys=True)
        np.savez_compressed(
            directory / WEIGHTS_FILE,
            idf_word=self.word_vectorizer_.idf_, idf_char=self.char_vectorizer_.idf_,
            coef=self.coef_, intercept=self.intercept_, platt_a=self.platt_a_, platt_b=self.platt_b_,
        )

    def _load_weights(self, directory: Path) -> None:
        vocab_path, weights_path = directory / VOCABULARY_FILE, directory / WEIGHTS_FILE
        for path in (vocab_path, weights_path):
            if not path.is_file():
                raise LearnedModelError(f"{directory}: sklearn model lacks {path.name}")
        with open(vocab_path, encoding="utf-8") as fh:
            vocab = json.load(fh)
        self.rule_feature_names_ = list(vocab.get("rule_features") or []) if self.role_features else []
        if self.role_features:
            try:
                self._rule_columns()
            except LearnedModelError as exc:
                raise LearnedModelError(f"{vocab_path}: {exc}") from None
        with np.load(weights_path) as weights:
            arrays = {k: weights[k] for k in weights.files}
        word_min_df, char_min_df = vocab.get("min_df_used", [self.min_df, self.min_df])
        self.word_vectorizer_ = _word_vectorizer(self.word_ngrams, word_min_df, self.max_word_features)
        self.word_vectorizer_.vocabulary_ = dict(vocab["word"])
        self.word_vectorizer_.idf_ = arrays["idf_word"]
        self.char_vectorizer_ = _char_vectorizer(self.char_ngrams, char_min_df, self.max_char_features)
        self.char_vectorizer_.vocabulary_ = dict(vocab["char"])
        self.char_vectorizer_.idf_ = arrays["idf_char"]
        self.coef_ = arrays["coef"].astype(np.float64)
        self.intercept_, self.platt_a_, self.platt_b_ = arrays["intercept"], arrays["platt_a"], arrays["platt_b"]
        expected = len(vocab["word"]) + len(vocab["char"]) + len(self.rule_feature_names_)
        if self.coef_.shape != (len(MARKERS), expected):
            raise LearnedModelError(f"{weights_path}: coefficients have shape {self.coef_.shape}, expected ({len(MARKERS)}, {expected})")
