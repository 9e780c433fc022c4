"""The metric functions give scikit-learn's figures, including with ties and case weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, confusion_matrix, f1_score, precision_score, recall_score

from evaluation.metrics import RankedScores, average_precision, confusion, f1, marker_metrics, pr_curve, precision, recall
from pipeline.schema import MARKERS
from evaluation_fixtures import HAND_MADE


@pytest.mark.parametrize("k", range(len(MARKERS)))
def test_point_figures_equal_scikit_learn_on_the_hand_made_example(k):
    y_true = [s["gold"][k] for s in HAND_MADE]
    y_pred = [s["flag"][k] for s in HAND_MADE]
    scores = [s["score"][k] for s in HAND_MADE]
    figures = marker_metrics(y_true, y_pred, scores)
    assert figures["precision"] == pytest.approx(precision_score(y_true, y_pred, zero_division=0))
    assert figures["recall"] == pytest.approx(recall_score(y_true, y_pred, zero_division=0))
    assert figures["f1"] == pytest.approx(f1_score(y_true, y_pred, zero_division=0))
    assert figures["pr_auc"] == pytest.approx(average_precision_score(y_true, scores))
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    assert figures["confusion"] == {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    assert figures["support"] == sum(y_true)


def test_average_precision_handles_tied_scores_like_scikit_learn():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    scores = rng.integers(0, 6, 200) / 5  # only six distinct scores: many ties
    assert average_precision(y, scores) == pytest.approx(average_precision_score(y, scores))


def test_case_weighted_average_precision_equals_scikit_learn_with_sample_weights():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 120)
    scores = rng.random(120).round(2)
    weights = rng.integers(0, 4, 120).astype(float)
    ranked = RankedScores.build(y, scores)
    assert ranked.average_precision(weights) == pytest.approx(average_precision_score(y, scores, sample_weight=weights))


def test_weighted_confusion_counts_a_note_as_often_as_its_weight():
    counts = confusion([1, 1, 0, 0], [1, 0, 1, 0], weights=[3, 1, 2, 0])
    assert (counts.tp, counts.fn, counts.fp, counts.tn) == (3, 1, 2, 0)


def test_undefined_figures_follow_scikit_learns_zero_division_convention():
    assert precision(0, 0) == 0.0
    assert recall(0, 0) == 0.0
    assert f1(0, 0, 0) == 0.0
    assert np.isnan(average_precision([0, 0, 0], [0.1, 0.5, 0.9]))
    assert marker_metrics([0, 0], [0, 1], [0.2, 0.8])["pr_auc"] is None


def test_precision_recall_and_f1_work_on_arrays_of_counts():
    np.testing.assert_allclose(precision(np.array([1, 0]), np.array([1, 0])), [0.5, 0.0])
    np.testing.assert_allclose(f1(np.array([2.0]), np.array([1.0]), np.array([1.0])), [2 * 2 / (2 * 2 + 2)])


def test_pr_curve_is_thinned_for_large_sets_but_keeps_both_ends():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5000)
    scores = rng.random(5000)
    curve = pr_curve(y, scores, max_points=100)
    assert len(curve["precision"]) == len(curve["recall"]) == len(curve["thresholds"]) <= 100
    assert curve["recall"][-1] == pytest.approx(1.0)
    assert curve["thresholds"][0] == pytest.approx(scores.max())
