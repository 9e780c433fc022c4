"""Precision at a stated real-world prevalence.

A gold set is usually enriched with positives, so its precision overstates what the review
queue will see in a real archive, where, say, only 5 % of notes hold an unhandled concern.
Recall (sensitivity) and the false positive rate do not depend on prevalence, so precision at
prevalence p follows from Bayes' rule:

    PPV = sens·p / (sens·p + (1 − spec)·(1 − p)),   with 1 − spec = false positive rate.
"""

from __future__ import annotations

import numpy as np


def precision_at_prevalence(recall, false_positive_rate, prevalence: float):
    """PPV at `prevalence` from sensitivity and false positive rate; 0.0 when nothing would be
    flagged. Accepts scalars or numpy arrays (the bootstrap passes arrays)."""
    if not 0.0 < prevalence < 1.0:
        raise ValueError(f"prevalence must lie strictly between 0 and 1, got {prevalence}")
    sens = np.asarray(recall, dtype=float)
    fpr = np.asarray(false_positive_rate, dtype=float)
    true_flags = sens * prevalence
    false_flags = fpr * (1.0 - prevalence)
    total = true_flags + false_flags
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total > 0, true_flags / np.where(total > 0, total, 1.0), 0.0)
    return float(out) if out.ndim == 0 else out


def parse_prevalence_spec(spec: str, known_markers: tuple[str, ...]) -> dict[str, float]:
    """`"unhandled_concern=0.05,authority_jargon=0.2"` → {marker: prevalence}.

    Accepts percentages too (`5%`). Raises ValueError naming the bad item.
    """
    out: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        if "=" not in item:
            raise ValueError(f"prevalence item '{item}' is not MARKER=VALUE")
        marker, value_text = (part.strip() for part in item.split("=", 1))
        if marker not in known_markers:
            raise ValueError(f"prevalence item '{item}': unknown marker '{marker}'; known: {', '.join(known_markers)}")
        try:
            value = float(value_text.rstrip("%")) / (100.0 if value_text.endswith("%") else 1.0)
        except ValueError:
            raise ValueError(f"prevalence item '{item}': '{value_text}' is not a number") from None
        if not 0.0 < value < 1.0:
            raise ValueError(f"prevalence item '{item}': the prevalence must lie strictly between 0 and 1")
        out[marker] = value
    if not out:
        raise ValueError("empty prevalence specification")
    return out
