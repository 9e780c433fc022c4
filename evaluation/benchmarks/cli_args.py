"""Command-line values the benchmark scripts share."""

from __future__ import annotations

import argparse


def positive_int_list(text: str) -> list[int]:
    """"10000,100_000" -> [10000, 100000]; anything else is a usage error naming the value."""
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of whole numbers") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"'{text}' must list positive numbers")
    return values
