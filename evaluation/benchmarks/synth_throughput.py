"""How fast `journaltjek synth` writes: `python -m evaluation.benchmarks.synth_throughput`.

Issue 4 asks the generator for at least 20,000 notes/s, so that 1 M-note benchmark archives are
cheap. This script runs the real command (`journaltjek synth -n N --seed S -o FILE --workers W`)
for every size, worker count and format asked for, and measures each run from outside
(process_monitor.py): wall time, CPU time of the command and its worker processes, peak resident
memory of the process tree. It prints a markdown table with notes per wall second, notes per CPU
second (the figure to compare on a shared host: other work hardly changes it), MB/s and the peak.

Each configuration runs `--repeat` times and the best run is kept (a shared host's noise only ever
adds time). Files are written to a temporary folder and removed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evaluation.benchmarks.archives import child_env, journaltjek_command
from evaluation.benchmarks.cli_args import positive_int_list
from evaluation.benchmarks.machine import describe_machine, machine_line
from evaluation.benchmarks.process_monitor import Measurement, run_measured

FORMATS = ("jsonl", "csv")


@dataclass(frozen=True, slots=True)
class SynthRun:
    notes: int
    workers: int
    fmt: str
    measurement: Measurement
    file_bytes: int

    @property
    def notes_per_s(self) -> float:
        return self.notes / self.measurement.seconds

    @property
    def notes_per_cpu_s(self) -> float:
        return self.notes / self.measurement.cpu_seconds

    @property
    def mb_per_s(self) -> float:
        return self.file_bytes / 1e6 / self.measurement.seconds


def time_synth(notes: int, workers: int, fmt: str, seed: int, folder: Path) -> SynthRun:
    """One run of `journaltjek synth`, measured; the file is removed afterwards."""
    out = folder / f"synth_{notes}_w{workers}.{fmt}"
    command = journaltjek_command("synth", "-n", str(notes), "--seed", str(seed), "-o", str(out), "--workers", str(workers))
    measurement = run_measured(command, env=child_env())
    if measurement.returncode != 0:
        raise RuntimeError(f"`journaltjek synth` exited {measurement.returncode}: {measurement.stderr_tail.strip()[-500:]}")
    size = out.stat().st_size
    out.unlink()
    return SynthRun(notes, workers, fmt, measurement, size)


def best_run(notes: int, workers: int, fmt: str, seed: int, folder: Path, repeat: int) -> SynthRun:
    runs = [time_synth(notes, workers, fmt, seed, folder) for _ in range(repeat)]
    return min(runs, key=lambda run: run.measurement.cpu_seconds)


def markdown_table(runs: list[SynthRun]) -> str:
    lines = [
        "| notes | format | workers | wall s | CPU s | notes/s (wall) | notes/CPU-s | µs CPU/note | MB/s (wall) | file MB | peak RSS MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        m = run.measurement
        lines.append(
            f"| {run.notes:,} | {run.fmt} | {run.workers} | {m.seconds:.1f} | {m.cpu_seconds:.1f} | "
            f"{run.notes_per_s:,.0f} | {run.notes_per_cpu_s:,.0f} | {1e6 * m.cpu_seconds / run.notes:.1f} | "
            f"{run.mb_per_s:.1f} | {run.file_bytes / 1e6:.0f} | {m.peak_rss_mib:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.benchmarks.synth_throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=positive_int_list, default=[100_000, 1_000_000], help="notes per run, comma-separated (default 100000,1000000)")
    parser.add_argument("--workers", type=positive_int_list, default=[1, 2], help="worker counts, comma-separated (default 1,2)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="jsonl, csv or both (default both)")
    parser.add_argument("--seed", type=int, default=1, help="seed for journaltjek synth (default 1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the best is kept (default 1)")
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the files while they are timed (default: a temporary folder)")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        parser.error(f"unknown format(s) {unknown}; choose from {','.join(FORMATS)}")
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")

    runs: list[SynthRun] = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for size in args.sizes:
            for workers in args.workers:
                for fmt in formats:
                    run = best_run(size, workers, fmt, args.seed, Path(tmp), args.repeat)
                    print(
                        f"synth -n {size} --workers {workers} ({fmt}): {run.measurement.seconds:.1f} s wall, "
                        f"{run.measurement.cpu_seconds:.1f} s CPU, {run.notes_per_cpu_s:,.0f} notes/CPU-s",
                        file=sys.stderr,
                    )
                    runs.append(run)
    print(f"`journaltjek synth` throughput, seed {args.seed}, best of {args.repeat}")
    print(f"Machine: {machine_line(describe_machine())}")
    print()
    print(markdown_table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
