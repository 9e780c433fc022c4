"""Expected calibration error and reliability bins."""

from __future__ import annotations

import pytest

from evaluation.calibration import calibration_summary, expected_calibration_error, reliability_bins


def test_ece_is_the_note_weighted_gap_between_score_and_positive_rate():
    # bin [0.1, 0.2): mean 0.1, half positive -> gap 0.4; bin [0.9, 1.0]: mean 0.9, all positive -> gap 0.1
    assert expected_calibration_error([0, 1, 1, 1], [0.1, 0.1, 0.9, 0.9]) == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)


def test_scores_that_match_the_positive_rate_have_no_calibration_error():
    y = [1, 0, 0, 0] + [1, 1, 1, 0]
    s = [0.25] * 4 + [0.75] * 4
    assert expected_calibration_error(y, s) == pytest.approx(0.0)


def test_a_score_of_exactly_one_lands_in_the_last_bin_and_empty_bins_are_left_out():
    bins = reliability_bins([1, 0], [1.0, 0.0], n_bins=5)
    assert [(b["lower"], b["upper"], b["count"]) for b in bins] == [(0.0, 0.2, 1), (0.8, 1.0, 1)]


def test_the_summary_carries_the_bins_for_the_reliability_diagram():
    summary = calibration_summary([0, 1], [0.2, 0.8], n_bins=4)
    assert summary["n_bins"] == 4 and len(summary["bins"]) == 2
    assert summary["ece"] == pytest.approx(0.2)
    assert calibration_summary([], [])["ece"] is None
