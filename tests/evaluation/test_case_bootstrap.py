"""Bootstrap intervals resample whole cases, reproducibly."""

from __future__ import annotations

import numpy as np

from evaluation.bootstrap import MarkerData, bootstrap_intervals, case_weights


def test_every_resample_draws_as_many_cases_as_there_are_and_notes_share_their_cases_weight():
    weights, case_index = case_weights(["c1", "c1", "c2", "c3", "c3", "c3"], n_resamples=50, seed=1)
    assert weights.shape == (50, 3)
    assert (weights.sum(axis=1) == 3).all()
    note_weights = weights[:, case_index]
    assert (note_weights[:, 0] == note_weights[:, 1]).all()
    assert (note_weights[:, 3] == note_weights[:, 5]).all()


def test_the_same_seed_gives_the_same_intervals_and_another_seed_other_ones():
    rng = np.random.default_rng(0)
    n = 300
    cases = [f"c{i // 3}" for i in range(n)]
    y = rng.random(n) < 0.3
    scores = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    data = {"m": MarkerData(y, scores >= 0.5, scores)}
    first = bootstrap_intervals(cases, data, n_resamples=300, seed=5)
    again = bootstrap_intervals(cases, data, n_resamples=300, seed=5)
    other = bootstrap_intervals(cases, data, n_resamples=300, seed=6)
    assert first == again
    assert first != other
    lo, hi = first["m"]["f1"]
    assert 0.0 <= lo < hi <= 1.0


def test_cases_whose_notes_agree_with_each_other_widen_the_interval_compared_with_single_notes():
    # 40 cases of 10 identical notes: the information is 40 cases, not 400 notes
    cases = [f"c{i // 10}" for i in range(400)]
    case_outcome = np.random.default_rng(2).random(40) < 0.5
    y = np.ones(400, dtype=bool)
    flagged = np.repeat(case_outcome, 10)
    data = {"m": MarkerData(y, flagged, flagged.astype(float))}
    by_case = bootstrap_intervals(cases, data, n_resamples=400, seed=0)["m"]["recall"]
    by_note = bootstrap_intervals([str(i) for i in range(400)], data, n_resamples=400, seed=0)["m"]["recall"]
    assert (by_case[1] - by_case[0]) > 2 * (by_note[1] - by_note[0])


def test_no_resamples_means_no_intervals():
    data = {"m": MarkerData(np.array([True, False]), np.array([True, False]), np.array([0.9, 0.1]))}
    assert bootstrap_intervals(["a", "b"], data, n_resamples=0) == {}
