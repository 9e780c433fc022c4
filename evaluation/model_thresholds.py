"""Write chosen thresholds into a model directory's config.yaml.

Only the top-level `thresholds:` block changes: other keys, their order and any comments stay as
the model's author wrote them, and thresholds for markers that were not re-chosen are kept. The
file is replaced atomically so that a model is never left with half a config.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Mapping

import yaml

CONFIG_NAME = "config.yaml"
_TOP_LEVEL_THRESHOLDS = re.compile(r"^thresholds\s*:")


def _threshold_block(thresholds: Mapping[str, float]) -> str:
    return yaml.safe_dump({"thresholds": {m: float(v) for m, v in thresholds.items()}}, sort_keys=False)


def _replace_block(text: str, block: str) -> str:
    """Swap the top-level `thresholds:` block (its line and the indented lines under it)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _TOP_LEVEL_THRESHOLDS.match(line)), None)
    if start is None:
        separator = "" if not text or text.endswith("\n") else "\n"
        return text + separator + block
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    # blank lines that separated the block from the next key stay
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def write_thresholds(model_dir: str | Path, thresholds: Mapping[str, float]) -> dict[str, float]:
    """Merge `thresholds` into `model_dir/config.yaml`; return the thresholds now in the file."""
    path = Path(model_dir) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: not a model directory")
    text = path.read_text(encoding="utf-8")
    config = yaml.safe_load(text) or {}
    if not isinstance(config, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    existing = config.get("thresholds") or {}
    if not isinstance(existing, dict):
        raise ValueError(f"{path}: 'thresholds' is not a mapping")
    merged = {**existing, **{m: float(v) for m, v in thresholds.items()}}
    expected = {**config, "thresholds": {m: float(v) for m, v in merged.items()}}
    new_text = _replace_block(text, _threshold_block(merged))
    if yaml.safe_load(new_text) != expected:
        # an unusual layout (flow style, anchors): fall back to rewriting the whole mapping
        new_text = yaml.safe_dump(expected, sort_keys=False, allow_unicode=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config.", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new_text)
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)
    return expected["thresholds"]
