"""The gold splits as the backends' `fit` takes them: (notes, label dicts)."""

from __future__ import annotations

from pathlib import Path

from annotations.schema import read_gold

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "gold"


def gold_split(name: str, limit: int | None = None):
    records = read_gold(GOLD / f"{name}.jsonl")[:limit]
    return [r.note for r in records], [r.labels for r in records]
