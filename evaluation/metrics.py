"""Classification metrics for one marker: confusion counts, precision, recall, F1, average precision.

Written in numpy rather than calling scikit-learn per figure because the bootstrap recomputes
every figure a thousand times with case weights; the test suite checks each function against
scikit-learn on a hand-made example. Conventions follow scikit-learn: precision with no flags
and recall with no positives are 0.0 (`zero_division=0`); average precision with no positives
is undefined (NaN) and left out of macro averages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True, slots=True)
class Confusion:
    """Counts (or case-weighted counts) of the four outcomes for one marker."""

    tp: float
    fp: float
    fn: float
    tn: float

    @property
    def support(self) -> float:
        """Gold positives."""
        return self.tp + self.fn

    @property
    def flagged(self) -> float:
        return self.tp + self.fp

    def to_dict(self) -> dict[str, int]:
        return {"tp": int(self.tp), "fp": int(self.fp), "fn": int(self.fn), "tn": int(self.tn)}


def confusion(y_true: Sequence[int], y_pred: Sequence[int], weights: Sequence[float] | None = None) -> Confusion:
    """Confusion counts; `weights` (one per note) lets the bootstrap count a note several times."""
    t = np.asarray(y_true, dtype=bool)
    p = np.asarray(y_pred, dtype=bool)
    w = np.ones(len(t)) if weights is None else np.asarray(weights, dtype=float)
    return Confusion(
        tp=float(w[t & p].sum()),
        fp=float(w[~t & p].sum()),
        fn=float(w[t & ~p].sum()),
        tn=float(w[~t & ~p].sum()),
    )


def _ratio(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def precision(tp, fp) -> np.ndarray | float:
    """Share of flags that are right; 0.0 when nothing is flagged. Works on arrays of counts."""
    out = _ratio(tp, np.asarray(tp) + np.asarray(fp))
    return float(out) if out.ndim == 0 else out


def recall(tp, fn) -> np.ndarray | float:
    """Share of gold positives flagged; 0.0 when there are none. Works on arrays of counts."""
    out = _ratio(tp, np.asarray(tp) + np.asarray(fn))
    return float(out) if out.ndim == 0 else out


def f1(tp, fp, fn) -> np.ndarray | float:
    """Harmonic mean of precision and recall, 2·TP / (2·TP + FP + FN); 0.0 when undefined."""
    tp = np.asarray(tp, dtype=float)
    out = _ratio(2 * tp, 2 * tp + np.asarray(fp) + np.asarray(fn))
    return float(out) if out.ndim == 0 else out


def false_positive_rate(fp, tn) -> np.ndarray | float:
    out = _ratio(fp, np.asarray(fp) + np.asarray(tn))
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True, slots=True)
class RankedScores:
    """Scores sorted once (descending) so that average precision can be recomputed under many
    bootstrap weightings without sorting again. `last_of_tie[i]` marks the last note of each
    group of equal scores: a threshold can only fall between distinct scores."""

    order: np.ndarray
    positive: np.ndarray
    last_of_tie: np.ndarray

    @classmethod
    def build(cls, y_true: Sequence[int], scores: Sequence[float]) -> "RankedScores":
        s = np.asarray(scores, dtype=float)
        order = np.argsort(-s, kind="mergesort")
        sorted_scores = s[order]
        last = np.ones(len(s), dtype=bool)
        if len(s) > 1:
            last[:-1] = sorted_scores[:-1] != sorted_scores[1:]
        return cls(order=order, positive=np.asarray(y_true, dtype=bool)[order], last_of_tie=last)

    def average_precision(self, weights: np.ndarray | None = None) -> float:
        """AP = Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct score thresholds (scikit-learn's definition)."""
        w = np.ones(len(self.order)) if weights is None else np.asarray(weights, dtype=float)[self.order]
        tp = np.cumsum(w * self.positive)[self.last_of_tie]
        fp = np.cumsum(w * ~self.positive)[self.last_of_tie]
        total_pos = tp[-1] if len(tp) else 0.0
        if total_pos <= 0:
            return float("nan")
        prec = _ratio(tp, tp + fp)
        rec = tp / total_pos
        gained = np.diff(np.concatenate(([0.0], rec)))
        return float(np.sum(gained * prec))

    def curve(self) -> dict[str, list[float]]:
        """Precision and recall at each distinct threshold, highest threshold first."""
        tp = np.cumsum(self.positive)[self.last_of_tie].astype(float)
        fp = np.cumsum(~self.positive)[self.last_of_tie].astype(float)
        total_pos = tp[-1] if len(tp) else 0.0
        return {
            "precision": [float(x) for x in _ratio(tp, tp + fp)],
            "recall": [float(x) for x in (tp / total_pos if total_pos else np.zeros_like(tp))],
        }


def average_precision(y_true: Sequence[int], scores: Sequence[float]) -> float:
    """PR-AUC as average precision from the scores; NaN when there are no positives."""
    return RankedScores.build(y_true, scores).average_precision()


def pr_curve(y_true: Sequence[int], scores: Sequence[float], max_points: int = 400) -> dict[str, list[float]]:
    """The precision-recall curve, thresholds included, thinned to at most `max_points` points
    (evenly by rank) so that a report on a large archive stays small."""
    ranked = RankedScores.build(y_true, scores)
    curve = ranked.curve()
    sorted_scores = np.asarray(scores, dtype=float)[ranked.order][ranked.last_of_tie]
    curve["thresholds"] = [float(x) for x in sorted_scores]
    n = len(curve["thresholds"])
    if n > max_points:
        keep = np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
        curve = {key: [values[i] for i in keep] for key, values in curve.items()}
    return curve


def marker_metrics(y_true: Sequence[int], y_pred: Sequence[int], scores: Sequence[float]) -> dict[str, float | int | dict]:
    """All point figures for one marker, as the report and the JSON twin show them."""
    counts = confusion(y_true, y_pred)
    ap = average_precision(y_true, scores)
    return {
        "precision": precision(counts.tp, counts.fp),
        "recall": recall(counts.tp, counts.fn),
        "f1": f1(counts.tp, counts.fp, counts.fn),
        "support": int(counts.support),
        "n_notes": int(counts.tp + counts.fp + counts.fn + counts.tn),
        "n_flagged": int(counts.flagged),
        "pr_auc": None if np.isnan(ap) else ap,
        "false_positive_rate": false_positive_rate(counts.fp, counts.tn),
        "confusion": counts.to_dict(),
    }
