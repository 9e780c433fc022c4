"""The synthetic corpus: cases planned, cast, written and labelled, one case at a time.

Determinism: each case has its own `random.Random`, seeded from the master seed and the case's
index, so a case does not depend on how many random numbers earlier cases used; the same seed
gives a byte-identical file. Streaming: a case is yielded as soon as it is written, so memory
does not grow with `n`.
"""

from __future__ import annotations

import random
from typing import Any, Iterator

from annotations.synth.labels import note_labels
from annotations.synth.notes import NoteRenderer
from annotations.synth.storyline import STYLES, StorylinePlanner

CASE_INDEX_BITS = 40


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

    def case_records(self, index: int, max_notes: int | None = None) -> list[dict[str, Any]]:
        rng = case_rng(self.seed, index)
        case = self.planner.plan(rng, index, max_notes)
        values = self.renderer.cast(case, rng)
        date_style = rng.randrange(3)
        case_id = f"syn{self.seed}-{index + 1:07d}"
        note_ids = [f"{case_id}-{k + 1:02d}" for k in range(len(case.notes))]
        records = []
        for k, plan in enumerate(case.notes):
            note = self.renderer.render(case, k, values, rng, date_style)
            labels, evidence, handling = note_labels(case, k, note)
            synth: dict[str, Any] = {
                "kind": plan.kind,
                "step": plan.step,
                "assessment": plan.assessment,
                "child_hearing": plan.child_hearing,
                "jargon_items": note.jargon,
                "jargon_mode": plan.jargon_mode if plan.style != "admin" else "admin",
                "noise": plan.noise,
                "handles": [note_ids[i] for i in plan.handles],
            }
            if plan.concern is not None:
                synth["concern"] = {
                    "types": list(plan.concern.types),
                    "source": plan.concern.source,
                    "handled_here": plan.handling,
                    "outcome": handling["outcome"],
                    "handled_in": note_ids[handling["handled_in"]] if handling["handled_in"] is not None else None,
                }
            elif plan.handles:
                synth["handling"] = plan.handling
            if plan.mentions:
                synth["mentions"] = [{"kind": kind, "type": t} for kind, t in plan.mentions]
            if plan.decision:
                synth["decision"] = plan.decision
            records.append(
                {
                    "note_id": note_ids[k],
                    "case_id": case_id,
                    "written_at": plan.at.isoformat(timespec="minutes"),
                    "text": note.text,
                    "title": note.title,
                    "note_type": note.note_type,
                    "team": note.team,
                    "author_id": note.author_id,
                    "child_age": case.age,
                    "labels": labels,
                    "evidence": evidence,
                    "style": plan.style,
                    "synth": synth,
                }
            )
        return records

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
