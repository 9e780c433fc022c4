"""Every backend trained and evaluated on the same splits, plus a noisy copy of test, in one table.

`journaltjek compare` (and `make compare`) trains each backend with `models.training.train_model`
on the same training file and seed, chooses thresholds on the same dev file, and measures each
model on dev, test and a noisy copy of test (typos, lower-casing, stripped headings,
abbreviations: `annotations.noise`, seeded per note exactly like `journaltjek noisy`). The rules
model is also shown as shipped, with its hand-set thresholds. The result is one Markdown
table, written between two marker comments in README.md so that a rerun replaces it.
"""

from __future__ import annotations

import json
import logging
import platform
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from annotations.noise import make_noisy
from annotations.schema import GoldRecord, write_gold
from models.training import TrainingSpec, measure, read_split, train_model
from pipeline.schema import MARKERS

log = logging.getLogger(__name__)

DEFAULT_BACKENDS: tuple[str, ...] = ("rules", "sklearn", "hybrid", "spacy", "transformer")
README_START = "<!-- models-comparison:start (written by `journaltjek compare`; edits here are overwritten) -->"
README_END = "<!-- models-comparison:end -->"
SPLITS: tuple[str, ...] = ("dev", "test", "test_noisy")
SPLIT_NAMES = {"dev": "dev", "test": "test", "test_noisy": "test, noisy"}
SHORT_MARKER = {
    "missing_assessment": "M1 vurdering",
    "missing_child_conversation": "M2 børnesamtale",
    "authority_jargon": "M3 myndighedssprog",
    "unhandled_concern": "M4 bekymring",
}


@dataclass(slots=True)
class ComparisonSpec:
    train: Path
    dev: Path
    test: Path
    output: Path  # model directories, the noisy copy and comparison.json go here
    backends: Sequence[str] = DEFAULT_BACKENDS
    seed: int = 0
    synthetic: int = 0
    noise_seed: int = 0
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # backend -> --param values
    shipped_rules: bool = True
    # extra rows: (backend, N) trains that backend again with N synthetic notes added
    synthetic_variants: Sequence[tuple[str, int]] = ()


def variant_label(backend: str, synthetic: int) -> str:
    return f"{backend} + {synthetic} synthetic"


def noisy_copy(records: Sequence[GoldRecord], seed: int) -> list[GoldRecord]:
    """The noisy copy `journaltjek noisy --seed SEED` would write (each note's noise from seed and id)."""
    return [make_noisy(r, random.Random(f"{seed}:{r.note.note_id}")) for r in records]


def model_size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6


