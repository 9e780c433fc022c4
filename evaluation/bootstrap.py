"""Bootstrap confidence intervals resampled by case.

Notes in one case share a child, a caseworker and a writing habit, so they are not independent:
resampling single notes would give intervals that are too narrow. Each resample draws whole
cases with replacement (seeded, so a report can be reproduced) and recomputes every figure with
each note weighted by how often its case was drawn.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from evaluation.metrics import RankedScores, f1, false_positive_rate, precision, recall
from evaluation.prevalence import precision_at_prevalence

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class MarkerData:
    """One marker's gold labels, flags and scores over the evaluated notes."""

    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray


def case_weights(case_ids: Sequence[str], n_resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(weights per resample and case, case index per note): how often each case was drawn."""
    cases, case_index = np.unique(np.asarray(case_ids, dtype=object).astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(cases), size=(n_resamples, len(cases)))
    weights = np.zeros((n_resamples, len(cases)))
    for row, drawn in enumerate(draws):
        weights[row] = np.bincount(drawn, minlength=len(cases))
    return weights, case_index


def _percentile_interval(values: np.ndarray, confidence: float) -> list[float] | None:
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return None
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(finite, [tail, 100.0 - tail])
    return [float(lo), float(hi)]


def bootstrap_intervals(
    case_ids: Sequence[str],
    markers: Mapping[str, MarkerData],
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    prevalence: Mapping[str, float] | None = None,
    confidence: float = CONFIDENCE,
) -> dict[str, dict[str, list[float] | None]]:
    """Percentile intervals per marker for precision, recall, F1 and PR-AUC (plus precision at
    each stated prevalence), and for their macro averages under the key "macro"."""
    if n_resamples <= 0:
        return {}
    weights, case_index = case_weights(case_ids, n_resamples, seed)
    prevalence = dict(prevalence or {})
    samples: dict[str, dict[str, np.ndarray]] = {}
    for marker, data in markers.items():
        # Per-case outcome counts turn every resample's confusion counts into one matrix product.
        outcome = np.stack(
            [data.y_true & data.y_pred, ~data.y_true & data.y_pred, data.y_true & ~data.y_pred, ~data.y_true & ~data.y_pred],
            axis=1,
        ).astype(float)
        per_case = np.zeros((weights.shape[1], 4))
        np.add.at(per_case, case_index, outcome)
        tp, fp, fn, tn = (weights @ per_case).T
        ranked = RankedScores.build(data.y_true, data.scores)
        ap = np.array([ranked.average_precision(weights[row][case_index]) for row in range(n_resamples)])
        marker_samples = {
            "precision": precision(tp, fp),
            "recall": recall(tp, fn),
            "f1": f1(tp, fp, fn),
            "pr_auc": ap,
        }
        if marker in prevalence:
            marker_samples["precision_at_prevalence"] = precision_at_prevalence(
                marker_samples["recall"], false_positive_rate(fp, tn), prevalence[marker]
            )
        samples[marker] = marker_samples
    out = {marker: {name: _percentile_interval(vals, confidence) for name, vals in s.items()} for marker, s in samples.items()}
    if samples:
        macro: dict[str, list[float] | None] = {}
        for name in ("precision", "recall", "f1", "pr_auc"):
            stacked = np.stack([s[name] for s in samples.values()])
            if name == "pr_auc":
                # a marker with no positives in a resample has no PR-AUC there; average the rest
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    mean = np.nanmean(stacked, axis=0)
            else:
                mean = stacked.mean(axis=0)
            macro[name] = _percentile_interval(mean, confidence)
        out["macro"] = macro
    return out
