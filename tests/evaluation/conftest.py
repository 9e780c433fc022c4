"""Fixtures: the hand-made gold file and its predictions, written to a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation_fixtures import HAND_MADE, flag_row, gold_row, write_jsonl


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "gold.jsonl", [gold_row(s) for s in HAND_MADE])


@pytest.fixture
def pred_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "flags.jsonl", [flag_row(s) for s in HAND_MADE])
