"""`journaltjek scan INPUT... -o OUT`: flag every note of one or more archives."""

from __future__ import annotations

import argparse
import sys

from pipeline.batch import DEFAULT_CHUNK_SIZE, ScanSummary, scan
from pipeline.cli import EXIT_OK, EXIT_ROW_ERRORS
from pipeline.columns import parse_column_spec
from pipeline.outputs import OUTPUT_FORMATS
from pipeline.schema import MARKER_NAMES_DA, MARKERS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="flag the notes of one or more archives (CSV, JSONL, Parquet)",
        description=(
            "Read archives of journal notes, flag the four quality markers and write one result per "
            "note (flag contract). Rows that cannot be read go to OUT.errors.jsonl with a reason. "
            "Exit code 0: all rows fine; 1: some rows in errors; 2: could not run."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="archive files (.csv, .jsonl, .parquet); a case may span several")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="flag file to write")
    parser.add_argument("--model", default="default", help="model name or model directory (default: the shipped model)")
    parser.add_argument("--format", dest="fmt", default=None, help=f"output format: {', '.join(OUTPUT_FORMATS)} (default: from OUT's suffix, else jsonl)")
    parser.add_argument("--columns", default=None, metavar="FIELD=COLUMN,...", help="map archive columns to note fields, e.g. note_id=ID,text=Body")
    parser.add_argument("--workers", type=int, default=1, help="processes analysing notes (default 1)")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help=argparse.SUPPRESS)
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    parser.add_argument("--quiet", action="store_true", help="print no summary")
    parser.set_defaults(handler=run_scan)


def run_scan(args: argparse.Namespace) -> int:
    summary = scan(
        args.inputs,
        args.output,
        model_spec=args.model,
        fmt=args.fmt,
        columns=parse_column_spec(args.columns),
        workers=args.workers,
        chunk_size=args.chunk_size,
        progress=args.progress,
    )
    if not args.quiet:
        print(format_summary(summary), file=sys.stderr)
    return EXIT_ROW_ERRORS if summary.errors else EXIT_OK


def format_summary(summary: ScanSummary) -> str:
    rate = summary.rows_read / summary.seconds if summary.seconds else 0.0
    lines = [f"journaltjek scan  model {summary.model}"]
    for source in summary.sources:
        details = ", ".join(x for x in (source.format, source.encoding, repr(source.delimiter) if source.delimiter else None) if x)
        lines.append(f"  input   {source.path} ({details})")
        lines.extend(f"          warning: {w}" for w in source.warnings)
    lines += [
        f"  rows read        {summary.rows_read:>9,}",
        f"  notes scanned    {summary.notes_scanned:>9,}",
        f"    flagged        {summary.notes_flagged:>9,}",
        f"    clean          {summary.notes_clean:>9,}",
        f"  errors           {summary.errors:>9,}" + (f"   -> {summary.errors_path}" if summary.errors else ""),
    ]
    for reason, count in summary.error_reasons.most_common(5):
        lines.append(f"    {count:>6,}  {reason}")
    lines.append("  flagged per marker")
    for marker in MARKERS:
        lines.append(f"    {MARKER_NAMES_DA[marker]:<44} {summary.flagged_per_marker.get(marker, 0):>7,}")
    lines.append(f"  output  {summary.output}")
    lines.append(f"  time    {summary.seconds:.1f} s ({rate:,.0f} rows/s)")
    return "\n".join(lines)
