"""CLI verbs `journaltjek synth` (a labelled synthetic corpus) and `journaltjek noisy` (a noisy copy of gold data)."""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path

from annotations.noise import NoiseSettings, make_noisy
from annotations.schema import GoldFormatError, iter_gold
from annotations.synth.corpus_writer import default_workers, write_corpus
from annotations.synth.storyline import STYLES
from annotations.synth.writers import FORMATS, format_for
from pipeline.errors import UsageError

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    synth = subparsers.add_parser(
        "synth",
        help="write a labelled synthetic corpus of Danish journal notes",
        description=(
            "Write N synthetic journal notes in whole cases (incoming concern, 24-hour assessment, "
            "investigation, decision, follow-up), labelled from how each note was built. Gold JSONL "
            "(labels, evidence, build metadata) or a Danish CSV export without labels, usable as a "
            "scan archive. The same seed writes the same file. For augmentation, demos, tests and "
            "benchmarks; never a replacement for the hand-written gold set in evaluation."
        ),
    )
    synth.add_argument("-n", type=int, default=1000, metavar="N", help="number of notes (default 1000)")
    synth.add_argument("--seed", type=int, default=0, help="master seed, >= 0 (default 0)")
    synth.add_argument("-o", "--output", required=True, metavar="FILE", help="output file (.jsonl or .csv), or - for stdout")
    synth.add_argument(
        "--styles",
        default=",".join(STYLES),
        help=f"comma-separated writing styles to use (default all: {','.join(STYLES)})",
    )
    synth.add_argument("--format", choices=FORMATS, help="output format (default: from the file suffix)")
    synth.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes that write cases (default 0: one per core, up to 4, for large runs); the output is the same for any number",
    )
    synth.set_defaults(handler=run_synth)

    noisy = subparsers.add_parser(
        "noisy",
        help="write a noisy copy of a gold file (typos, lower case, stripped headings, abbreviations)",
        description=(
            "Copy a gold JSONL file with noise for robustness evaluation. Labels are kept; evidence "
            "spans are remapped to the noisy text and dropped only when nothing of them is left."
        ),
    )
    noisy.add_argument("gold", metavar="GOLD.jsonl", help="gold file to copy")
    noisy.add_argument("-o", "--output", required=True, metavar="OUT.jsonl", help="where to write the noisy copy")
    noisy.add_argument("--seed", type=int, default=0, help="seed (default 0); each note's noise depends on seed and note id")
    defaults = NoiseSettings()
    noisy.add_argument("--typo-rate", type=float, default=defaults.typo_rate, help=f"chance of a typo per word (default {defaults.typo_rate})")
    noisy.add_argument("--abbreviate", type=float, default=defaults.abbreviate_rate, help=f"chance to abbreviate an everyday phrase (default {defaults.abbreviate_rate})")
    noisy.add_argument("--strip-headings", type=float, default=defaults.strip_headings, help=f"chance per note to strip template headings (default {defaults.strip_headings})")
    noisy.add_argument("--lowercase", type=float, default=defaults.lowercase_note, help=f"chance per note to lower-case it all (default {defaults.lowercase_note})")
    noisy.set_defaults(handler=run_noisy)


def parse_styles(text: str) -> tuple[str, ...]:
    styles = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in styles if s not in STYLES]
    if unknown or not styles:
        raise UsageError(f"unknown style(s) {unknown or [text]}; choose from {','.join(STYLES)}")
    return styles


def run_synth(args: argparse.Namespace) -> int:
    if args.n < 0:
        raise UsageError(f"-n must be >= 0, got {args.n}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    styles = parse_styles(args.styles)
    try:
        fmt = format_for(args.output, args.format)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.output != "-" and not Path(args.output).parent.exists():
        raise UsageError(f"output folder {Path(args.output).parent} does not exist")
    if args.workers < 0:
        raise UsageError(f"--workers must be >= 0, got {args.workers}")
    workers = args.workers or default_workers(args.n)
    started = time.perf_counter()
    progress = (lambda count: log.info("synth: %d notes written", count)) if log.isEnabledFor(logging.INFO) else None
    count = write_corpus(args.output, fmt, args.n, seed=args.seed, styles=styles, workers=workers, progress=progress)
    elapsed = time.perf_counter() - started
    rate = count / elapsed if elapsed > 0 else float("inf")
    where = "stdout" if args.output == "-" else args.output
    print(
        f"journaltjek synth: wrote {count} notes to {where} ({fmt}) in {elapsed:.1f} s, {rate:,.0f} notes/s, {workers} worker(s)",
        file=sys.stderr,
    )
    return 0


def run_noisy(args: argparse.Namespace) -> int:
    try:
        settings = NoiseSettings(
            typo_rate=args.typo_rate,
            abbreviate_rate=args.abbreviate,
            strip_headings=args.strip_headings,
            lowercase_note=args.lowercase,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    source = Path(args.gold)
    if not source.is_file():
        raise UsageError(f"gold file {source} not found")
    if Path(args.output).resolve() == source.resolve():
        raise UsageError("the noisy copy must not overwrite its gold file")
    count = dropped = 0
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            for record in iter_gold(source):
                rng = random.Random(f"{args.seed}:{record.note.note_id}")
                copy = make_noisy(record, rng, settings)
                dropped += copy.extra["noise"]["evidence_dropped"]
                out.write(json.dumps(copy.to_dict(), ensure_ascii=False) + "\n")
                count += 1
    except GoldFormatError as exc:
        raise UsageError(f"{exc}") from None
    print(f"journaltjek noisy: wrote {count} noisy notes to {args.output} ({dropped} evidence spans dropped)", file=sys.stderr)
    return 0
