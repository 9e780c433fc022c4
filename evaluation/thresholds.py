"""Choose a marker's decision threshold for a target recall or precision on a dev set.

A flag is raised when `score >= threshold`. The queue is tuned per marker: an unhandled concern
must almost never be missed (a recall target), while jargon flags must mostly be right or
reviewers stop reading them (a precision target). The chosen threshold is always one of the dev
scores, so it reproduces the dev figures exactly.

- recall target r: the highest threshold whose recall is at least r (the fewest flags that
  still find enough positives);
- precision target p: the lowest threshold whose precision is at least p (the most positives
  found while flags stay right often enough).

`journaltjek evaluate --choose-thresholds` and `journaltjek train` both call `choose_threshold`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

TARGETS: tuple[str, ...] = ("recall", "precision")


class ThresholdUnreachable(ValueError):
    """No threshold meets the target on this data (e.g. precision 0.9 when the best is 0.7)."""


@dataclass(frozen=True, slots=True)
class ThresholdTarget:
    marker: str
    target: str  # "recall" or "precision"
    value: float

    def __str__(self) -> str:
        return f"{self.target}:{self.marker}={self.value:g}"


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """A chosen threshold with the figures it gives on the data it was chosen on."""

    target: ThresholdTarget
    threshold: float
    precision: float
    recall: float
    n_flagged: int
    support: int

    def to_dict(self) -> dict:
        return {
            "marker": self.target.marker,
            "target": self.target.target,
            "target_value": self.target.value,
            "threshold": self.threshold,
            "precision": self.precision,
            "recall": self.recall,
            "n_flagged": self.n_flagged,
            "support": self.support,
        }


def _validate(y_true: Sequence[int], scores: Sequence[float], target: str, value: float) -> tuple[np.ndarray, np.ndarray]:
    if target not in TARGETS:
        raise ValueError(f"unknown threshold target '{target}'; use one of {', '.join(TARGETS)}")
    if not 0.0 < value <= 1.0:
        raise ValueError(f"a {target} target must lie in (0, 1], got {value}")
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape:
        raise ValueError(f"{len(y)} labels but {len(s)} scores")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN or infinity")
    if not y.any():
        raise ThresholdUnreachable("no gold positives in the dev set: no threshold can be chosen")
    return y, s


def choose_threshold(y_true: Sequence[int], scores: Sequence[float], target: str = "recall", value: float = 0.95) -> float:
    """The threshold meeting `target` ≥ `value` (see the module docstring for which one)."""
    y, s = _validate(y_true, scores, target, value)
    if target == "recall":
        positive_scores = np.sort(s[y])[::-1]
        needed = math.ceil(value * len(positive_scores) - 1e-9)
        return float(positive_scores[max(needed, 1) - 1])
    candidates = np.unique(s)  # ascending: the first that meets the target keeps the most flags
    for threshold in candidates:
        flagged = s >= threshold
        if (y & flagged).sum() / flagged.sum() >= value - 1e-12:
            return float(threshold)
    raise ThresholdUnreachable(f"no threshold reaches precision {value:g} on this data")


def choose(target: ThresholdTarget, y_true: Sequence[int], scores: Sequence[float]) -> ThresholdChoice:
    """`choose_threshold` plus the precision and recall the threshold gives on the same data."""
    threshold = choose_threshold(y_true, scores, target.target, target.value)
    y = np.asarray(y_true, dtype=bool)
    flagged = np.asarray(scores, dtype=float) >= threshold
    tp = int((y & flagged).sum())
    return ThresholdChoice(
        target=target,
        threshold=threshold,
        precision=tp / int(flagged.sum()),
        recall=tp / int(y.sum()),
        n_flagged=int(flagged.sum()),
        support=int(y.sum()),
    )


def parse_threshold_spec(spec: str, known_markers: Sequence[str]) -> list[ThresholdTarget]:
    """`"recall:unhandled_concern=0.95,precision:authority_jargon=0.8"` → targets, one per marker."""
    targets: list[ThresholdTarget] = []
    seen: set[str] = set()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        head, sep, value_text = item.partition("=")
        target, colon, marker = head.partition(":")
        if not sep or not colon:
            raise ValueError(f"threshold item '{item}' is not TARGET:MARKER=VALUE (e.g. recall:unhandled_concern=0.95)")
        target, marker = target.strip(), marker.strip()
        if target not in TARGETS:
            raise ValueError(f"threshold item '{item}': unknown target '{target}'; use {' or '.join(TARGETS)}")
        if marker not in known_markers:
            raise ValueError(f"threshold item '{item}': unknown marker '{marker}'; known: {', '.join(known_markers)}")
        if marker in seen:
            raise ValueError(f"threshold item '{item}': marker '{marker}' has more than one target")
        try:
            value = float(value_text)
        except ValueError:
            raise ValueError(f"threshold item '{item}': '{value_text}' is not a number") from None
        if not 0.0 < value <= 1.0:
            raise ValueError(f"threshold item '{item}': the target must lie in (0, 1]")
        seen.add(marker)
        targets.append(ThresholdTarget(marker=marker, target=target, value=value))
    if not targets:
        raise ValueError("empty threshold specification")
    return targets
