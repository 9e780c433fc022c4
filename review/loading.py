"""Load a scan (flags JSONL) and the archive it came from into the review store.

Loading is idempotent and streaming: notes are upserted from the archive in chunks, then the
flags are read in chunks and compared with what the store already holds, marker by marker:

- a newly flagged marker becomes an open item;
- the same flag again (same evidence spans and concern types) changes nothing, except that a
  new model name or score is recorded quietly;
- a flag whose evidence or concern types changed keeps every decision, gets
  `change_kind="changed"`, and `changed_after_decision` when it had been decided;
- a marker no longer flagged leaves the queue (`active=False`, `change_kind="withdrawn"`),
  with its decisions kept; flagged again later, it comes back as `"reflagged"`.

Each chunk is its own transaction, so a long load never locks reviewers out for long, and an
interrupted load is finished by running it again. Error messages name the file, line and note
id, never the note text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import insert, select, text, update

from pipeline.schema import MARKERS, UNHANDLED_CONCERN, Note, NoteFlags
from review.store import DECIDED_STATUSES, Item, Scan, Store, StoredNote, bump_generation, utcnow

CHUNK_SIZE = 1000
DEADLINE = timedelta(hours=24)
MAX_REPORTED_ERRORS = 50


class FlagFileError(ValueError):
    """The flag file as a whole cannot be read."""


@dataclass
class LoadReport:
    notes_new: int = 0
    notes_updated: int = 0
    notes_unchanged: int = 0
    flag_records: int = 0
    items_new: int = 0
    items_changed: int = 0
    items_withdrawn: int = 0
    items_reflagged: int = 0
    items_unchanged: int = 0
    archive_errors: int = 0
    flag_errors: int = 0
    already_loaded: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.archive_errors + self.flag_errors

    def add_error(self, message: str, *, archive: bool) -> None:
        if archive:
            self.archive_errors += 1
        else:
            self.flag_errors += 1
        if len(self.messages) < MAX_REPORTED_ERRORS:
            self.messages.append(message)

    def summary_lines(self) -> list[str]:
        lines = [
            f"notes: {self.notes_new} new, {self.notes_updated} updated, {self.notes_unchanged} unchanged",
            f"flag records: {self.flag_records}",
            f"queue items: {self.items_new} new, {self.items_changed} changed, "
            f"{self.items_withdrawn} withdrawn, {self.items_reflagged} flagged again, {self.items_unchanged} unchanged",
        ]
        if self.already_loaded:
            lines.append("this flag file was loaded before; nothing was duplicated")
        if self.errors:
            lines.append(f"errors: {self.archive_errors} archive rows, {self.flag_errors} flag records")
            lines.extend(f"  {m}" for m in self.messages)
            hidden = self.errors - len(self.messages)
            if hidden > 0:
                lines.append(f"  ... and {hidden} more")
        return lines


def priority_class(marker: str) -> int:
    """0 sorts first: an unhandled concern is a child possibly at risk now."""
    return 0 if marker == UNHANDLED_CONCERN else 1


def flag_fingerprint(result_dict: dict[str, Any]) -> str:
    """What makes a flag 'the same' across scans: flag state, evidence spans and concern types.

    Scores and the wording of reasons are left out on purpose: a newer model that scores the
    same evidence 0.81 instead of 0.79 has not changed what the reviewer decided about.
    """
    spans = sorted(
        (e.get("note_id") or "", int(e["start"]), int(e["end"])) for e in result_dict.get("evidence", [])
    )
    key = {
        "flag": bool(result_dict.get("flag")),
        "spans": spans,
        "concern_types": sorted(result_dict.get("concern_types") or []),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


# --- notes ---------------------------------------------------------------------------------


def load_notes(store: Store, notes: Iterable[Note], report: LoadReport) -> None:
    """Insert new notes, update changed ones (and the copies their items keep), in chunks."""
    for chunk in _chunked(notes, CHUNK_SIZE):
        with store.write_session() as session, session.begin():
            ids = [n.note_id for n in chunk]
            existing = {
                row.note_id: row
                for row in session.execute(
                    select(
                        StoredNote.id, StoredNote.note_id, StoredNote.text_sha256, StoredNote.case_id,
                        StoredNote.written_at, StoredNote.title, StoredNote.note_type, StoredNote.team,
                        StoredNote.author_id, StoredNote.child_age,
                    ).where(StoredNote.note_id.in_(ids))
                )
            }
            new_rows, changed_rows, item_updates = [], [], []
            for note in chunk:
                values = _note_values(note)
                old = existing.get(note.note_id)
                if old is None:
                    new_rows.append(values)
                    continue
                if all(getattr(old, k) == v for k, v in values.items() if k != "text"):
                    report.notes_unchanged += 1
                    continue
                changed_rows.append({"id": old.id, **values})
                if (old.case_id, old.written_at, old.team, old.note_type) != (
                    note.case_id, note.written_at, note.team, note.note_type
                ):
                    item_updates.append(old.id)
            if new_rows:
                session.execute(insert(StoredNote), new_rows)
                report.notes_new += len(new_rows)
            if changed_rows:
                session.execute(update(StoredNote), changed_rows)
                report.notes_updated += len(changed_rows)
            if item_updates:
                bump_generation(session)
            for note_pk in item_updates:
                note = session.get(StoredNote, note_pk)
                session.execute(
                    update(Item)
                    .where(Item.note_pk == note_pk)
                    .values(
                        case_id=note.case_id, written_at=note.written_at, deadline=note.written_at + DEADLINE,
                        team=note.team, note_type=note.note_type,
                    )
                )


def _note_values(note: Note) -> dict[str, Any]:
    return {
        "note_id": note.note_id,
        "case_id": note.case_id,
        "written_at": note.written_at,
        "text": note.text,
        "text_sha256": text_sha256(note.text),
        "title": note.title,
        "note_type": note.note_type,
        "team": note.team,
        "author_id": note.author_id,
        "child_age": note.child_age,
    }


def notes_from_archive(paths: list[Path], report: LoadReport, columns: dict[str, str] | None = None) -> Iterator[Note]:
    """Valid notes of the archive; error rows are counted in the report (their reason, never text)."""
    from pipeline.io import read_rows

    for row in read_rows(paths, columns):
        if row.note is not None:
            yield row.note
        else:
            ident = f" (note {row.note_id})" if row.note_id else ""
            report.add_error(f"{Path(row.source).name} row {row.row}{ident}: {row.error}", archive=True)


# --- flags ---------------------------------------------------------------------------------


@dataclass
class _FlagLine:
    line: int
    flags: NoteFlags
    raw: dict[str, Any]


def read_flag_lines(path: Path, report: LoadReport) -> Iterator[_FlagLine]:
    """Parse the flag JSONL, line by line; a bad line becomes an error naming the line and note id."""
    seen: dict[str, int] = {}
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise FlagFileError(f"{path}: cannot open ({exc.strerror})") from None
    with fh:
        for lineno, raw_line in enumerate(fh, start=1):
            if not raw_line.strip():
                continue
            where = f"{path.name} line {lineno}"
            try:
                data = json.loads(raw_line.decode("utf-8").lstrip("\ufeff"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                report.add_error(f"{where}: not valid JSON ({msg})", archive=False)
                continue
            if not isinstance(data, dict):
                report.add_error(f"{where}: a line must hold one JSON object", archive=False)
                continue
            note_id = data.get("note_id")
            if "error" in data and "markers" not in data:
                report.add_error(f"{where} (note {note_id}): an error row from the scan, not flags", archive=False)
                continue
            try:
                flags = NoteFlags.from_dict(data)
            except (KeyError, TypeError, ValueError) as exc:
                problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                report.add_error(f"{where} (note {note_id}): not in the flag format ({problem})", archive=False)
                continue
            if flags.note_id in seen:
                report.add_error(
                    f"{where} (note {flags.note_id}): note appears twice, first on line {seen[flags.note_id]}",
                    archive=False,
                )
                continue
            seen[flags.note_id] = lineno
            report.flag_records += 1
            yield _FlagLine(lineno, flags, data)


def load_flag_chunks(store: Store, lines: Iterable[_FlagLine], source_name: str, report: LoadReport) -> None:
    for chunk in _chunked(lines, CHUNK_SIZE):
        with store.write_session() as session, session.begin():
            _load_flag_chunk(session, chunk, source_name, report)


def _load_flag_chunk(session: Any, chunk: list[_FlagLine], source_name: str, report: LoadReport) -> None:
    wanted_ids = {line.flags.note_id for line in chunk}
    for line in chunk:
        for result in line.flags.markers.values():
            wanted_ids.update(e.note_id for e in result.evidence if e.note_id)
    notes = {
        row.note_id: row
        for row in session.execute(
            select(
                StoredNote.id, StoredNote.note_id, StoredNote.case_id, StoredNote.text, StoredNote.written_at,
                StoredNote.team, StoredNote.note_type, StoredNote.scanned_model, StoredNote.concern_types_json,
            ).where(StoredNote.note_id.in_(wanted_ids))
        )
    }
    valid: list[tuple[_FlagLine, Any]] = []
    for line in chunk:
        problem = _check_flags(line.flags, notes)
        if problem:
            report.add_error(f"{source_name} line {line.line} (note {line.flags.note_id}): {problem}", archive=False)
        else:
            valid.append((line, notes[line.flags.note_id]))
    if not valid:
        return
    existing = {
        (item.note_pk, item.marker): item
        for item in session.execute(
            select(Item).where(Item.note_pk.in_([note.id for _, note in valid]))
        ).scalars()
    }
    now = utcnow()
    new_items: list[dict[str, Any]] = []
    note_updates: list[dict[str, Any]] = []
    queue_changed = False
    for line, note in valid:
        concern_types = json.dumps(line.flags.markers[UNHANDLED_CONCERN].concern_types or [])
        if note.scanned_model != line.flags.model or note.concern_types_json != concern_types:
            note_updates.append({"id": note.id, "scanned_model": line.flags.model, "concern_types_json": concern_types})
        for marker in MARKERS:
            result = line.raw["markers"][marker]
            outcome = _merge_marker(existing.get((note.id, marker)), note, marker, line.flags, result, now, new_items)
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
                queue_changed = queue_changed or outcome != "items_unchanged"
    if note_updates:
        session.execute(update(StoredNote), note_updates)
    if new_items:
        session.execute(insert(Item), new_items)
    if queue_changed:
        bump_generation(session)


def _check_flags(flags: NoteFlags, notes: dict[str, Any]) -> str | None:
    note = notes.get(flags.note_id)
    if note is None:
        return "the note is not in the notes archive (give the archive the scan read with --notes)"
    if note.case_id != flags.case_id:
        return f"case_id {flags.case_id} in the flags differs from case_id {note.case_id} in the archive"
    for marker, result in flags.markers.items():
        for index, ev in enumerate(result.evidence, start=1):
            target = notes.get(ev.note_id) if ev.note_id else note
            if target is None:
                return f"{marker} evidence {index} points to note {ev.note_id}, which is not in the archive"
            if ev.note_id and target.case_id != note.case_id:
                return f"{marker} evidence {index} points to note {ev.note_id} of another case"
            if not (0 <= ev.start < ev.end <= len(target.text)):
                return f"{marker} evidence {index}: offsets {ev.start}-{ev.end} lie outside the note text"
            if target.text[ev.start:ev.end] != ev.text:
                return f"{marker} evidence {index}: offsets {ev.start}-{ev.end} do not match the quoted text"
    return None


def _merge_marker(
    item: Item | None, note: Any, marker: str, flags: NoteFlags, result: dict[str, Any], now: Any, new_items: list
) -> str | None:
    """Apply one marker of a rescan to its item; return the report counter it adds to."""
    flagged = bool(result["flag"])
    fingerprint = flag_fingerprint(result)
    evidence_json = json.dumps(result.get("evidence", []), ensure_ascii=False)
    concern_json = json.dumps(result.get("concern_types") or [])
    score = float(result["score"])
    if item is None:
        if not flagged:
            return None
        new_items.append({
            "note_pk": note.id, "marker": marker, "model": flags.model, "score": score,
            "evidence_json": evidence_json, "concern_types_json": concern_json, "fingerprint": fingerprint,
            "active": True, "status": "open", "priority_class": priority_class(marker),
            "deadline": note.written_at + DEADLINE, "written_at": note.written_at, "case_id": note.case_id,
            "team": note.team, "note_type": note.note_type, "version": 1, "conflict": False,
            "changed_after_decision": False, "created_at": now,
        })
        return "items_new"
    decided = item.status in DECIDED_STATUSES
    if not flagged:
        if not item.active:
            return None
        item.active = False
        item.change_kind, item.changed_at = "withdrawn", now
        item.changed_after_decision = item.changed_after_decision or decided
        item.claimed_by_id = item.claimed_at = None
        item.version += 1
        return "items_withdrawn"
    if not item.active or item.fingerprint != fingerprint:
        outcome = "items_reflagged" if not item.active else "items_changed"
        item.active = True
        item.change_kind, item.changed_at = ("reflagged" if outcome == "items_reflagged" else "changed"), now
        item.changed_after_decision = item.changed_after_decision or decided
        item.fingerprint, item.evidence_json, item.concern_types_json = fingerprint, evidence_json, concern_json
        item.score, item.model = score, flags.model
        item.version += 1
        return outcome
    if item.model != flags.model or abs(item.score - score) > 1e-9:
        item.model, item.score = flags.model, score
        item.evidence_json = evidence_json  # same spans; reasons may be reworded
    return "items_unchanged"


# --- the whole load -----------------------------------------------------------------------------


def load_scan(
    store: Store,
    flags_path: str | Path,
    notes_paths: list[str | Path],
    columns: dict[str, str] | None = None,
) -> LoadReport:
    """Load the archive's notes, then the flags; record the load in `scans`."""
    flags_path = Path(flags_path)
    if not flags_path.is_file():
        raise FlagFileError(f"{flags_path}: no such flag file")
    if flags_path.suffix.lower() not in (".jsonl", ".ndjson", ".json"):
        raise FlagFileError(f"{flags_path}: the queue loads flags as JSONL (scan with -o FILE.jsonl)")
    report = LoadReport()
    sha = file_sha256(flags_path)
    with store.session() as session:
        report.already_loaded = session.execute(select(Scan.id).where(Scan.sha256 == sha).limit(1)).first() is not None
    load_notes(store, notes_from_archive([Path(p) for p in notes_paths], report, columns), report)
    models: set[str] = set()

    def lines() -> Iterator[_FlagLine]:
        for line in read_flag_lines(flags_path, report):
            models.add(line.flags.model)
            yield line

    load_flag_chunks(store, lines(), flags_path.name, report)
    refresh_planner_statistics(store)
    with store.write_session() as session, session.begin():
        session.add(Scan(
            sha256=sha, source_name=flags_path.name[:500], models=",".join(sorted(models))[:500],
            notes=report.flag_records, items_new=report.items_new,
            items_changed=report.items_changed + report.items_reflagged,
            items_withdrawn=report.items_withdrawn, items_unchanged=report.items_unchanged, errors=report.errors,
        ))
    return report


def refresh_planner_statistics(store: Store) -> None:
    """ANALYZE after a load, so the query planner picks the queue's indexes for its new size."""
    with store.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def load_flag_objects(store: Store, notes: list[Note], flags: list[NoteFlags], source_name: str = "flags") -> LoadReport:
    """The same load from objects in memory (fixtures, benchmarks, callers that already hold them)."""
    report = LoadReport()
    load_notes(store, notes, report)
    lines = []
    for number, item in enumerate(flags, start=1):
        report.flag_records += 1
        lines.append(_FlagLine(number, item, item.to_dict()))
    load_flag_chunks(store, lines, source_name, report)
    refresh_planner_statistics(store)
    return report


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
