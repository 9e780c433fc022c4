"""`make bench`: scan throughput, memory and the bare spaCy yardstick on synthetic archives.

    python -m evaluation.benchmarks.run                         # 10k and 100k notes, 1 and 2 workers
    python -m evaluation.benchmarks.run --sizes 10000,100000,1000000
    make bench BENCH_SIZES=10000,100000,1000000
    python -m evaluation.benchmarks.run --archive my_archive.jsonl

For each archive: `journaltjek scan` (the default model) runs as a child process with 1 and 2
workers while its process tree's memory is sampled; a bare tokenise + sentence-split pass over
the same notes gives the yardstick. The Markdown table is printed and written to
evaluation/benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

from evaluation.benchmarks.archives import (
    BenchmarkSetupError,
    child_env,
    iter_text_chunks,
    journaltjek_command,
    synthetic_archive,
)
from evaluation.benchmarks.bare_pass import time_bare_pass
from evaluation.benchmarks.cli_args import positive_int_list
from evaluation.benchmarks.machine import describe_machine
from evaluation.benchmarks.process_monitor import Measurement, run_measured
from evaluation.benchmarks.results_table import markdown_table
from pipeline.io import read_rows

DEFAULT_SIZES = "10000,100000"
DEFAULT_WORKERS = "1,2"
DEFAULT_SEED = 13
STARTUP_NOTES = 20
RESULTS_PATH = Path(__file__).resolve().parent / "results.md"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=positive_int_list, default=positive_int_list(os.environ.get("BENCH_SIZES") or DEFAULT_SIZES),
                        help=f"archive sizes in notes (default $BENCH_SIZES or {DEFAULT_SIZES})")
    parser.add_argument("--archive", action="append", type=Path, default=[], metavar="FILE",
                        help="benchmark this archive instead of synthetic ones (repeatable)")
    parser.add_argument("--workers", type=positive_int_list, default=positive_int_list(DEFAULT_WORKERS), help=f"scan worker counts (default {DEFAULT_WORKERS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed for journaltjek synth (default {DEFAULT_SEED})")
    parser.add_argument("--model", default="default", help="model to scan with (default: the shipped model)")
    parser.add_argument("--workdir", type=Path, default=Path("out/bench"), help="where archives and scan outputs go (default out/bench)")
    parser.add_argument("--results", type=Path, default=RESULTS_PATH, help="Markdown file to write (default evaluation/benchmarks/results.md)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    return parser


def _tail(stderr: str, lines: int = 6) -> str:
    return "\n    ".join(stderr.strip().splitlines()[-lines:])


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _read_flags_summary(flags_path: Path) -> tuple[int, str | None]:
    """(flag rows written, model label of the first row); (0, None) when there is no output."""
    rows, label = 0, None
    try:
        with open(flags_path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                if rows == 0:
                    label = json.loads(line).get("model")
                rows += 1
    except (OSError, ValueError):
        return rows, label
    return rows, label


@dataclass(frozen=True, slots=True)
class ScanRun:
    measurement: Measurement
    flag_rows: int
    model_label: str | None

    def succeeded(self, expected_notes: int) -> bool:
        """Exit 0, or 1 (some rows became error rows), and one flag row per readable note: a
        crash also exits 1, so the output is what tells the two apart."""
        return self.measurement.returncode in (0, 1) and self.flag_rows == expected_notes

    def status(self, expected_notes: int) -> str:
        if self.succeeded(expected_notes):
            return "ok"
        if self.measurement.returncode not in (0, 1):
            return f"failed (exit {self.measurement.returncode})"
        return f"failed ({self.flag_rows:,} of {expected_notes:,} notes written)"


def _scan(archive: Path, workers: int, model: str, workdir: Path, tag: str) -> ScanRun:
    output = workdir / f"flags_{tag}_w{workers}.jsonl"
    command = journaltjek_command("scan", str(archive), "-o", str(output), "--model", model,
                                  "--workers", str(workers), "--no-progress", "--quiet")
    measurement = run_measured(command, env=child_env())
    flag_rows, label = _read_flags_summary(output)
    for leftover in workdir.glob(f"{output.stem}*"):
        leftover.unlink()
    return ScanRun(measurement, flag_rows, label)


def _startup_archive(source: Path, workdir: Path) -> tuple[Path, int]:
    """The first few notes of an archive: scanning them measures the fixed cost of a scan."""
    path = workdir / f"startup_{STARTUP_NOTES}.jsonl"
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in read_rows([source]):
            if row.note is None:
                continue
            if written >= STARTUP_NOTES:
                break
            fh.write(json.dumps(row.note.to_dict(), ensure_ascii=False) + "\n")
            written += 1
    return path, written


def _load_average() -> float:
    """One-minute load average: a busy host slows wall times, so the table says how busy it was."""
    return round(psutil.getloadavg()[0], 1)


def run(args: argparse.Namespace) -> dict:
    load_start = _load_average()
    run_started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.archive:
        archives = [(path, path.stem) for path in args.archive]
        described = ", ".join(path.name for path in args.archive)
    else:
        archives = []
        for size in args.sizes:
            _log(f"archive of {size:,} notes (journaltjek synth, seed {args.seed})")
            started = time.perf_counter()
            archives.append((synthetic_archive(size, args.seed, args.workdir), str(size)))
            _log(f"  ready in {time.perf_counter() - started:.1f} s (cached archives are reused)")
        described = f"synthetic archives (`journaltjek synth`, seed {args.seed})"
    for path, _tag in archives:
        if not path.is_file():
            raise BenchmarkSetupError(f"archive {path} does not exist")

    startup_path, startup_notes = _startup_archive(archives[0][0], args.workdir)
    startup_run = _scan(startup_path, 1, args.model, args.workdir, "startup")
    model_label = startup_run.model_label
    startup_ok = startup_run.succeeded(startup_notes)
    startup_s = startup_run.measurement.seconds if startup_ok else None
    startup_cpu_s = startup_run.measurement.cpu_seconds if startup_ok else None
    if startup_s is None:
        _log(f"startup scan {startup_run.status(startup_notes)}: {_tail(startup_run.measurement.stderr_tail)}")
    else:
        _log(f"scan startup {startup_s:.1f} s ({startup_cpu_s:.1f} s CPU)")

    rows: list[dict] = []
    bare_components: tuple[str, ...] = ()
    for path, tag in archives:
        _log(f"{path.name}: bare spaCy pass")
        bare = time_bare_pass(iter_text_chunks(path))
        bare_components = bare.components
        _log(f"  {bare.notes:,} notes, {bare.words:,} words, {bare.sentences / max(bare.notes, 1):.1f} sentences per note; "
             f"bare pass {bare.seconds:.1f} s ({bare.cpu_seconds:.1f} s CPU)")
        for workers in args.workers:
            scan_run = _scan(path, workers, args.model, args.workdir, tag)
            measurement = scan_run.measurement
            model_label = scan_run.model_label or model_label
            ok = scan_run.succeeded(bare.notes)
            row = {
                "archive": path.name,
                "notes": bare.notes,
                "words": bare.words,
                "workers": workers,
                "status": scan_run.status(bare.notes),
                "scan_s": measurement.seconds,
                "scan_cpu_s": measurement.cpu_seconds,
                "notes_per_s": bare.notes / measurement.seconds,
                "words_per_s": bare.words / measurement.seconds,
                "peak_rss_mib": measurement.peak_rss_mib,
                "bare_s": bare.seconds,
                "bare_cpu_s": bare.cpu_seconds,
                "ratio": measurement.seconds / bare.seconds if bare.seconds else None,
                "ratio_net": (measurement.seconds - startup_s) / bare.seconds if bare.seconds and startup_s is not None else None,
                "ratio_cpu_net": (measurement.cpu_seconds - startup_cpu_s) / bare.cpu_seconds
                if bare.cpu_seconds and startup_cpu_s is not None
                else None,
            }
            rows.append(row)
            if ok:
                _log(f"  scan, {workers} worker(s): {measurement.seconds:.1f} s ({measurement.cpu_seconds:.1f} s CPU), "
                     f"{row['notes_per_s']:,.0f} notes/s, peak {row['peak_rss_mib']:,.0f} MiB")
            else:
                _log(f"  scan, {workers} worker(s) {row['status']}: {_tail(measurement.stderr_tail)}")
    return {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": describe_machine(),
        "model": model_label or args.model,
        "archives": described,
        "startup_notes": STARTUP_NOTES,
        "startup_s": startup_s,
        "startup_cpu_s": startup_cpu_s,
        "load_average": {"start": load_start, "end": _load_average()},
        "bare_components": list(bare_components),
        "rows": rows,
        "total_s": time.perf_counter() - run_started,  # the whole run: archives, bare passes, every scan
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        results = run(args)
    except BenchmarkSetupError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 2
    table = markdown_table(results)
    print(table)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text("# Benchmarks\n\n" + table + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    failed = [row for row in results["rows"] if row["status"] != "ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
