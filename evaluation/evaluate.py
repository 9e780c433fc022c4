"""Evaluate flags against gold: every figure of the report, as one JSON-ready dict.

The HTML report, the JSON twin and the terminal summary are all views of this dict, so they
can never disagree. Figures are point estimates on the evaluated notes with bootstrap intervals
resampled by case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

import numpy as np

from evaluation.alignment import EvaluationSet
from evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, MarkerData, bootstrap_intervals
from evaluation.calibration import DEFAULT_BINS, calibration_summary
from evaluation.errors import error_list
from evaluation.metrics import marker_metrics, pr_curve
from evaluation.prevalence import precision_at_prevalence
from evaluation.slices import concern_type_table, resolve_columns, slice_table
from evaluation.thresholds import ThresholdTarget, ThresholdUnreachable, choose
from pipeline.schema import MARKER_NAMES_DA, MARKERS

CI_METRICS: tuple[str, ...] = ("precision", "recall", "f1", "pr_auc")


@dataclass(slots=True)
class EvaluationOptions:
    slice_columns: Sequence[str] = ()
    prevalence: dict[str, float] = field(default_factory=dict)
    threshold_targets: Sequence[ThresholdTarget] = ()
    n_resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    show_text: bool = False
    calibration_bins: int = DEFAULT_BINS


def label_arrays(eval_set: EvaluationSet) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Gold labels, flags and scores per marker as numpy arrays in gold order."""
    y_true = {m: np.array([r.labels[m] for r in eval_set.gold], dtype=bool) for m in MARKERS}
    y_pred = {m: np.array([f.markers[m].flag for f in eval_set.flags], dtype=bool) for m in MARKERS}
    scores = {m: np.array([f.markers[m].score for f in eval_set.flags], dtype=float) for m in MARKERS}
    return y_true, y_pred, scores


def _macro(markers: dict[str, dict]) -> dict[str, float | None]:
    """Unweighted means over the markers, as scikit-learn's average="macro"; PR-AUC over the
    markers where it is defined."""
    out: dict[str, float | None] = {}
    for name in CI_METRICS:
        values = [m[name] for m in markers.values() if m[name] is not None]
        out[name] = float(np.mean(values)) if values else None
    return out


def _threshold_section(targets: Sequence[ThresholdTarget], y_true: dict, scores: dict) -> dict:
    chosen: dict[str, dict] = {}
    unreachable: dict[str, str] = {}
    for target in targets:
        try:
            chosen[target.marker] = choose(target, y_true[target.marker], scores[target.marker]).to_dict()
        except ThresholdUnreachable as exc:
            unreachable[target.marker] = f"{target}: {exc}"
    return {"targets": [str(t) for t in targets], "chosen": chosen, "unreachable": unreachable, "written_to": None}


def evaluate(eval_set: EvaluationSet, options: EvaluationOptions | None = None, source: dict[str, Any] | None = None) -> dict:
    """All figures for the paired notes of `eval_set`. Raises ValueError when nothing is paired
    or a requested slice column does not exist."""
    options = options or EvaluationOptions()
    if not eval_set.gold:
        raise ValueError("no gold note has a prediction: nothing to evaluate (check that the note ids match)")
    y_true, y_pred, scores = label_arrays(eval_set)
    columns = resolve_columns(eval_set.gold, options.slice_columns)
    case_ids = [r.note.case_id for r in eval_set.gold]

    intervals = bootstrap_intervals(
        case_ids,
        {m: MarkerData(y_true[m], y_pred[m], scores[m]) for m in MARKERS},
        n_resamples=options.n_resamples,
        seed=options.seed,
        prevalence=options.prevalence,
    )
    markers: dict[str, dict] = {}
    for m in MARKERS:
        figures = marker_metrics(y_true[m], y_pred[m], scores[m])
        figures["name_da"] = MARKER_NAMES_DA[m]
        figures["ci"] = {name: intervals.get(m, {}).get(name) for name in CI_METRICS}
        figures["calibration"] = calibration_summary(y_true[m], scores[m], options.calibration_bins)
        figures["pr_curve"] = pr_curve(y_true[m], scores[m])
        if m in options.prevalence:
            p = options.prevalence[m]
            figures["at_prevalence"] = {
                "prevalence": p,
                "precision": precision_at_prevalence(figures["recall"], figures["false_positive_rate"], p),
                "ci": intervals.get(m, {}).get("precision_at_prevalence"),
            }
        markers[m] = figures

    macro = _macro(markers)
    macro_ci = intervals.get("macro", {})
    return {
        "meta": {
            "generated_at": datetime.now().isoformat(timespec="seconds"),
            **(source or {}),
            "n_gold": len(eval_set.gold) + len(eval_set.gold_without_prediction),
            "n_evaluated": len(eval_set.gold),
            "n_cases": len(set(case_ids)),
            "bootstrap": {"resamples": options.n_resamples, "seed": options.seed, "unit": "case", "confidence": 0.95},
            "threshold_rule": "flag when score >= threshold",
            "text_included": options.show_text,
        },
        "missing": eval_set.missing_summary(),
        "markers": markers,
        "macro": {**macro, "ci": {name: macro_ci.get(name) for name in CI_METRICS}},
        "slices": {col: slice_table(eval_set.gold, y_true, y_pred, col) for col in columns},
        "concern_types": concern_type_table(eval_set.gold, eval_set.flags),
        "thresholds": _threshold_section(options.threshold_targets, y_true, scores) if options.threshold_targets else None,
        "errors": error_list(eval_set.gold, eval_set.flags, show_text=options.show_text),
    }
