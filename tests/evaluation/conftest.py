"""Fixtures: the hand-made gold file and its predictions, written to a temporary directory."""

from __future__ import annotations

import sys
from pathlib import Path

# The helper module beside this file (pytest runs with --import-mode=importlib, which adds no paths).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

from evaluation_fixtures import HAND_MADE, flag_row, gold_row, write_jsonl  # noqa: E402


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "gold.jsonl", [gold_row(s) for s in HAND_MADE])


@pytest.fixture
def pred_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "flags.jsonl", [flag_row(s) for s in HAND_MADE])
