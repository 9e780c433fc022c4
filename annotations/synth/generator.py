"""The synthetic corpus: cases planned, cast, written and labelled, one case at a time.

Determinism: each case has its own `random.Random`, seeded from the master seed and the case's
index, so a case does not depend on how many random numbers earlier cases used; the same seed
gives a byte-identical file. Streaming: a case is yielded as soon as it is written, so memory
does not grow with `n`.

A case is built once (`build_case`); records.py turns it into gold-format dicts, or straight into
file text with the same bytes as those dicts serialized (for fast corpus writing).
"""

from __future__ import annotations

import random
from typing import Any, Iterator

from annotations.synth.draws import below
from annotations.synth.labels import note_labels
from annotations.synth.notes import NoteRenderer
from annotations.synth.records import BuiltCase, BuiltNote, case_csv, case_jsonl, case_records
from annotations.synth.storyline import STYLES, CasePlan, StorylinePlanner

CASE_INDEX_BITS = 40
NOTE_SUFFIXES = tuple(f"-{k + 1:02d}" for k in range(99))  # a case has 3 to 8 notes


def case_rng(seed: int, index: int) -> random.Random:
    """The random source of case `index` under master `seed` (distinct for every pair)."""
    if seed < 0 or index >= 1 << CASE_INDEX_BITS:
        raise ValueError("seed must be >= 0 and the case index below 2**40")
    return random.Random((seed << CASE_INDEX_BITS) | index)


class SyntheticCorpus:
    """Gold-format records (dicts) of synthetic cases.

    Each record carries the Note fields, `labels`, `evidence` (quoted spans for the labels that are
    1), `style`, and `synth`: what was built — the note kind, the assessment and child-hearing
    variants, the jargon items, the concern and where it was handled — so tests can check the labels
    against the build independently.
    """

    def __init__(self, seed: int = 0, styles: tuple[str, ...] = STYLES, renderer: NoteRenderer | None = None):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = seed
        self.planner = StorylinePlanner(styles)
        self.renderer = renderer or NoteRenderer()

    def build_case(self, index: int, max_notes: int | None = None) -> BuiltCase:
        rng = case_rng(self.seed, index)
        case = self.planner.plan(rng, index, max_notes)
        renderer = self.renderer
        values = renderer.cast(case, rng)
        date_style = below(rng, 3)
        case_id = f"syn{self.seed}-{index + 1:07d}"
        note_ids = [case_id + suffix for suffix in NOTE_SUFFIXES[: len(case.notes)]]
        notes = []
        for k in range(len(case.notes)):
            note = renderer.render(case, k, values, rng, date_style)
            labels, evidence, handling = note_labels(case, k, note)
            notes.append(BuiltNote(note_ids[k], note, labels, evidence, handling))
        return BuiltCase(case_id, case, note_ids, notes)

    def case_records(self, index: int, max_notes: int | None = None) -> list[dict[str, Any]]:
        return case_records(self.build_case(index, max_notes))

    def case_text(self, index: int, fmt: str, max_notes: int | None = None) -> tuple[int, str]:
        """(note count, the case's notes as file text in format `fmt`): the same text as
        `writers.serialize(self.case_records(index, max_notes), fmt)`, without building the dicts."""
        built = self.build_case(index, max_notes)
        return len(built.notes), (case_csv(built) if fmt == "csv" else case_jsonl(built))

    def records(self, n: int) -> Iterator[dict[str, Any]]:
        """Exactly `n` records: whole cases, the last one cut short to fit."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        written = 0
        index = 0
        while written < n:
            batch = self.case_records(index, max_notes=n - written)
            yield from batch
            written += len(batch)
            index += 1

