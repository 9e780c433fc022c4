"""A built synthetic case as gold-format records: dicts, or straight as file text.

`note_record` is the record format. `case_jsonl` and `case_csv` write the same records as
`json.dumps(record, ensure_ascii=False)` lines and as rows of the Danish CSV export
(writers.py), byte for byte, without building the dicts: the fields whose values come from small
fixed sets (kinds, styles, label names) are encoded once and cached, and only the free text goes
through the JSON string encoder. A test holds the two paths to the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring  # the C string encoder json.dumps uses with ensure_ascii=False
from typing import Any

from annotations.synth.notes import RenderedNote
from annotations.synth.storyline import CasePlan


@dataclass(slots=True)
class BuiltNote:
    """One written note of a case with its labels: everything its record holds."""

    note_id: str
    rendered: RenderedNote
    labels: dict[str, Any]
    evidence: dict[str, list[str]]
    handling: dict[str, Any] | None


@dataclass(slots=True)
class BuiltCase:
    case_id: str
    plan: CasePlan
    note_ids: list[str]
    notes: list[BuiltNote]


def note_record(built: BuiltCase, k: int) -> dict[str, Any]:
    """The gold-format dict of note `k` of a built case."""
    case = built.plan
    plan = case.notes[k]
    built_note = built.notes[k]
    note = built_note.rendered
    handling = built_note.handling
    note_ids = built.note_ids
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
    return {
        "note_id": built_note.note_id,
        "case_id": built.case_id,
        "written_at": plan.at.isoformat(timespec="minutes"),
        "text": note.text,
        "title": note.title,
        "note_type": note.note_type,
        "team": note.team,
        "author_id": note.author_id,
        "child_age": case.age,
        "labels": built_note.labels,
        "evidence": built_note.evidence,
        "style": plan.style,
        "synth": synth,
    }


def case_records(built: BuiltCase) -> list[dict[str, Any]]:
    return [note_record(built, k) for k in range(len(built.notes))]


# --- JSON lines ----------------------------------------------------------------------------------

class _Constants(dict):
    """JSON of values from small fixed sets (names, None, tuples of names as lists), made on first use."""

    def __missing__(self, value: Any) -> str:
        text = self[value] = json.dumps(list(value) if value.__class__ is tuple else value, ensure_ascii=False)
        return text


_CONSTANT = _Constants()


def _strings(items: list[str]) -> str:
    return "[" + ", ".join([encode_basestring(item) for item in items]) + "]" if items else "[]"


def _evidence(evidence: dict[str, list[str]]) -> str:
    if not evidence:
        return "{}"
    return "{" + ", ".join([f"{_CONSTANT[label]}: {_strings(spans)}" for label, spans in evidence.items()]) + "}"


def _synth(plan: Any, note: RenderedNote, handling: dict[str, Any] | None, quoted_ids: list[str]) -> str:
    c = _CONSTANT
    handles = plan.handles
    text = (
        f'{{"kind": {c[plan.kind]}, "step": {c[plan.step]}, "assessment": {c[plan.assessment]}, '
        f'"child_hearing": {c[plan.child_hearing]}, "jargon_items": {_strings(note.jargon)}, '
        f'"jargon_mode": {c[plan.jargon_mode if plan.style != "admin" else "admin"]}, "noise": {c[plan.noise]}, '
        f'"handles": [{", ".join([quoted_ids[i] for i in handles])}]'
    )
    concern = plan.concern
    if concern is not None:
        handled_in = handling["handled_in"]
        text += (
            f', "concern": {{"types": {c[concern.types]}, "source": {c[concern.source]}, '
            f'"handled_here": {c[plan.handling]}, "outcome": {c[handling["outcome"]]}, '
            f'"handled_in": {quoted_ids[handled_in] if handled_in is not None else "null"}}}'
        )
    elif handles:
        text += f', "handling": {c[plan.handling]}'
    if plan.mentions:
        text += ', "mentions": [' + ", ".join([f'{{"kind": {c[kind]}, "type": {c[t]}}}' for kind, t in plan.mentions]) + "]"
    if plan.decision:
        text += f', "decision": {c[plan.decision]}'
    return text + "}"


def _labels(labels: dict[str, Any]) -> str:
    return (
        f'{{"missing_assessment": {labels["missing_assessment"]}, '
        f'"missing_child_conversation": {labels["missing_child_conversation"]}, '
        f'"authority_jargon": {labels["authority_jargon"]}, '
        f'"unhandled_concern": {labels["unhandled_concern"]}, '
        f'"concern_present": {labels["concern_present"]}, '
        f'"concern_types": {_CONSTANT[tuple(labels["concern_types"])]}}}'
    )


def case_jsonl(built: BuiltCase) -> str:
    """The case's records as JSON lines, equal to `json.dumps(record, ensure_ascii=False) + "\\n"` each."""
    case = built.plan
    plans = case.notes
    quoted_ids = ['"' + note_id + '"' for note_id in built.note_ids]  # ids are ASCII letters, digits and '-'
    quoted_case = '"' + built.case_id + '"'
    age = case.age
    enc = encode_basestring
    c = _CONSTANT
    lines = []
    for k, built_note in enumerate(built.notes):
        plan = plans[k]
        note = built_note.rendered
        lines.append(
            f'{{"note_id": {quoted_ids[k]}, "case_id": {quoted_case}, '
            f'"written_at": "{plan.at.isoformat(timespec="minutes")}", "text": {enc(note.text)}, '
            f'"title": {enc(note.title)}, "note_type": {c[note.note_type]}, "team": {enc(note.team)}, '
            f'"author_id": {enc(note.author_id)}, "child_age": {age}, "labels": {_labels(built_note.labels)}, '
            f'"evidence": {_evidence(built_note.evidence)}, "style": {c[plan.style]}, '
            f'"synth": {_synth(plan, note, built_note.handling, quoted_ids)}}}\n'
        )
    return "".join(lines)


# --- CSV rows ------------------------------------------------------------------------------------

_CSV_SHORT: dict[str, str] = {}


def _csv_field(value: str) -> str:
    """A field as csv.writer writes it (QUOTE_MINIMAL, ';', '"', '\\r\\n'): quoted when it holds one of those."""
    if ";" in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_short(value: str) -> str:
    """A short field from a small set (title, note type, team, initials), quoted once and cached."""
    found = _CSV_SHORT.get(value)
    if found is None:
        found = _CSV_SHORT[value] = _csv_field(value)
    return found


def case_csv(built: BuiltCase) -> str:
    """The case's notes as rows of the Danish CSV export, equal to what `writers.serialize` writes."""
    plans = built.plan.notes
    case_id = _csv_field(built.case_id)
    rows = []
    for k, built_note in enumerate(built.notes):
        at = plans[k].at
        note = built_note.rendered
        rows.append(
            f"{case_id};{built_note.note_id};{at.day:02d}-{at.month:02d}-{at.year:04d} {at.hour:02d}:{at.minute:02d};"
            f"{_csv_short(note.title or '')};{_csv_short(note.note_type or '')};{_csv_short(note.team or '')};"
            f"{_csv_short(note.author_id or '')};{_csv_field(note.text)}\r\n"
        )
    return "".join(rows)
