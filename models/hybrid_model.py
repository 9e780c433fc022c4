"""`backend: hybrid` — the rules find and quote the evidence; a learned model refines the score.

Each is used where it is strongest:
- the rules know *what* in a note decides a marker (the unreasoned conclusion, the decision
  without a child conversation, the unexplained § reference, the worrying sentence) and quote
  it with a reason a reviewer can check;
- the sklearn model (`models.sklearn_model`) knows *how often* such a pattern really means a
  flag in annotated notes, and catches phrasings the patterns miss.

Per marker, the hybrid's score is a logistic combination of the two:

    score = sigmoid(w_rule · logit(rule score) + w_learned · logit(learned score) + b)

fitted on the training notes with the learned scores taken **out of fold** (K folds grouped by
case, so a model never scores notes of a case it was trained on), then thresholds are chosen on
dev like every learned model (`models.learned`).

A flag always has evidence: the rules' own evidence for that marker when they found any (the
rules are read with every threshold at 0, so their evidence is there even when their own score
would not have flagged), otherwise the sentences the learned part scores highest. The rules'
handling detection feeds the case timeline, as for every backend.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from models.learned import LearnedMarkerModel, LearnedModelError, NoteReading
from models.sklearn_model import SklearnMarkerModel
from pipeline.markers import JARGON_REASONS_DA, authority_jargon
from pipeline.schema import AUTHORITY_JARGON, MARKERS, UNHANDLED_CONCERN, Evidence

LEARNED_DIR = "learned"
COMBINER_FILE = "combiner.json"
EPSILON = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1.0 - EPSILON)
    return np.log(p / (1.0 - p))


def rule_scores(readings: list[NoteReading]) -> np.ndarray:
    """The rules' per-marker scores (n, 4), from the reading's rule markers."""
    out = np.zeros((len(readings), len(MARKERS)))
    for i, reading in enumerate(readings):
        results = reading.extra["rule_markers"].results
        out[i] = [results[m].score for m in MARKERS]
    return out


class HybridModel(LearnedMarkerModel):
    backend = "hybrid"

    def __init__(
        self,
        name: str = "hybrid",
        version: str = "0.1.0",
        thresholds: dict[str, float] | None = None,
        seed: int = 0,
        threshold_targets: dict[str, str] | None = None,
        case_window_hours: float = 24.0,
        learned_params: Mapping[str, Any] | None = None,
        oof_folds: int = 5,
        combiner_C: float = 1.0,
    ):
        super().__init__(name=name, version=version, thresholds=thresholds, seed=seed,
                         threshold_targets=threshold_targets, case_window_hours=case_window_hours)
        self.learned_params = dict(learned_params or {})
        self.oof_folds = int(oof_folds)
        self.combiner_C = float(combiner_C)
        if self.oof_folds < 2:
            raise LearnedModelError(f"oof_folds must be at least 2, got {self.oof_folds}")
        if self.combiner_C <= 0:
            raise LearnedModelError(f"combiner_C must be positive, got {self.combiner_C}")
        self._new_learned()  # validates learned_params early
        self.learned_: SklearnMarkerModel | None = None
        self.combiner_coef_: np.ndarray | None = None  # (4, 2): weight of logit(rule), logit(learned)
        self.combiner_intercept_: np.ndarray | None = None  # (4,)

    def _new_learned(self) -> SklearnMarkerModel:
        try:
            return SklearnMarkerModel(name=f"{self.name}-learned", seed=self.seed, **self.learned_params)
        except TypeError as exc:
            raise LearnedModelError(f"learned_params do not fit the sklearn backend ({exc})") from None

    def _config_extra(self) -> dict[str, Any]:
        learned = self.learned_ if self.learned_ is not None else self._new_learned()
        return {"learned_params": learned._config_extra(), "oof_folds": self.oof_folds, "combiner_C": self.combiner_C}

    # -- fit ------------------------------------------------------------------------------------

    def _fit_readings(self, readings: list[NoteReading], Y: np.ndarray, dev_readings, dev_Y) -> None:
        oof = self._out_of_fold_scores(readings, Y)
        self.learned_ = self._new_learned()
        self.learned_._fit_readings(readings, Y, None, None)
        rules = rule_scores(readings)
        self.combiner_coef_ = np.zeros((len(MARKERS), 2))
        self.combiner_intercept_ = np.zeros(len(MARKERS))
        for j in range(len(MARKERS)):
            y = Y[:, j]
            if y.min() == y.max():
                self.combiner_coef_[j] = (0.0, 1.0)  # nothing to learn: follow the learned score
                continue
            X = np.column_stack([_logit(rules[:, j]), _logit(oof[:, j])])
            fitted = LogisticRegression(C=self.combiner_C, max_iter=1000).fit(X, y)
            self.combiner_coef_[j] = fitted.coef_[0]
            self.combiner_intercept_[j] = fitted.intercept_[0]

    def _out_of_fold_scores(self, readings: list[NoteReading], Y: np.ndarray) -> np.ndarray:
        """Learned scores for each training note from a model that never saw the note's case."""
        groups = np.array([r.case_id or f"note-{i}" for i, r in enumerate(readings)])
        n_folds = min(self.oof_folds, len(set(groups)))
        if n_folds < 2:
            raise LearnedModelError("the hybrid needs training notes from at least two cases")
        oof = np.zeros((len(readings), len(MARKERS)))
        from tqdm import tqdm

        folds = GroupKFold(n_splits=n_folds, shuffle=True, random_state=self.seed)
        splits = folds.split(np.zeros(len(readings)), groups=groups)
        for train_idx, test_idx in tqdm(splits, total=n_folds, desc="hybrid: out-of-fold scores", unit="fold", disable=None, leave=False):
            part = self._new_learned()
            part._fit_readings([readings[i] for i in train_idx], Y[train_idx], None, None)
            oof[test_idx] = part._score_readings([readings[i] for i in test_idx])
        return oof

    # -- scores and evidence --------------------------------------------------------------------

    def _score_readings(self, readings: list[NoteReading]) -> np.ndarray:
        if self.learned_ is None or self.combiner_coef_ is None:
            raise LearnedModelError("the hybrid model is not trained: call fit or load a model directory")
        if not readings:
            return np.zeros((0, len(MARKERS)))
        learned = self.learned_._score_readings(readings)
        z = (_logit(rule_scores(readings)) * self.combiner_coef_[:, 0] + _logit(learned) * self.combiner_coef_[:, 1]
             + self.combiner_intercept_)
        return 1.0 / (1.0 + np.exp(-z))

    def _score_sentences(self, sentences: list[NoteReading]) -> np.ndarray:
        """Evidence sentences are ranked by the learned part alone (a sentence has no rule score)."""
        return self.learned_._score_readings(sentences)

    def _score_texts(self, texts: list[str]) -> np.ndarray:
        return self._score_readings(self.read_texts(texts))

    def _own_evidence(self, reading: NoteReading, flags: np.ndarray) -> dict[str, tuple[list[Evidence], list[str] | None]]:
        """The rules' evidence for each flagged marker where they have some to quote."""
        results = reading.extra["rule_markers"].results
        out: dict[str, tuple[list[Evidence], list[str] | None]] = {}
        for j, marker in enumerate(MARKERS):
            if not flags[j]:
                continue
            if marker == AUTHORITY_JARGON:
                evidence = self._jargon_evidence(reading)
                if evidence:
                    out[marker] = (evidence, None)
                continue
            result = results[marker]
            # with thresholds at 0 the rules "flag" exactly where they have evidence for the marker;
            # an unflagged unhandled_concern with evidence quotes its handling, which is no evidence of worry
            if result.flag and result.evidence:
                out[marker] = (list(result.evidence), list(result.concern_types or []) if marker == UNHANDLED_CONCERN else None)
        return out

    def _jargon_evidence(self, reading: NoteReading) -> list[Evidence]:
        """The rules' own jargon evidence when they would flag; else the unexplained items alone
        (the zero-threshold reading would add dense-style sentences to any note)."""
        jargon = reading.extra.get("jargon")
        if jargon is None:
            return []
        cfg = self.reader.settings[AUTHORITY_JARGON]
        result = authority_jargon(reading.text, jargon, cfg, 0.5)
        if result.flag:
            return list(result.evidence)
        return [Evidence(i.start, i.end, i.text, JARGON_REASONS_DA[i.category], plain=i.plain) for i in jargon.unexplained]

    def _note_concern_types(self, reading: NoteReading) -> list[str]:
        return list(reading.extra["rule_markers"].results[UNHANDLED_CONCERN].concern_types or [])

    # -- weights --------------------------------------------------------------------------------

    def _save_weights(self, directory: Path) -> None:
        if self.learned_ is None or self.combiner_coef_ is None:
            raise LearnedModelError("cannot save an untrained hybrid model")
        learned_dir = directory / LEARNED_DIR
        learned_dir.mkdir(parents=True, exist_ok=True)
        self.learned_._save_weights(learned_dir)
        combiner = {
            m: {"w_rule": float(self.combiner_coef_[j, 0]), "w_learned": float(self.combiner_coef_[j, 1]),
                "intercept": float(self.combiner_intercept_[j])}
            for j, m in enumerate(MARKERS)
        }
        with open(directory / COMBINER_FILE, "w", encoding="utf-8") as fh:
            json.dump(combiner, fh, indent=2)
            fh.write("\n")

    def _load_weights(self, directory: Path) -> None:
        path = directory / COMBINER_FILE
        if not path.is_file():
            raise LearnedModelError(f"{directory}: hybrid model lacks {COMBINER_FILE}")
        with open(path, encoding="utf-8") as fh:
            combiner = json.load(fh)
        missing = [m for m in MARKERS if m not in combiner]
        if missing:
            raise LearnedModelError(f"{path}: no weights for {missing}")
        self.combiner_coef_ = np.array([[combiner[m]["w_rule"], combiner[m]["w_learned"]] for m in MARKERS], dtype=float)
        self.combiner_intercept_ = np.array([combiner[m]["intercept"] for m in MARKERS], dtype=float)
        self.learned_ = self._new_learned()
        self.learned_._load_weights(directory / LEARNED_DIR)
