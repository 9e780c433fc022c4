"""`journaltjek explain NOTE_ID --input FILE`: why a note got (or did not get) its flags.

Prints the note's sentences with their roles, the jargon found, and each marker's decision
with its evidence. The note's whole case is read from the same input(s) and analysed too, so
the 24-hour rule shows: a concern cleared by a later handling note points at that note.
This prints note text on purpose: it is a reviewer's tool run on data they may read.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from pipeline.cli import EXIT_OK
from pipeline.errors import UsageError
from pipeline.schema import CONCERN_TYPE_NAMES_DA, MARKER_NAMES_DA, MARKERS, Note, NoteFlags

ROLE_ORDER = ("CONCERN", "NEGATED", "HYPOTHETICAL", "HISTORY", "HANDLING", "ASSESSMENT", "REASON",
              "PLACEHOLDER", "CHILD_CONTACT", "OMISSION_REASON", "STEP", "ADMIN", "INFO")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show why a note got its flags: sentence roles and each marker's decision",
        description=(
            "Read the note NOTE_ID and the other notes of its case from the input archive(s), "
            "analyse them, and print the note's sentences with their roles, the jargon found and "
            "the decision of each of the four markers (with the 24-hour rule applied across the case)."
        ),
    )
    parser.add_argument("note_id", metavar="NOTE_ID", help="the note to explain")
    parser.add_argument("--input", "-i", dest="inputs", action="append", required=True, metavar="FILE",
                        help="archive holding the note (repeat for a case spread over several files)")
    parser.add_argument("--columns", default=None, metavar="FIELD=COLUMN,...", help="map archive columns to note fields")
    parser.add_argument("--model", default="default", help="model name or model directory (default: the shipped model)")
    parser.set_defaults(handler=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    from models import load
    from pipeline.cases import apply_case_timeline
    from pipeline.columns import parse_column_spec

    target, case_notes = _read_case(args.inputs, parse_column_spec(args.columns), args.note_id)
    try:
        model = load(args.model)
    except Exception as exc:
        raise UsageError(f"cannot load model '{args.model}': {exc}") from None
    window = getattr(model, "case_window", None)
    analyses = model.analyse(case_notes)
    kwargs = {"window": window} if window is not None else {}
    final = apply_case_timeline(analyses, **kwargs)
    by_id = {f.note_id: f for f in final}
    before = {a.flags.note_id: a.flags for a in analyses}
    explanation = None
    if hasattr(model, "explain_many"):
        explanation = next(iter(model.explain_many([target])))
    print_explanation(target, explanation, before[target.note_id], by_id[target.note_id], model.label, len(case_notes), sys.stdout)
    return EXIT_OK


def _read_case(inputs: list[str], columns: dict[str, str], note_id: str) -> tuple[Note, list[Note]]:
    """The note and every valid note of its case, in time order (two passes: find, then gather)."""
    from pipeline.errors import ArchiveError
    from pipeline.io import read_rows

    try:
        target = None
        for row in read_rows(inputs, columns):
            if row.note_id == note_id:
                if row.note is None:
                    raise UsageError(f"note {note_id} is in {row.source} row {row.row} but cannot be read: {row.error}")
                target = row.note
                break
        if target is None:
            raise UsageError(f"note {note_id} is not in {', '.join(inputs)}")
        case = [r.note for r in read_rows(inputs, columns) if r.note is not None and r.note.case_id == target.case_id]
    except (ArchiveError, OSError) as exc:
        raise UsageError(str(exc)) from None
    case.sort(key=lambda n: (n.written_at, n.note_id))
    return target, case


def print_explanation(note: Note, explanation, own: NoteFlags, final: NoteFlags, model_label: str, case_size: int, out: TextIO) -> None:
    w = out.write
    w(f"Notat {note.note_id}  sag {note.case_id}  skrevet {note.written_at:%Y-%m-%d %H:%M}  model {model_label}\n")
    w(f"Sagen har {case_size} notat{'er' if case_size != 1 else ''} i input.\n")
    if note.title or note.note_type:
        w(f"Overskrift: {note.title or '-'}   Notattype: {note.note_type or '-'}\n")
    if explanation is not None:
        w("\nSætninger og roller\n")
        for s in explanation.sentences:
            text = " ".join(note.text[s.start:s.end].split())
            w(f"  [{s.index + 1}] {text}\n")
            if s.section:
                w(f"        afsnit: {s.section}\n")
            for role in ROLE_ORDER:
                hit = s.roles.get(role)
                if hit is None:
                    continue
                extra = f" ({CONCERN_TYPE_NAMES_DA.get(hit.concern_type, hit.concern_type)})" if hit.concern_type else ""
                w(f"        {role:<16}{hit.score:.2f}{extra}  ord: {', '.join(hit.matched)}  [{hit.rule}]\n")
            for hit in s.concerns[1:]:
                w(f"        {'CONCERN':<16}{hit.score:.2f} ({CONCERN_TYPE_NAMES_DA.get(hit.concern_type)})  ord: {', '.join(hit.matched)}  [{hit.rule}]\n")
        jargon = explanation.jargon
        w(f"\nSprog: LIX {jargon.lix:.0f}, {jargon.words} ord i {jargon.sentences} sætninger, "
          f"{jargon.nominalisations} navneordsformer, {len(jargon.passives)} upersonlige passiver\n")
        for item in jargon.items:
            state = "forklaret" if item.explained else "uforklaret"
            plain = f" -> {item.plain}" if item.plain else ""
            w(f"  {item.text!r:<32} {item.category:<20} {state}{plain}\n")
    w("\nMarkører\n")
    for marker in MARKERS:
        result = final.markers[marker]
        decision = "FLAG" if result.flag else "ok  "
        w(f"  {decision} {MARKER_NAMES_DA[marker]:<44} score {result.score:.2f}\n")
        if marker == "unhandled_concern":
            types = result.concern_types or []
            if types:
                w(f"       bekymringstyper: {', '.join(CONCERN_TYPE_NAMES_DA[t] for t in types)}\n")
            if own.markers[marker].flag and not result.flag:
                w("       (flaget i notatet selv, men ryddet af 24-timers-reglen)\n")
        for ev in result.evidence:
            plain = f" -> {ev.plain}" if ev.plain else ""
            w(f"       - {ev.reason}: \"{' '.join(ev.text.split())}\"{plain}\n")
