"""The random draws the generator makes for every note, cheaper than `random.Random`'s own methods.

Each helper consumes the random stream exactly as documented, so that a seed keeps writing the
same corpus: `choose` and `between` take one `random()` each, `weighted` one `random()`, and
`below(rng, n)` draws what `rng.randrange(n)` draws (a test holds the two together).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from typing import Any, Sequence


def choose(options: Sequence, rng: Any) -> Any:
    """One element drawn uniformly; a cheaper `rng.choice` (one C call) for the hot paths."""
    return options[int(rng.random() * len(options))]


def between(rng: Any, low: int, high: int) -> int:
    """A uniform integer in [low, high]; a cheaper `rng.randint`."""
    return low + int(rng.random() * (high - low + 1))


def below(rng: Any, n: int) -> int:
    """`rng.randrange(n)` for n > 0, without its argument checks (the same bits drawn)."""
    k = n.bit_length()
    r = rng.getrandbits(k)
    while r >= n:
        r = rng.getrandbits(k)
    return r


class WeightedOptions:
    """Options with integer weights, ready for `weighted` (cumulative weights computed once)."""

    __slots__ = ("options", "cumulative", "total")

    def __init__(self, options: Sequence, weights: Sequence[int]):
        if len(options) != len(weights) or not options:
            raise ValueError("weighted options need one weight per option")
        self.options = tuple(options)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = float(self.cumulative[-1])


def weighted(rng: Any, table: WeightedOptions) -> Any:
    """One option drawn by weight."""
    return table.options[bisect_right(table.cumulative, rng.random() * table.total)]
