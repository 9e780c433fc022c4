"""Agreement between gold files labelled by different annotators, per label.

Notes are matched by note_id. Only notes present in every file are compared; the others are
reported by id so that a missing annotation is visible instead of silently lowering the count.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Sequence

from annotations.schema import BINARY_LABELS, GoldRecord, read_gold
from evaluation.agreement import cohen_kappa, krippendorff_alpha_nominal, percent_agreement


def annotator_names(paths: Sequence[Path]) -> list[str]:
    """File stems, made unique (`a`, `a#2`) when two files share a name."""
    names: list[str] = []
    for path in paths:
        name = path.stem
        if name in names:
            name = f"{name}#{sum(n.split('#')[0] == name for n in names) + 1}"
        names.append(name)
    return names


def label_agreement(label: str, names: Sequence[str], records: Sequence[dict[str, GoldRecord]], note_ids: Sequence[str]) -> dict:
    """κ (two annotators), α (any number), raw agreement and the notes where annotators differ."""
    rows = [[by_id[note_id].labels[label] for note_id in note_ids] for by_id in records]
    disagreeing = [note_id for i, note_id in enumerate(note_ids) if len({row[i] for row in rows}) > 1]
    result: dict = {
        "label": label,
        "n_notes": len(note_ids),
        "positives": {name: int(sum(row)) for name, row in zip(names, rows)},
        "percent_agreement": (1.0 - len(disagreeing) / len(note_ids)) if note_ids else None,
        "krippendorff_alpha": krippendorff_alpha_nominal(rows) if note_ids else float("nan"),
        "cohen_kappa": cohen_kappa(rows[0], rows[1]) if len(rows) == 2 and note_ids else None,
        "pairwise_kappa": {
            f"{names[i]} / {names[j]}": cohen_kappa(rows[i], rows[j]) for i, j in combinations(range(len(rows)), 2)
        } if note_ids else {},
        "pairwise_agreement": {
            f"{names[i]} / {names[j]}": percent_agreement(rows[i], rows[j]) for i, j in combinations(range(len(rows)), 2)
        } if note_ids else {},
        "disagreeing_note_ids": disagreeing,
    }
    return result


def agreement_report(paths: Sequence[str | Path]) -> dict:
    """Read the gold files and compute agreement per label (the four markers and concern_present).

    Raises annotations.schema.GoldFormatError for a malformed file and ValueError for fewer
    than two files.
    """
    paths = [Path(p) for p in paths]
    if len(paths) < 2:
        raise ValueError("agreement needs at least two annotation files")
    names = annotator_names(paths)
    records = [{r.note.note_id: r for r in read_gold(path)} for path in paths]
    all_ids: list[str] = []
    seen: set[str] = set()
    for by_id in records:
        for note_id in by_id:
            if note_id not in seen:
                seen.add(note_id)
                all_ids.append(note_id)
    shared = [note_id for note_id in all_ids if all(note_id in by_id for by_id in records)]
    not_in_all = {
        note_id: [name for name, by_id in zip(names, records) if note_id in by_id]
        for note_id in all_ids
        if note_id not in set(shared)
    }
    text_differs = [
        note_id for note_id in shared if len({by_id[note_id].note.text for by_id in records}) > 1
    ]
    return {
        "files": [str(p) for p in paths],
        "annotators": names,
        "n_notes_compared": len(shared),
        "notes_not_in_all_files": {"count": len(not_in_all), "present_in": not_in_all},
        "notes_with_differing_text": {"count": len(text_differs), "note_ids": text_differs},
        "labels": {label: label_agreement(label, names, records, shared) for label in BINARY_LABELS},
    }


def format_agreement(report: dict, max_ids: int = 10) -> str:
    """A plain-text table for the terminal; the JSON output holds every id."""
    two = len(report["annotators"]) == 2
    lines = [
        f"Annotatorer: {', '.join(report['annotators'])} — {report['n_notes_compared']} notater sammenlignet",
        "",
        f"{'label':<28} {'enighed':>8} {'kappa' if two else '':>7} {'alpha':>7} {'uenige':>7}  noter med uenighed",
    ]
    for label, row in report["labels"].items():
        ids = row["disagreeing_note_ids"]
        shown = ", ".join(ids[:max_ids]) + (f", … (+{len(ids) - max_ids})" if len(ids) > max_ids else "")
        lines.append(
            f"{label:<28} {_fmt(row['percent_agreement']):>8} {_fmt(row['cohen_kappa']) if two else '':>7} "
            f"{_fmt(row['krippendorff_alpha']):>7} {len(ids):>7}  {shown}"
        )
    missing = report["notes_not_in_all_files"]
    if missing["count"]:
        ids = list(missing["present_in"])
        lines += ["", f"{missing['count']} notater findes ikke i alle filer: {', '.join(ids[:max_ids])}" + (" …" if len(ids) > max_ids else "")]
    differing = report["notes_with_differing_text"]
    if differing["count"]:
        lines.append(f"{differing['count']} notater har forskellig tekst i filerne: {', '.join(differing['note_ids'][:max_ids])}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:.3f}"
