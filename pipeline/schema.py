"""The contracts every part of journaltjek shares: the note, the four markers and the flag output.

A `Note` is one journal entry read from an archive. `NoteFlags` is what a model says about it,
serialised exactly as the flag contract in ARCHITECTURE.md:

    {"note_id", "case_id", "model",
     "markers": {MARKER_ID: {"flag", "score", "evidence": [...]}, ...}}

with `concern_types` added under `unhandled_concern`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MISSING_ASSESSMENT = "missing_assessment"
MISSING_CHILD_CONVERSATION = "missing_child_conversation"
AUTHORITY_JARGON = "authority_jargon"
UNHANDLED_CONCERN = "unhandled_concern"

MARKERS: tuple[str, ...] = (
    MISSING_ASSESSMENT,
    MISSING_CHILD_CONVERSATION,
    AUTHORITY_JARGON,
    UNHANDLED_CONCERN,
)

# The names reviewers see (GUIDELINES.md).
MARKER_NAMES_DA: dict[str, str] = {
    MISSING_ASSESSMENT: "Manglende faglig vurdering",
    MISSING_CHILD_CONVERSATION: "Ingen børnesamtale registreret",
    AUTHORITY_JARGON: "Myndighedssprog",
    UNHANDLED_CONCERN: "Bekymring ikke behandlet som underretning",
}

CONCERN_TYPES: tuple[str, ...] = (
    "violence",
    "sexual_abuse",
    "neglect",
    "parental_substance",
    "parental_mental_health",
    "self_harm",
    "child_substance_crime",
    "honour_control",
    "housing_absence",
    "fear_of_home",
)

CONCERN_TYPE_NAMES_DA: dict[str, str] = {
    "violence": "vold",
    "sexual_abuse": "seksuelle overgreb",
    "neglect": "omsorgssvigt",
    "parental_substance": "forældres misbrug",
    "parental_mental_health": "forældres psykiske sygdom",
    "self_harm": "selvskade og selvmordstanker",
    "child_substance_crime": "barnets misbrug eller kriminalitet",
    "honour_control": "æresrelateret konflikt og social kontrol",
    "housing_absence": "bolig, fravær og bortløb",
    "fear_of_home": "barnet er bange for at komme hjem",
}

REQUIRED_NOTE_FIELDS: tuple[str, ...] = ("note_id", "case_id", "written_at", "text")
OPTIONAL_NOTE_FIELDS: tuple[str, ...] = ("title", "note_type", "team", "author_id", "child_age")
NOTE_FIELDS: tuple[str, ...] = REQUIRED_NOTE_FIELDS + OPTIONAL_NOTE_FIELDS


@dataclass(frozen=True, slots=True)
class Note:
    """One journal note. `written_at` is naive local time (archives carry no zone)."""

    note_id: str
    case_id: str
    written_at: datetime
    text: str
    title: str | None = None
    note_type: str | None = None
    team: str | None = None
    author_id: str | None = None
    child_age: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in NOTE_FIELDS}
        out["written_at"] = self.written_at.isoformat(timespec="minutes")
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Note":
        """Build a note from a dict with ISO `written_at` (gold files, JSONL archives)."""
        written_at = data["written_at"]
        if not isinstance(written_at, datetime):
            written_at = datetime.fromisoformat(str(written_at))
        age = data.get("child_age")
        return cls(
            note_id=str(data["note_id"]),
            case_id=str(data["case_id"]),
            written_at=written_at,
            text=str(data["text"]),
            title=data.get("title"),
            note_type=data.get("note_type"),
            team=data.get("team"),
            author_id=data.get("author_id"),
            child_age=int(age) if age not in (None, "") else None,
        )


@dataclass(slots=True)
class Evidence:
    """A span of the note (character offsets into `Note.text`) and why it decides a marker.

    `reason` is Danish, for the reviewer. `plain` is a plain-language alternative (jargon).
    `note_id` is set when the evidence lies in another note of the case (e.g. the handling note).
    """

    start: int
    end: int
    text: str
    reason: str
    plain: str | None = None
    note_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text, "reason": self.reason}
        if self.plain is not None:
            out["plain"] = self.plain
        if self.note_id is not None:
            out["note_id"] = self.note_id
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Evidence":
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            text=str(data["text"]),
            reason=str(data["reason"]),
            plain=data.get("plain"),
            note_id=data.get("note_id"),
        )


@dataclass(slots=True)
class MarkerResult:
    flag: bool
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    concern_types: list[str] | None = None  # only for unhandled_concern

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "flag": bool(self.flag),
            "score": round(float(self.score), 4),
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.concern_types is not None:
            out["concern_types"] = list(self.concern_types)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MarkerResult":
        return cls(
            flag=bool(data["flag"]),
            score=float(data["score"]),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            concern_types=list(data["concern_types"]) if "concern_types" in data else None,
        )


@dataclass(slots=True)
class NoteFlags:
    note_id: str
    case_id: str
    model: str
    markers: dict[str, MarkerResult]

    def __post_init__(self) -> None:
        missing = [m for m in MARKERS if m not in self.markers]
        if missing:
            raise ValueError(f"note {self.note_id}: flags lack markers {missing}")
        for marker_id, result in self.markers.items():
            if result.flag and not result.evidence:
                raise ValueError(f"note {self.note_id}: {marker_id} flagged without evidence")
        if self.markers[UNHANDLED_CONCERN].concern_types is None:
            self.markers[UNHANDLED_CONCERN].concern_types = []

    @property
    def flagged(self) -> list[str]:
        return [m for m in MARKERS if self.markers[m].flag]

    def to_dict(self) -> dict[str, Any]:
        return {
            "note_id": self.note_id,
            "case_id": self.case_id,
            "model": self.model,
            "markers": {m: self.markers[m].to_dict() for m in MARKERS},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NoteFlags":
        return cls(
            note_id=str(data["note_id"]),
            case_id=str(data["case_id"]),
            model=str(data["model"]),
            markers={m: MarkerResult.from_dict(data["markers"][m]) for m in MARKERS},
        )

    @classmethod
    def clean(cls, note: Note, model: str) -> "NoteFlags":
        """Flags for a note where no marker fires."""
        return cls(
            note_id=note.note_id,
            case_id=note.case_id,
            model=model,
            markers={m: MarkerResult(flag=False, score=0.0) for m in MARKERS},
        )