def run_comparison(spec: ComparisonSpec, progress: bool = True) -> dict[str, Any]:
    """Train and measure every backend; return the JSON-ready result (also written to output)."""
    output = Path(spec.output)
    output.mkdir(parents=True, exist_ok=True)
    test = read_split(spec.test, "test")
    noisy = noisy_copy(test, spec.noise_seed)
    noisy_path = output / "test_noisy.jsonl"
    write_gold(noisy, noisy_path)

    rows: list[dict[str, Any]] = []
    if spec.shipped_rules:
        rows.append(_shipped_rules_row(spec, noisy))
    runs = [(backend, spec.synthetic, variant_label(backend, spec.synthetic) if spec.synthetic else backend) for backend in spec.backends]
    runs += [(backend, n, variant_label(backend, n)) for backend, n in spec.synthetic_variants]
    for backend, synthetic, label in runs:
        log.info("compare: training %s", label)
        directory = output / label.replace(" + ", "+").replace(" ", "-")
        training = TrainingSpec(
            backend=backend, train=Path(spec.train), dev=Path(spec.dev), test=Path(spec.test),
            output=directory, synthetic=synthetic, seed=spec.seed,
            params=dict(spec.params.get(backend, {})),
        )
        result = train_model(training, progress=progress)
        metrics = dict(result.metrics)
        metrics["test_noisy"] = measure(result.model, noisy)
        rows.append({
            "backend": backend,
            "label": label,
            "synthetic": synthetic,
            "model_dir": str(directory),
            "size_mb": round(model_size_mb(directory), 2),
            "train_seconds": round(result.seconds, 1),
            "metrics": metrics,
        })
    result = {
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "train": str(spec.train), "dev": str(spec.dev), "test": str(spec.test),
        "test_noisy": str(noisy_path), "noise_seed": spec.noise_seed,
        "seed": spec.seed, "synthetic": spec.synthetic,
        "machine": f"{platform.machine()}, {_cpu_count()} CPU cores, one process, no GPU",
        "rows": rows,
    }
    with open(output / "comparison.json", "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return result


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


def _shipped_rules_row(spec: ComparisonSpec, noisy: list[GoldRecord]) -> dict[str, Any]:
    """The rules model with its hand-set thresholds, as `models/rules` (or the default) ships it."""
    from models.learned import rule_model_config
    from models.registry import backend_class

    config = rule_model_config()
    model = backend_class("rules")(name="rules", thresholds=config.get("thresholds"), settings=config["markers"],
                                   case_window_hours=float(config.get("case_window_hours", 24)))
    metrics = {
        "dev": measure(model, read_split(spec.dev, "dev")),
        "test": measure(model, read_split(spec.test, "test")),
        "test_noisy": measure(model, noisy),
    }
    return {"backend": "rules", "label": "rules (as shipped)", "model_dir": None, "size_mb": None, "train_seconds": None, "metrics": metrics}


def _cell(figures: dict[str, Any]) -> str:
    return f"{figures['precision']:.2f} / {figures['recall']:.2f} / {figures['f1']:.2f}"


def comparison_table(result: dict[str, Any], default_backend: str | None = None) -> str:
    """The one Markdown table: a row per backend and split, P / R / F1 per marker, macro F1, notes/s."""
    header = ["backend", "split"] + [f"{SHORT_MARKER[m]} P / R / F1" for m in MARKERS] + ["macro F1", "notes/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---", "---"] + ["---:"] * (len(MARKERS) + 2)) + "|"]
    for row in result["rows"]:
        label = f"**{row['label']}** (default)" if default_backend and row["label"] == default_backend else row["label"]
        for split in SPLITS:
            figures = row["metrics"].get(split)
            if not figures:
                continue
            speed = figures.get("notes_per_second")
            cells = [label, SPLIT_NAMES[split]] + [_cell(figures[m]) for m in MARKERS]
            cells += [f"{figures['macro_f1']:.2f}", f"{speed:.0f}" if speed else "-"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_markdown(result: dict[str, Any], default_backend: str | None = None) -> str:
    sizes = ", ".join(
        f"{r['label']} {r['size_mb']:.1f} MB" for r in result["rows"] if r.get("size_mb") is not None
    )
    return "\n".join([
        README_START,
        "",
        comparison_table(result, default_backend),
        "",
        f"Trained on `{result['train']}` (seed {result['seed']}; *+ N synthetic* rows add N notes from `journaltjek synth`), thresholds "
        f"chosen on `{result['dev']}` (best F1; recall ≥ 0.95 for M4), measured after the case timeline. Dev figures are "
        f"therefore optimistic; test was never used for a choice. *Noisy* is a copy of test with typos, lower-casing, "
        f"stripped headings and abbreviations (`journaltjek noisy --seed {result['noise_seed']}`). notes/s: one process on "
        f"{result['machine']}, reading included. Model sizes: {sizes}. Generated {result['generated_at']}.",
        "",
        README_END,
    ])


def write_readme_table(readme: Path, markdown: str) -> None:
    """Replace the table between the marker comments in `readme` (append it when absent)."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if README_START in text and README_END in text:
        before = text[: text.index(README_START)]
        after = text[text.index(README_END) + len(README_END):]
        text = before + markdown + after
    else:
        text = text.rstrip("\n") + "\n\n" + markdown + "\n"
    readme.write_text(text, encoding="utf-8")
