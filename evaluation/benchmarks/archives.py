"""Synthetic archives for the benchmarks: made by `journaltjek synth`, read back in chunks.

Archives are cached by size and seed under the work directory, so a second `make bench` spends
its time on the scan, not on generating notes again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from pipeline.io import read_rows

TEXT_CHUNK = 5000


class BenchmarkSetupError(RuntimeError):
    """The benchmark could not prepare its input (e.g. `journaltjek synth` failed)."""


REPO_ROOT = Path(__file__).resolve().parents[2]


def journaltjek_command(*args: str) -> list[str]:
    """The CLI run with this interpreter, so the benchmark measures the same install it runs in."""
    return [sys.executable, "-m", "pipeline.cli", *args]


def child_env() -> dict[str, str]:
    """The environment for child commands: this checkout first on the import path, so the
    benchmark works from any directory whether or not the package is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def synthetic_archive(n_notes: int, seed: int, workdir: Path) -> Path:
    """`workdir/synth_N_seedS.jsonl`, generated with `journaltjek synth` unless already there."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"synth_{n_notes}_seed{seed}.jsonl"
    if path.is_file() and path.stat().st_size > 0:
        return path
    partial = path.with_suffix(".partial.jsonl")
    result = subprocess.run(
        journaltjek_command("synth", "-n", str(n_notes), "--seed", str(seed), "-o", str(partial)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    if result.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise BenchmarkSetupError(
            f"`journaltjek synth -n {n_notes} --seed {seed}` failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-500:]}\nPass an existing archive with --archive FILE instead."
        )
    partial.rename(path)
    return path


def iter_text_chunks(path: Path, chunk: int = TEXT_CHUNK) -> Iterator[list[str]]:
    """The note texts of an archive in chunks, read the way `scan` reads them (any format)."""
    texts: list[str] = []
    for row in read_rows([path]):
        if row.note is None:
            continue
        texts.append(row.note.text)
        if len(texts) >= chunk:
            yield texts
            texts = []
    if texts:
        yield texts

