"""The generator's cheap random draws take the same numbers from the stream as random.Random's own methods."""

from __future__ import annotations

import random

from annotations.synth.draws import WeightedOptions, below, between, choose, weighted


def test_below_draws_what_randrange_draws():
    ours, theirs = random.Random(7), random.Random(7)
    for n in (1, 2, 3, 5, 6, 64, 1000, 1440, 2555, 2**40 + 3):
        assert [below(ours, n) for _ in range(50)] == [theirs.randrange(n) for _ in range(50)], n


def test_choose_and_between_take_one_draw_each_and_stay_in_range():
    rng, shadow = random.Random(3), random.Random(3)
    options = ("a", "b", "c")
    for _ in range(200):
        assert choose(options, rng) in options
        low_high = between(rng, 4, 9)
        assert 4 <= low_high <= 9
        shadow.random()
        shadow.random()
    assert rng.random() == shadow.random()


def test_weighted_follows_the_weights_and_never_draws_a_zero_weight():
    table = WeightedOptions(("x", "y", "z"), (1, 0, 3))
    rng = random.Random(5)
    draws = [weighted(rng, table) for _ in range(4000)]
    assert "y" not in draws
    assert 0.7 < draws.count("z") / len(draws) < 0.8
