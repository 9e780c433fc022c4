"""Batch scans: stream an archive through a model, apply the case timeline, account for every row.

A scan makes two passes so that memory stays flat however large the archive is:

1. rows are read in chunks; each chunk's valid notes are analysed (in 1..N worker processes)
   and their per-note flags spilled to a temporary JSONL file, while a small handling index
   (case id, note id, time, handling sentences; no note text) grows in memory; bad rows go
   straight to `OUT.errors.jsonl`;
2. the spilled flags are read back, the 24-hour rule is applied per case (a case's notes may
   be in any order and in several files), and the final flags are written.

Every input row ends as exactly one of: flags written (flagged or clean) or an error row.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from tqdm import tqdm

from pipeline.errors import UsageError
from pipeline.io import NoteReader, RowResult, SourceInfo
from pipeline.outputs import OUTPUT_FORMATS, open_flag_writer
from pipeline.schema import MARKERS, UNHANDLED_CONCERN, Evidence, Note, NoteFlags

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 256


@dataclass
class ScanSummary:
    model: str
    output: str
    errors_path: str
    rows_read: int = 0
    notes_scanned: int = 0
    notes_flagged: int = 0
    errors: int = 0
    flagged_per_marker: Counter = field(default_factory=Counter)
    error_reasons: Counter = field(default_factory=Counter)
    sources: list[SourceInfo] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def notes_clean(self) -> int:
        return self.notes_scanned - self.notes_flagged

    def accounted(self) -> bool:
        return self.rows_read == self.notes_scanned + self.errors

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "output": self.output,
            "errors_path": self.errors_path,
            "rows_read": self.rows_read,
            "notes_scanned": self.notes_scanned,
            "notes_flagged": self.notes_flagged,
            "notes_clean": self.notes_clean,
            "errors": self.errors,
            "flagged_per_marker": {m: self.flagged_per_marker.get(m, 0) for m in MARKERS},
            "seconds": round(self.seconds, 3),
        }


def errors_path_for(output: str | Path) -> Path:
    """`out/flags.jsonl` -> `out/flags.errors.jsonl`."""
    output = Path(output)
    return output.with_name(output.stem + ".errors.jsonl")


# --- workers ------------------------------------------------------------------------------

# The model a forked worker analyses with: the parent's, loaded once before the pool starts
# (workers inherit it with the process image instead of loading it again each).
_worker_model = None


def _analyse_in_worker(notes: list[Note]) -> list[tuple[str, str, list[dict]] | tuple[str, str]]:
    return analyse_chunk(_worker_model, notes)


def analyse_chunk(model, notes: Sequence[Note]) -> list:
    """Analyse a chunk; a note whose analysis fails becomes an error, the others go on.

    Returns per note either ("ok", spill_line, handling_dicts) or ("error", reason). The spill
    line (`_spill_line`) is the note's flags already serialised, so the work of writing JSON is
    done in the workers and the parent process only copies strings: plain data that crosses
    process boundaries cheaply.
    """
    try:
        analyses = model.analyse(notes)
        return [_packed(a) for a in analyses]
    except Exception:  # isolate the failing note(s)
        out = []
        for note in notes:
            try:
                out.append(_packed(model.analyse([note])[0]))
            except Exception as exc:
                log.warning("analysis failed for note %s: %s", note.note_id, type(exc).__name__)
                out.append(("error", f"analysis failed ({type(exc).__name__})"))
        return out


def _packed(analysis) -> tuple:
    # the case timeline keeps only a note's first handling record (HandlingIndex.add)
    return ("ok", _spill_line(analysis.flags, analysis.written_at), [e.to_dict() for e in analysis.handling[:1]])


def _spill_line(flags: NoteFlags, written_at: datetime) -> str:
    """`written_at <TAB> flagged markers <TAB> flags as JSON`: the second pass reads the first two
    fields to decide whether the case timeline can change the note at all."""
    return f"{written_at.isoformat()}\t{','.join(flags.flagged)}\t{json.dumps(flags.to_dict(), ensure_ascii=False)}\n"


def _chunks(rows: Iterable[RowResult], size: int) -> Iterator[list[RowResult]]:
    chunk: list[RowResult] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- the scan --------------------------------------------------------------------------------


def scan(
    inputs: Sequence[str | Path],
    output: str | Path,
    model_spec: str = "default",
    fmt: str | None = None,
    columns: dict[str, str] | None = None,
    workers: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool | None = None,
) -> ScanSummary:
    """Scan archives into a flag file. Raises UsageError when the run cannot start."""
    global _worker_model  # handed to forked workers, cleared when they stop
    from models import load
    from pipeline.cases import HandlingIndex, resolve_unhandled

    output = Path(output)
    fmt = fmt or _format_from_suffix(output)
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"unknown output format '{fmt}'; use one of {', '.join(OUTPUT_FORMATS)}")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    reader = NoteReader(inputs, columns)
    reader.check_headers()  # a missing column stops the run before any work
    try:
        model = load(model_spec)
    except Exception as exc:
        raise UsageError(f"cannot load model '{model_spec}': {exc}") from None

    output.parent.mkdir(parents=True, exist_ok=True)
    errors_path = errors_path_for(output)
    summary = ScanSummary(model=model.label, output=str(output), errors_path=str(errors_path))
    index = HandlingIndex()
    started = time.perf_counter()

    spill = tempfile.NamedTemporaryFile(
        "w+", encoding="utf-8", suffix=".spill.jsonl", dir=output.parent, delete=False
    )
    pool = None
    try:
        with open(errors_path, "w", encoding="utf-8") as errors_file, tqdm(
            desc="scan", unit=" notes", disable=_progress_disabled(progress), delay=3, mininterval=1.0
        ) as bar:

            def record_error(row: RowResult, reason: str) -> None:
                summary.errors += 1
                summary.error_reasons[_reason_kind(reason)] += 1
                errors_file.write(
                    json.dumps({"source": row.source, "row": row.row, "note_id": row.note_id, "reason": reason}, ensure_ascii=False)
                    + "\n"
                )

            def chunk_jobs() -> Iterator[tuple[list[RowResult], list[Note]]]:
                for chunk in _chunks(reader, chunk_size):
                    good = [r.note for r in chunk if r.note is not None]
                    yield chunk, good

            if workers > 1:
                _worker_model = model
                pool = multiprocessing.get_context("fork").Pool(workers)
                jobs = chunk_jobs()
                pending: list = []

                def results() -> Iterator[tuple[list[RowResult], list]]:
                    for chunk, good in jobs:
                        pending.append((chunk, pool.apply_async(_analyse_in_worker, (good,))))
                        if len(pending) >= workers * 2:
                            done_chunk, res = pending.pop(0)
                            yield done_chunk, res.get()
                    while pending:
                        done_chunk, res = pending.pop(0)
                        yield done_chunk, res.get()

                analysed = results()
            else:
                analysed = ((chunk, analyse_chunk(model, good)) for chunk, good in chunk_jobs())

            for chunk, packed in analysed:
                packed_iter = iter(packed)
                for row in chunk:
                    summary.rows_read += 1
                    if row.note is None:
                        record_error(row, row.error or "unreadable row")
                        continue
                    result = next(packed_iter)
                    if result[0] == "error":
                        record_error(row, result[1])
                        continue
                    _, spill_line, handling = result
                    note = row.note
                    if handling:
                        index.add(note.case_id, note.note_id, note.written_at, [Evidence.from_dict(h) for h in handling])
                    spill.write(spill_line)
                bar.update(len(chunk))
        summary.sources = list(reader.sources)

        spill.flush()
        spill.seek(0)
        with open_flag_writer(output, fmt) as writer:
            for line in spill:
                written_at, flagged_field, flags_json = line.rstrip("\n").split("\t", 2)
                flagged = flagged_field.split(",") if flagged_field else []
                if UNHANDLED_CONCERN in flagged:  # a later note of the case may have handled it
                    flags = NoteFlags.from_dict(json.loads(flags_json))
                    flags = resolve_unhandled(flags, datetime.fromisoformat(written_at), index, window=model.case_window)
                    writer.write(flags)
                    flagged = flags.flagged
                else:
                    writer.write_serialised(flags_json)
                summary.notes_scanned += 1
                if flagged:
                    summary.notes_flagged += 1
                    summary.flagged_per_marker.update(flagged)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
            _worker_model = None
        spill.close()
        os.unlink(spill.name)
    summary.seconds = time.perf_counter() - started
    log.info("scan done: %s", summary.to_dict())
    return summary


def predict_notes(model, notes: Sequence[Note], chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[NoteFlags]:
    """Run a model over notes held in memory and apply the case timeline (evaluate, explain)."""
    from pipeline.cases import apply_case_timeline

    analyses = []
    for start in range(0, len(notes), chunk_size):
        analyses.extend(model.analyse(list(notes[start : start + chunk_size])))
    return apply_case_timeline(analyses, window=model.case_window)


def _format_from_suffix(output: Path) -> str:
    suffix = output.suffix.lower().lstrip(".")
    return suffix if suffix in OUTPUT_FORMATS else "jsonl"


def _progress_disabled(progress: bool | None) -> bool:
    """Show the bar when asked, or by default when stderr is a terminal (it appears after 3 s)."""
    if progress is None:
        import sys

        return not sys.stderr.isatty()
    return not progress


def _reason_kind(reason: str) -> str:
    """Group error reasons for the summary ("duplicate note_id", "unparseable date", ...)."""
    return reason.split(",")[0].split("(")[0].split(";")[0].strip()[:60]
