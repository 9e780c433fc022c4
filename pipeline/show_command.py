"""`journaltjek show FLAGS`: print flagged notes with their evidence, worst first, for a quick look
at a scan without the review queue (the demo uses it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.jsonl import iter_jsonl
from pipeline.schema import MARKER_NAMES_DA, MARKERS, UNHANDLED_CONCERN, NoteFlags

# unhandled worry first (the 24-hour rule makes it the most urgent), then the highest score
MARKER_PRIORITY = {UNHANDLED_CONCERN: 0}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "show",
        help="print flagged notes from a flag file with their evidence",
        description="Print the flagged notes of a JSONL flag file (from `journaltjek scan`), unhandled worry first, with each piece of evidence and its reason.",
    )
    parser.add_argument("flags", metavar="FLAGS", help="flag file (.jsonl) written by scan")
    parser.add_argument("--limit", type=int, default=5, help="how many notes to print (default 5)")
    parser.add_argument("--marker", choices=MARKERS, default=None, help="only notes flagged for this marker")
    parser.set_defaults(handler=run_show)


def load_flags(path: str | Path) -> list[NoteFlags]:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such flag file")
    out = []
    for where, data in iter_jsonl(path, UsageError):
        try:
            out.append(NoteFlags.from_dict(data))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{where}: not a flag record ({type(exc).__name__})") from None
    return out


def priority(flags: NoteFlags) -> tuple:
    flagged = flags.flagged
    urgent = min((MARKER_PRIORITY.get(m, 1) for m in flagged), default=2)
    top = max((flags.markers[m].score for m in flagged), default=0.0)
    return (urgent, -len(flagged), -top, flags.note_id)


def format_note(flags: NoteFlags) -> str:
    lines = [f"Notat {flags.note_id} (sag {flags.case_id})"]
    for marker in flags.flagged:
        result = flags.markers[marker]
        lines.append(f"  {MARKER_NAMES_DA[marker]}  (score {result.score:.2f})")
        for evidence in result.evidence:
            quote = " ".join(evidence.text.split())
            if len(quote) > 110:
                quote = quote[:107] + "..."
            plain = f"  → {evidence.plain}" if evidence.plain else ""
            lines.append(f"    «{quote}»{plain}")
            lines.append(f"      {evidence.reason}")
    return "\n".join(lines)


def run_show(args: argparse.Namespace) -> int:
    flags = [f for f in load_flags(args.flags) if f.flagged and (args.marker is None or args.marker in f.flagged)]
    flags.sort(key=priority)
    for item in flags[: args.limit]:
        print(format_note(item))
        print()
    print(f"{len(flags)} markerede notater i alt; viser {min(args.limit, len(flags))}.")
    return 0
