"""Write a synthetic corpus to a file, on one core or several, with the same bytes either way.

Cases are independent (each has its own random source, see generator.py), so worker processes
can write disjoint runs of cases while the main process appends their text in case order. Only
the last case depends on where the run stops: when it does not fit into the `n` notes asked for,
the main process writes it itself, cut short, with its labels recomputed for the shorter case.
Memory stays flat: at most a few chunks are in flight at any time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from typing import Any, Callable

from annotations.synth.generator import SyntheticCorpus
from annotations.synth.storyline import STYLES
from annotations.synth.writers import RecordWriter

CASES_PER_CHUNK = 400  # about 2,000 notes
CHUNKS_IN_FLIGHT_PER_WORKER = 2
MIN_NOTES_PER_WORKER = 20_000  # below this, starting processes costs more than it saves

_worker_corpus: SyntheticCorpus | None = None


def _init_worker(seed: int, styles: tuple[str, ...]) -> None:
    global _worker_corpus
    _worker_corpus = SyntheticCorpus(seed=seed, styles=styles)


def _write_chunk(start: int, stop: int, fmt: str) -> tuple[list[int], list[bytes]]:
    """(note counts, serialized UTF-8 text) of cases [start, stop), one entry per case.

    Bytes, not str: they cross the process boundary as one copy, and the main process writes
    them as they are.
    """
    assert _worker_corpus is not None
    case_text = _worker_corpus.case_text
    counts: list[int] = []
    blobs: list[bytes] = []
    for index in range(start, stop):
        count, text = case_text(index, fmt)
        counts.append(count)
        blobs.append(text.encode("utf-8"))
    return counts, blobs


def default_workers(n: int) -> int:
    """Processes worth starting for `n` notes on this machine (1 for small runs)."""
    cores = os.cpu_count() or 1
    return max(1, min(cores, 4, n // MIN_NOTES_PER_WORKER))


def write_corpus(
    path: str,
    fmt: str,
    n: int,
    seed: int = 0,
    styles: tuple[str, ...] = STYLES,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write exactly `n` notes (whole cases, the last cut short) to `path`; return the count."""
    corpus = SyntheticCorpus(seed=seed, styles=styles)
    with RecordWriter(path, fmt) as writer:
        if workers <= 1:
            _write_serial(corpus, writer, fmt, n, progress)
        else:
            _write_parallel(corpus, writer, fmt, n, workers, progress)
        return writer.count


def _finish_with(corpus: SyntheticCorpus, writer: RecordWriter, fmt: str, index: int, n: int) -> None:
    """Write case `index` cut to the notes still missing."""
    count, text = corpus.case_text(index, fmt, max_notes=n - writer.count)
    writer.write_block(text, count)


def _write_serial(corpus: SyntheticCorpus, writer: RecordWriter, fmt: str, n: int, progress: Any) -> None:
    index = 0
    case_text = corpus.case_text
    while writer.count < n:
        count, text = case_text(index, fmt)
        if writer.count + count > n:
            _finish_with(corpus, writer, fmt, index, n)
            break
        writer.write_block(text, count)
        index += 1
        if progress is not None and index % CASES_PER_CHUNK == 0:
            progress(writer.count)


def _write_parallel(corpus: SyntheticCorpus, writer: RecordWriter, fmt: str, n: int, workers: int, progress: Any) -> None:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with context.Pool(workers, initializer=_init_worker, initargs=(corpus.seed, corpus.planner.styles)) as pool:
        pending: deque = deque()
        next_case = 0

        def submit() -> None:
            nonlocal next_case
            pending.append((next_case, pool.apply_async(_write_chunk, (next_case, next_case + CASES_PER_CHUNK, fmt))))
            next_case += CASES_PER_CHUNK

        for _ in range(workers * CHUNKS_IN_FLIGHT_PER_WORKER):
            submit()
        while writer.count < n:
            first, result = pending.popleft()
            counts, blobs = result.get()
            submit()
            total = sum(counts)
            if writer.count + total <= n:
                writer.write_encoded(b"".join(blobs), total)
            else:
                for offset, (count, blob) in enumerate(zip(counts, blobs)):
                    if writer.count + count > n:
                        _finish_with(corpus, writer, fmt, first + offset, n)
                        break
                    writer.write_encoded(blob, count)
                    if writer.count == n:
                        break
            if progress is not None:
                progress(writer.count)
        pool.terminate()
