"""The dev score learned backends early-stop on, and a small best-so-far tracker.

Training stops on dev **ranking** quality, not on F1 at some fixed cut-off: thresholds are
chosen on dev after training (models.learned), so what training must deliver is scores that
order notes well for every marker. The score is the mean average precision (PR-AUC) over the
markers that have at least one positive in dev.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evaluation.metrics import average_precision
from pipeline.schema import MARKERS


def mean_average_precision(Y: np.ndarray, scores: np.ndarray) -> tuple[float, dict[str, float]]:
    """(mean AP over markers with dev positives, AP per such marker); 0.0 when none has any."""
    Y = np.asarray(Y)
    scores = np.asarray(scores, dtype=float)
    if Y.shape != scores.shape or Y.ndim != 2 or Y.shape[1] != len(MARKERS):
        raise ValueError(f"targets {Y.shape} and scores {scores.shape} must both be (n, {len(MARKERS)})")
    per_marker = {}
    for j, marker in enumerate(MARKERS):
        if Y[:, j].any():
            ap = average_precision(Y[:, j], scores[:, j])
            if not math.isnan(ap):
                per_marker[marker] = float(ap)
    mean = float(np.mean(list(per_marker.values()))) if per_marker else 0.0
    return mean, per_marker


@dataclass
class BestSoFar:
    """Remembers the best dev score, the step it came at and a snapshot of the weights then.

    `patience` counts evaluations without improvement (0 = never stop early).
    """

    patience: int = 0
    best_score: float = -math.inf
    best_step: int = -1
    snapshot: Any = None
    evaluations_since_best: int = 0
    history: list[tuple[int, float]] = field(default_factory=list)

    def update(self, step: int, score: float, snapshot_fn) -> bool:
        """Record a dev score; take a snapshot (`snapshot_fn()`) if it is the best so far."""
        self.history.append((step, score))
        if score > self.best_score + 1e-9:
            self.best_score, self.best_step = score, step
            self.snapshot = snapshot_fn()
            self.evaluations_since_best = 0
            return True
        self.evaluations_since_best += 1
        return False

    @property
    def should_stop(self) -> bool:
        return bool(self.patience) and self.evaluations_since_best >= self.patience
