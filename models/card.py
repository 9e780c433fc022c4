"""The model card: MODEL_CARD.md for people, card.json for tools (`journaltjek models show`).

A card says what the model is (backend, version, date, library versions), what it learned from
(training file, its sha256, number of notes, how the targets were built), how it decides
(thresholds and the dev targets they were chosen for) and how well it does (precision, recall
and F1 per marker on the dev and test splits, when the training run measured them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from pipeline.schema import MARKER_NAMES_DA, MARKERS

CARD_MD = "MODEL_CARD.md"
CARD_JSON = "card.json"


def write_card(directory: str | Path, config: Mapping[str, Any], metrics: Mapping[str, Any] | None = None) -> None:
    """Write MODEL_CARD.md and card.json into `directory`.

    `metrics`: {split name: {marker: {"precision", "recall", "f1", "support"}, ...,
    "notes_per_second": float (optional), "gold": file name (optional)}}.
    """
    directory = Path(directory)
    metrics = dict(metrics or {})
    card = {
        "name": config.get("name"),
        "backend": config.get("backend"),
        "version": config.get("version"),
        "created_at": config.get("created_at"),
        "trained_on": config.get("trained_on"),
        "training_targets": config.get("training_targets"),
        "seed": config.get("seed"),
        "thresholds": config.get("thresholds"),
        "threshold_targets": config.get("threshold_targets"),
        "params": config.get("params"),
        "libraries": config.get("libraries"),
        "metrics": metrics,
    }
    with open(directory / CARD_JSON, "w", encoding="utf-8") as fh:
        json.dump(card, fh, ensure_ascii=False, indent=2, default=str)
        fh.write("\n")
    (directory / CARD_MD).write_text(card_markdown(card), encoding="utf-8")


def read_card(directory: str | Path) -> dict[str, Any] | None:
    path = Path(directory) / CARD_JSON
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_card_metrics(directory: str | Path) -> dict[str, Any]:
    card = read_card(directory)
    return dict(card.get("metrics") or {}) if card else {}


def metrics_table(metrics: Mapping[str, Any]) -> list[str]:
    """Markdown rows: one line per split and marker with P / R / F1 / support."""
    lines = ["| split | marker | precision | recall | F1 | support |", "|---|---|---:|---:|---:|---:|"]
    for split, figures in metrics.items():
        for marker in MARKERS:
            m = (figures or {}).get(marker)
            if not m:
                continue
            lines.append(
                f"| {split} | {marker} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m.get('support', '')} |"
            )
    return lines


def card_markdown(card: Mapping[str, Any]) -> str:
    trained = card.get("trained_on") or {}
    lines = [
        f"# Model card: {card.get('name')} ({card.get('backend')} {card.get('version')})",
        "",
        "Flags four quality markers in Danish child-welfare journal notes for a review queue "
        "(see GUIDELINES.md). Every flag quotes its evidence; a reviewer decides.",
        "",
        "## Model",
        "",
        f"- backend: `{card.get('backend')}`",
        f"- version: {card.get('version')}",
    ]
    lines += [f"- {label}: {card[key]}" for key, label in (("created_at", "created"), ("seed", "seed")) if card.get(key) is not None]
    params = card.get("params") or {}
    if params:
        lines.append("- parameters: " + ", ".join(f"`{k}={v}`" for k, v in params.items()))
    lines += ["", "## Training data", ""]
    if trained:
        lines += [
            f"- file: {trained.get('file') or '(notes given in code)'}",
            f"- sha256: `{trained.get('sha256')}`",
            f"- notes: {trained.get('n_notes')}",
        ]
        if trained.get("synthetic"):
            lines.append(f"- synthetic notes added: {trained.get('synthetic')}")
        if trained.get("dev_file"):
            lines.append(f"- thresholds chosen on: {trained.get('dev_file')}")
    else:
        lines.append("- not trained from data (rules written by hand)")
    if card.get("training_targets"):
        lines += ["", f"Training targets: {card['training_targets']}. The case timeline (24-hour rule) then "
                  "clears a concern handled by a later note of the same case, using the rules' handling detection."]
    lines += ["", "## Decision thresholds", "", "| marker | reviewer name | threshold | chosen for (on dev) |", "|---|---|---:|---|"]
    thresholds = card.get("thresholds") or {}
    targets = card.get("threshold_targets") or {}
    for marker in MARKERS:
        value = thresholds.get(marker)
        shown = f"{value:.4f}" if isinstance(value, (int, float)) else "-"
        lines.append(f"| {marker} | {MARKER_NAMES_DA[marker]} | {shown} | {targets.get(marker, 'set by hand')} |")
    metrics = card.get("metrics") or {}
    lines += ["", "## Metrics", ""]
    if metrics:
        chosen_on_dev = "Thresholds were chosen on dev" if targets else "The rules were written and tuned reading the train and dev notes"
        lines.append("Measured on the gold splits after the case timeline, exactly as `journaltjek scan` flags. "
                     f"{chosen_on_dev}, so dev figures are optimistic; test was never used for tuning.")
        lines.append("")
        lines += metrics_table(metrics)
        speeds = {split: f.get("notes_per_second") for split, f in metrics.items() if isinstance(f, dict) and f.get("notes_per_second")}
        if speeds:
            lines.append("")
            lines.append("Speed (one CPU process, notes/s): " + ", ".join(f"{s}: {v:.0f}" for s, v in speeds.items()))
    else:
        lines.append("No metrics recorded: train with `journaltjek train --dev ... --test ...` to measure them.")
    libraries = card.get("libraries") or {}
    if libraries:
        lines += ["", "## Libraries", "", ", ".join(f"{k} {v}" for k, v in libraries.items())]
    lines += [
        "",
        "## Limits",
        "",
        "- Trained on a small hand-written gold set in the project's own dialect of journal Danish; "
        "re-measure on your own reviewed notes before trusting the figures.",
        "- A flag is a prompt for a reviewer, never a decision about a child or a caseworker.",
        "",
    ]
    return "\n".join(lines)
