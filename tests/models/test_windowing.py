"""Windows over sentences: whole sentences, a budget, one sentence of overlap."""

import pytest

from models.windowing import cut_span, pack_windows, window_spans


def test_a_short_note_is_one_window():
    assert pack_windows([5, 7, 3], budget=20) == [(0, 3)]


def test_windows_fill_up_to_the_budget_and_share_one_sentence():
    assert pack_windows([4, 4, 4, 4, 4], budget=10) == [(0, 2), (1, 3), (2, 4), (3, 5)]


def test_without_overlap_windows_follow_each_other():
    assert pack_windows([4, 4, 4, 4, 4], budget=10, overlap=0) == [(0, 2), (2, 4), (4, 5)]


def test_a_window_of_one_sentence_still_moves_forward():
    assert pack_windows([9, 9, 9], budget=10) == [(0, 1), (1, 2), (2, 3)]


def test_every_sentence_is_in_some_window():
    lengths = [3, 8, 1, 1, 9, 2, 7, 7, 4]
    windows = pack_windows(lengths, budget=12)
    covered = {i for first, last in windows for i in range(first, last)}
    assert covered == set(range(len(lengths)))
    assert all(sum(lengths[first:last]) <= 12 for first, last in windows)


def test_an_empty_note_has_no_windows():
    assert pack_windows([], budget=10) == []


def test_a_sentence_over_the_budget_must_be_cut_first():
    with pytest.raises(ValueError, match="exceed the budget"):
        pack_windows([3, 30], budget=10)


def test_a_long_sentence_is_cut_at_token_boundaries():
    # "aa bb cc dd ee": five two-letter tokens at 0, 3, 6, 9, 12
    offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14)]
    pieces = cut_span((0, 14), offsets, budget=2)
    assert pieces == [(0, 6), (6, 12), (12, 14)]


def test_a_sentence_that_fits_is_not_cut():
    assert cut_span((5, 20), [(5, 9), (10, 20)], budget=4) == [(5, 20)]


def test_window_spans_run_from_the_first_to_the_last_sentence():
    spans = [(0, 10), (11, 30), (31, 40)]
    assert window_spans(spans, [(0, 2), (1, 3)]) == [(0, 30), (11, 40)]
