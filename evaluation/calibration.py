"""Calibration: do the scores mean what they say?

A score of 0.8 should be right about 80 % of the time if reviewers are to read it as a
probability. Scores are cut into equal-width bins over [0, 1]; the reliability diagram plots
each bin's mean score against its share of gold positives, and the expected calibration error
(ECE) is the note-weighted mean gap between the two.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

DEFAULT_BINS = 10


def reliability_bins(y_true: Sequence[int], scores: Sequence[float], n_bins: int = DEFAULT_BINS) -> list[dict]:
    """One entry per non-empty bin: its edges, note count, mean score and share of positives."""
    y = np.asarray(y_true, dtype=float)
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # the last bin is closed on the right so that a score of exactly 1.0 has a home
    index = np.minimum(np.searchsorted(edges, s, side="right") - 1, n_bins - 1)
    bins = []
    for b in range(n_bins):
        members = index == b
        count = int(members.sum())
        if count == 0:
            continue
        bins.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "count": count,
                "mean_score": float(s[members].mean()),
                "positive_rate": float(y[members].mean()),
            }
        )
    return bins


def expected_calibration_error(y_true: Sequence[int], scores: Sequence[float], n_bins: int = DEFAULT_BINS) -> float:
    """ECE = Σ_b (n_b / N) · |positive rate_b − mean score_b|; NaN for no notes."""
    bins = reliability_bins(y_true, scores, n_bins)
    total = sum(b["count"] for b in bins)
    if total == 0:
        return float("nan")
    return float(sum(b["count"] / total * abs(b["positive_rate"] - b["mean_score"]) for b in bins))


def calibration_summary(y_true: Sequence[int], scores: Sequence[float], n_bins: int = DEFAULT_BINS) -> dict:
    bins = reliability_bins(y_true, scores, n_bins)
    ece = expected_calibration_error(y_true, scores, n_bins)
    return {"ece": None if np.isnan(ece) else ece, "n_bins": n_bins, "bins": bins}
