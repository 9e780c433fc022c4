"""Inter-annotator agreement: Cohen's κ for two annotators, Krippendorff's α for any number.

Plain functions on label sequences, so that the gold-data work, the evaluation report and the
`journaltjek agreement` command compute agreement the same way. Both statistics correct raw
agreement for the agreement expected by chance; both are NaN when chance agreement is already
perfect (every annotator used one and the same label), where they are undefined.
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Sequence


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Share of items where the two annotators gave the same label."""
    if len(a) != len(b):
        raise ValueError(f"annotators labelled different numbers of items ({len(a)} vs {len(b)})")
    if not a:
        return float("nan")
    return sum(x == y for x, y in zip(a, b)) / len(a)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's κ = (pₒ − pₑ) / (1 − pₑ), pₑ from each annotator's own label distribution."""
    observed = percent_agreement(a, b)
    if not a:
        return float("nan")
    n = len(a)
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected >= 1.0:
        return float("nan")
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha_nominal(reliability_data: Sequence[Sequence[Hashable | None]]) -> float:
    """Krippendorff's α for nominal labels.

    `reliability_data[i][u]` is annotator i's label for item u, or None where i did not label u.
    Items with fewer than two labels carry no information about agreement and are skipped.
    α = 1 − Dₒ / Dₑ from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
    Alpha-Reliability").
    """
    if not reliability_data:
        return float("nan")
    n_items = len(reliability_data[0])
    if any(len(row) != n_items for row in reliability_data):
        raise ValueError("every annotator's row must cover the same items (use None for missing labels)")
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    for item in range(n_items):
        values = Counter(row[item] for row in reliability_data if row[item] is not None)
        pairable = sum(values.values())
        if pairable < 2:
            continue
        for c, count_c in values.items():
            for k, count_k in values.items():
                pairs = count_c * (count_c - 1) if c == k else count_c * count_k
                coincidence[(c, k)] += pairs / (pairable - 1)
    marginals: Counter[Hashable] = Counter()
    for (c, _k), weight in coincidence.items():
        marginals[c] += weight
    total = sum(marginals.values())
    if total <= 1:
        return float("nan")
    observed_disagreement = sum(w for (c, k), w in coincidence.items() if c != k)
    expected_disagreement = sum(marginals[c] * marginals[k] for c in marginals for k in marginals if c != k)
    if expected_disagreement == 0:
        return float("nan")
    return 1.0 - (total - 1) * observed_disagreement / expected_disagreement
