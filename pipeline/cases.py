"""The case timeline: the 24-hour rule and per-case summaries (GUIDELINES M4).

A worrying note is handled when it, or a note of the same case written within the window
(24 hours by the model's config) after it, records that the information was treated as a
notification. A scan meets the notes of a case in any order, across chunks and files, so the
rule works in two steps:

1. while notes are analysed, `HandlingIndex.add` keeps, per case, only when each note that
   records handling was written and where (note id, offsets, the matched words): no note text;
2. `resolve_unhandled` then clears each flagged note whose case has such a note within the
   window after it, and points its evidence at that note.

`apply_case_timeline` does both in memory (evaluate, explain, tests); `case_summary` gives the
review queue and reports each case's markers over time.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from pipeline.schema import CONCERN_TYPES, MARKERS, UNHANDLED_CONCERN, Evidence, MarkerResult, NoteFlags

DEFAULT_WINDOW = timedelta(hours=24)


class HandlingIndex:
    """Per case: the times and places of notes that record handling as a notification."""

    def __init__(self) -> None:
        self._by_case: dict[str, list[tuple[datetime, str, Evidence]]] = defaultdict(list)
        self._sorted: set[str] = set()

    def add(self, case_id: str, note_id: str, written_at: datetime, handling: list[Evidence]) -> None:
        """Remember a note's first handling record (a note without one is not stored)."""
        if not handling:
            return
        first = handling[0]
        compact = Evidence(first.start, first.end, first.text, first.reason, note_id=note_id)
        self._by_case[case_id].append((written_at, note_id, compact))
        self._sorted.discard(case_id)

    def find(self, case_id: str, after: datetime, within: timedelta, exclude_note_id: str) -> tuple[str, Evidence] | None:
        """The earliest handling note of the case written in [after, after + within], not the note itself."""
        found = self.find_entry(case_id, after, within, exclude_note_id)
        return None if found is None else (found[1], found[2])

    def find_entry(self, case_id: str, after: datetime, within: timedelta, exclude_note_id: str) -> tuple[datetime, str, Evidence] | None:
        """Like `find`, with the handling note's time: (written_at, note_id, evidence)."""
        entries = self._by_case.get(case_id)
        if not entries:
            return None
        if case_id not in self._sorted:
            entries.sort(key=lambda e: (e[0], e[1]))
            self._sorted.add(case_id)
        i = bisect.bisect_left(entries, after, key=lambda e: e[0])
        limit = after + within
        while i < len(entries) and entries[i][0] <= limit:
            if entries[i][1] != exclude_note_id:
                return entries[i]
            i += 1
        return None

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_case.values())


def resolve_unhandled(
    flags: NoteFlags,
    written_at: datetime,
    index: HandlingIndex,
    window: timedelta = DEFAULT_WINDOW,
    cleared_score: float = 0.05,
) -> NoteFlags:
    """Clear `unhandled_concern` when a later note of the case handled it within the window.

    The evidence then points at the handling note ("Behandlet som underretning i notat X,
    2 timer senere"); the concern types stay, so reports still count the concern.
    """
    result = flags.markers[UNHANDLED_CONCERN]
    if not result.flag:
        return flags
    found = index.find_entry(flags.case_id, written_at, window, flags.note_id)
    if found is None:
        return flags
    handled_at, note_id, handling = found
    pointer = Evidence(
        handling.start, handling.end, handling.text,
        f"Behandlet som underretning i notat {note_id}, {_delay_da(handled_at - written_at)}", note_id=note_id,
    )
    markers = dict(flags.markers)
    markers[UNHANDLED_CONCERN] = MarkerResult(
        flag=False, score=min(result.score, cleared_score), evidence=[pointer],
        concern_types=list(result.concern_types or []),
    )
    return NoteFlags(note_id=flags.note_id, case_id=flags.case_id, model=flags.model, markers=markers)


def _delay_da(delta: timedelta) -> str:
    """"2 timer senere", "45 minutter senere", "samtidig"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes <= 0:
        return "samtidig"
    if minutes < 60:
        return f"{minutes} minut{'' if minutes == 1 else 'ter'} senere"
    hours = round(minutes / 60)
    return f"{hours} time{'' if hours == 1 else 'r'} senere"


def apply_case_timeline(analyses: Sequence[Any], window: timedelta = DEFAULT_WINDOW, cleared_score: float = 0.05) -> list[NoteFlags]:
    """The 24-hour rule over analyses held in memory (models.base.NoteAnalysis), in input order."""
    index = HandlingIndex()
    for a in analyses:
        index.add(a.flags.case_id, a.flags.note_id, a.written_at, a.handling)
    return [resolve_unhandled(a.flags, a.written_at, index, window, cleared_score) for a in analyses]


# --- case summaries ---------------------------------------------------------------------------


@dataclass(slots=True)
class TimelineEntry:
    note_id: str
    written_at: datetime
    flagged: list[str]
    concern_types: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"note_id": self.note_id, "written_at": self.written_at.isoformat(timespec="minutes"),
                "flagged": list(self.flagged), "concern_types": list(self.concern_types)}


@dataclass(slots=True)
class CaseSummary:
    """One case's markers over time: for the review queue's case view and for reports."""

    case_id: str
    notes: int = 0
    first_note: datetime | None = None
    last_note: datetime | None = None
    flagged_notes: int = 0
    per_marker: dict[str, int] = field(default_factory=lambda: {m: 0 for m in MARKERS})
    concern_types: list[str] = field(default_factory=list)
    open_concerns: list[str] = field(default_factory=list)  # notes whose concern is still unhandled
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def flag_rate(self) -> float:
        return self.flagged_notes / self.notes if self.notes else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "notes": self.notes,
            "first_note": self.first_note.isoformat(timespec="minutes") if self.first_note else None,
            "last_note": self.last_note.isoformat(timespec="minutes") if self.last_note else None,
            "flagged_notes": self.flagged_notes,
            "flag_rate": round(self.flag_rate, 4),
            "per_marker": dict(self.per_marker),
            "concern_types": list(self.concern_types),
            "open_concerns": list(self.open_concerns),
            "timeline": [e.to_dict() for e in self.timeline],
        }


def case_summary(flags_with_times: Iterable[tuple[NoteFlags, datetime]]) -> list[CaseSummary]:
    """Per case, in case-id order: counts per marker, concern types met, still-open concerns,
    and the timeline of flagged markers note by note (oldest first)."""
    cases: dict[str, list[tuple[datetime, NoteFlags]]] = defaultdict(list)
    for flags, written_at in flags_with_times:
        cases[flags.case_id].append((written_at, flags))
    out = []
    for case_id in sorted(cases):
        entries = sorted(cases[case_id], key=lambda e: (e[0], e[1].note_id))
        summary = CaseSummary(case_id=case_id, notes=len(entries), first_note=entries[0][0], last_note=entries[-1][0])
        types_seen: set[str] = set()
        for written_at, flags in entries:
            flagged = flags.flagged
            types = list(flags.markers[UNHANDLED_CONCERN].concern_types or [])
            types_seen.update(types)
            if flagged:
                summary.flagged_notes += 1
            for marker in flagged:
                summary.per_marker[marker] += 1
            if UNHANDLED_CONCERN in flagged:
                summary.open_concerns.append(flags.note_id)
            summary.timeline.append(TimelineEntry(flags.note_id, written_at, flagged, types))
        summary.concern_types = [t for t in CONCERN_TYPES if t in types_seen]
        out.append(summary)
    return out
