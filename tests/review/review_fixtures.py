"""A small, realistic archive and its flags for the review tests (anonymised Danish notes).

Evidence offsets are computed from the texts, so they are right by construction; tests that
need wrong offsets change them on purpose.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pipeline.schema import MARKERS, Evidence, MarkerResult, Note, NoteFlags

MODEL = "default@0.3.0"
PASSWORD = "korrekt-hest-batteri"
USERS = {"rita": "reviewer", "rune": "reviewer", "frida": "researcher", "adam": "admin"}


def _note(note_id: str, case_id: str, when: str, text: str, note_type: str, team: str, title: str | None = None) -> Note:
    return Note(
        note_id=note_id, case_id=case_id, written_at=datetime.fromisoformat(when), text=text,
        title=title or note_type, note_type=note_type, team=team, author_id="SB1", child_age=12,
    )


NOTES: list[Note] = [
    _note("N-1", "S-100", "2025-03-03T09:15", (
        "Modtaget statusudtalelse fra skolen. [BARN] har haft blå mærker på armene to gange i denne måned "
        "og siger, at far bliver vred. Udtalelsen lægges på sagen."), "Statusudtalelse", "Team Nord"),
    _note("N-2", "S-100", "2025-03-03T13:00",
          "Tlf. fra mor. Hun kan ikke komme til mødet torsdag. Nyt møde 14/5 kl. 10.", "Telefonnotat", "Team Nord"),
    _note("N-3", "S-200", "2025-03-10T10:00", (
        "Der er d.d. foretaget visitation iht. § 32, stk. 1, nr. 3, hvorfor pågældende foranstaltning "
        "iværksættes med virkning fra 1/3, jf. bevillingsskrivelse."), "Afgørelse", "Team Syd"),
    _note("N-4", "S-200", "2025-03-12T14:00", (
        "Opfølgning på indsats efter § 52, stk. 3, nr. 3. Kontaktpersonen oplyser, at det går bedre. "
        "Indsatsen fortsætter uændret."), "Opfølgning", "Team Syd"),
    _note("N-5", "S-300", "2025-04-01T08:30",
          "Underretning fra skolen: [BARN] fortæller, at hun er bange for at gå hjem, fordi mor drikker.",
          "Underretning", "Team Nord"),
    _note("N-6", "S-300", "2025-04-01T11:00", (
        "Oplysningerne behandles som underretning. Akutvurdering foretaget: barnets sundhed er ikke i akut fare. "
        "Samtale med [BARN] aftalt 2/4."), "Akutvurdering", "Team Nord"),
    _note("N-7", "S-300", "2025-04-02T09:00", (
        "Samtale med [BARN] (12 år) på skolen. Hun fortæller, at mor har været fuld flere gange, "
        "og at hun har tænkt på at gøre skade på sig selv."), "Samtale", "Team Nord"),
]
NOTES_BY_ID = {n.note_id: n for n in NOTES}


def ev(note_id: str, quote: str, reason: str, plain: str | None = None, in_note: str | None = None) -> Evidence:
    """Evidence quoting `quote` from note `in_note` (default: `note_id` itself)."""
    source = NOTES_BY_ID[in_note or note_id]
    start = source.text.index(quote)
    return Evidence(start=start, end=start + len(quote), text=quote, reason=reason, plain=plain,
                    note_id=in_note if in_note and in_note != note_id else None)


def flags_for(note: Note, flagged: dict[str, tuple[float, list[Evidence]]], concern_types: list[str] | None = None,
              model: str = MODEL) -> NoteFlags:
    markers = {}
    for marker in MARKERS:
        score, evidence = flagged.get(marker, (0.05, []))
        markers[marker] = MarkerResult(flag=marker in flagged, score=score, evidence=evidence)
    markers["unhandled_concern"].concern_types = list(concern_types or [])
    return NoteFlags(note_id=note.note_id, case_id=note.case_id, model=model, markers=markers)


def make_flags(model: str = MODEL) -> list[NoteFlags]:
    n = NOTES_BY_ID
    return [
        flags_for(n["N-1"], {
            "unhandled_concern": (0.91, [ev("N-1", "[BARN] har haft blå mærker på armene to gange i denne måned og siger, at far bliver vred.",
                                            "Bekymring om vold, som ikke er behandlet som underretning")]),
            "missing_assessment": (0.84, [ev("N-1", "Udtalelsen lægges på sagen.", "Oplysningerne lægges på sagen uden faglig vurdering")]),
        }, concern_types=["violence"], model=model),
        flags_for(n["N-2"], {}, model=model),
        flags_for(n["N-3"], {
            "authority_jargon": (0.88, [
                ev("N-3", "visitation", "administrativt ord", plain="vurdering af, hvilken hjælp der passer"),
                ev("N-3", "iht. § 32, stk. 1, nr. 3", "paragrafhenvisning uden forklaring", plain="efter reglerne om hjælp til børn"),
                ev("N-3", "foranstaltning", "administrativt ord", plain="hjælp, støtte"),
                ev("N-3", "iværksættes", "administrativt ord", plain="sættes i gang"),
            ]),
            "missing_child_conversation": (0.77, [ev("N-3", "pågældende foranstaltning iværksættes med virkning fra 1/3",
                                                     "Afgørelse uden samtale med barnet og uden begrundelse")]),
            "missing_assessment": (0.69, [ev("N-3", "Der er d.d. foretaget visitation", "Afgørelse uden begrundet vurdering")]),
        }, model=model),
        flags_for(n["N-4"], {
            "missing_child_conversation": (0.81, [ev("N-4", "Indsatsen fortsætter uændret.", "Opfølgning uden samtale med barnet")]),
            "missing_assessment": (0.74, [ev("N-4", "Kontaktpersonen oplyser, at det går bedre.", "Kun oplysninger, ingen vurdering")]),
        }, model=model),
        flags_for(n["N-5"], {}, concern_types=["fear_of_home", "parental_substance"], model=model),
        flags_for(n["N-6"], {}, model=model),
        flags_for(n["N-7"], {
            "unhandled_concern": (0.86, [
                ev("N-7", "hun har tænkt på at gøre skade på sig selv", "Bekymring om selvskade, som ikke er behandlet som underretning"),
                ev("N-7", "Oplysningerne behandles som underretning.", "Tidligere håndtering i sagen dækker ikke den nye bekymring", in_note="N-6"),
            ]),
        }, concern_types=["self_harm", "parental_substance"], model=model),
    ]


# Priority order of the open items (marker, note): concerns first, then deadline, then score.
EXPECTED_ORDER = [
    ("unhandled_concern", "N-1"),
    ("unhandled_concern", "N-7"),
    ("missing_assessment", "N-1"),
    ("authority_jargon", "N-3"),
    ("missing_child_conversation", "N-3"),
    ("missing_assessment", "N-3"),
    ("missing_child_conversation", "N-4"),
    ("missing_assessment", "N-4"),
]


def write_archive(path: Path, notes: list[Note] = NOTES) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for note in notes:
            fh.write(json.dumps(note.to_dict(), ensure_ascii=False) + "\n")
    return path


def write_flags(path: Path, flags: list[NoteFlags]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for item in flags:
            fh.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    return path
