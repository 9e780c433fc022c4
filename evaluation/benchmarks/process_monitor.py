"""Run a command and measure its wall time, CPU time and peak resident memory, children included.

`scan --workers 2` forks worker processes, so the peak is taken over the whole process tree:
the sum of the resident set sizes of the command and all its descendants, sampled every
`interval` seconds. Pages shared after a fork are counted once per process, so for several
workers the figure is an upper bound.

CPU time (user + system of the command and every descendant it waited for) is read from
`getrusage(RUSAGE_CHILDREN)` before and after: unlike wall time it hardly changes when other
work shares the machine, so it is the figure to compare between runs on a busy host.
"""

from __future__ import annotations

import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Sequence

import psutil

DEFAULT_INTERVAL_S = 0.05
STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Measurement:
    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    returncode: int
    stderr_tail: str

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_bytes / 2**20


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process] + process.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_measured(command: Sequence[str], interval: float = DEFAULT_INTERVAL_S, cwd: str | None = None, env: dict | None = None) -> Measurement:
    """Run `command` to completion; stdout is discarded, the end of stderr kept for diagnosis."""
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env) as proc:
        watched = psutil.Process(proc.pid)
        peak = 0
        stderr_chunks: list[bytes] = []
        # stderr is drained in a thread so a chatty command cannot block on a full pipe
        def drain() -> None:
            assert proc.stderr is not None
            for chunk in iter(lambda: proc.stderr.read(4096), b""):
                stderr_chunks.append(chunk)
                if sum(map(len, stderr_chunks)) > 4 * STDERR_TAIL_CHARS:
                    del stderr_chunks[: len(stderr_chunks) // 2]

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        while proc.poll() is None:
            peak = max(peak, _tree_rss(watched))
            time.sleep(interval)
        seconds = time.perf_counter() - started
        reader.join(timeout=5)
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    stderr = b"".join(stderr_chunks).decode("utf-8", errors="replace")[-STDERR_TAIL_CHARS:]
    return Measurement(seconds=seconds, cpu_seconds=cpu_seconds, peak_rss_bytes=peak, returncode=proc.returncode, stderr_tail=stderr)
