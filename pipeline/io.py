"""Read archives of journal notes (CSV, JSONL, Parquet) as a stream of rows.

Every data row becomes exactly one `RowResult`: a valid `Note`, or an error with a reason in
plain words (never quoting note text). Nothing is dropped and nothing is silently mangled:

- CSV as Danish systems export it: `;`, `,` or tab detected from the header; UTF-8 with or
  without BOM; legacy cp1252 detected and reported in `SourceInfo.warnings`; a row with bytes
  that are not valid in the file's encoding, or with NUL bytes, becomes an error row.
- Columns map from Danish export names (`pipeline.columns`) or from `--columns`.
- Duplicate `note_id`s (across all inputs of a run) give an error row for each repeat.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.columns import TIME_FIELD, resolve_columns
from pipeline.dates import DateFormatError, parse_datetime
from pipeline.errors import ArchiveError, RowError
from pipeline.schema import Note

FORMATS: dict[str, str] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
}
MAX_NOTE_CHARS = 20_000_000  # beyond this a row is an error, not a crash
SNIFF_BYTES = 1 << 20
NUL_SENTINEL = "\uffff"  # stands in for NUL while csv parses; a row holding it becomes an error row
DELIMITERS = (";", ",", "\t")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(slots=True)
class RowResult:
    source: str
    row: int  # 1-based data row within its source (header not counted)
    note: Note | None = None
    note_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class SourceInfo:
    """What the reader found out about one input file."""

    path: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ArchiveError(f"{path}: unknown file type '{suffix}'; use .csv, .jsonl or .parquet")
    return FORMATS[suffix]


def detect_encoding(sample: bytes) -> tuple[str, str | None]:
    """Return (codec, warning). UTF-8 (BOM or not) is preferred; legacy cp1252 is reported.

    A UTF-8 file with a few broken bytes stays UTF-8 (the broken rows become error rows);
    only a file whose non-ASCII bytes are mostly not UTF-8 is read as cp1252, so `æøå` in a
    UTF-8 export are never turned into `Ã¦Ã¸Ã¥`.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    decoded = sample.decode("utf-8", errors="surrogateescape")
    invalid = sum(1 for ch in decoded if "\udc80" <= ch <= "\udcff")
    valid_non_ascii = sum(1 for ch in decoded if ord(ch) > 0x7F) - invalid
    if invalid == 0 or valid_non_ascii >= invalid:
        return "utf-8", None
    try:
        sample.decode("cp1252")
        codec = "cp1252"
    except UnicodeDecodeError:
        codec = "latin-1"
    return codec, (
        f"file is not UTF-8; read as legacy {codec} (Windows/Latin-1). æ, ø and å are kept; "
        f"re-export as UTF-8 to be sure"
    )


def detect_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


class NoteReader:
    """Reads one or more inputs; keeps the duplicate-id set across them."""

    def __init__(self, paths: Iterable[str | Path], columns: dict[str, str] | None = None):
        self.paths = [Path(p) for p in paths]
        self.explicit_columns = dict(columns or {})
        self.sources: list[SourceInfo] = []
        self._seen_ids: dict[str, tuple[str, int]] = {}
        for path in self.paths:
            if not path.exists():
                raise ArchiveError(f"{path}: no such file")
            if path.is_dir():
                raise ArchiveError(f"{path}: is a directory, not an archive file")
            detect_format(path)

    def __iter__(self) -> Iterator[RowResult]:
        for path in self.paths:
            yield from self._read_source(path)

    def check_headers(self) -> list[SourceInfo]:
        """Read only the headers of every input, so a missing column stops the run before work."""
        infos = []
        for path in self.paths:
            info, _ = self._open(path)
            infos.append(info)
        return infos

    def _open(self, path: Path) -> tuple[SourceInfo, Iterator[tuple[int, dict[str, Any]]]]:
        fmt = detect_format(path)
        if fmt == "csv":
            return _open_csv(path, self.explicit_columns)
        if fmt == "jsonl":
            return _open_jsonl(path, self.explicit_columns)
        return _open_parquet(path, self.explicit_columns)

    def _read_source(self, path: Path) -> Iterator[RowResult]:
        info, rows = self._open(path)
        self.sources.append(info)
        for row_number, record in rows:
            yield self._to_result(info, row_number, record)

    def _to_result(self, info: SourceInfo, row_number: int, record: dict[str, Any]) -> RowResult:
        source = info.path
        if "__error__" in record:
            return RowResult(source, row_number, note_id=record.get("__note_id__"), error=record["__error__"])
        note_id = _clean(record.get(info.columns["note_id"]))
        try:
            note = _make_note(record, info.columns)
        except RowError as exc:
            return RowResult(source, row_number, note_id=note_id or None, error=str(exc))
        first = self._seen_ids.get(note.note_id)
        if first is not None:
            where = f"row {first[1]}" if first[0] == source else f"row {first[1]} of {first[0]}"
            return RowResult(source, row_number, note_id=note.note_id, error=f"duplicate note_id, first seen in {where}")
        self._seen_ids[note.note_id] = (source, row_number)
        return RowResult(source, row_number, note=note, note_id=note.note_id)


def read_rows(paths: Iterable[str | Path], columns: dict[str, str] | None = None) -> Iterator[RowResult]:
    """Stream every data row of the inputs as a RowResult (valid note or error)."""
    return iter(NoteReader(paths, columns))


def read_notes(paths: Iterable[str | Path], columns: dict[str, str] | None = None) -> list[Note]:
    """All valid notes of the inputs (for small archives: tests, explain, review loading)."""
    return [r.note for r in read_rows(paths, columns) if r.note is not None]


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from parquet/pandas
        return ""
    return str(value).strip()


# bytes the decoder could not read, kept as lone surrogates by errors="surrogateescape"
_UNDECODABLE_BYTE = re.compile("[\udc80-\udcff]")


def _has_bad_chars(value: str) -> str | None:
    if NUL_SENTINEL in value or "\x00" in value:
        return "contains NUL bytes"
    if _UNDECODABLE_BYTE.search(value):
        return "contains bytes that are not valid in the file's encoding (invalid UTF-8)"
    return None


def _make_note(record: dict[str, Any], columns: dict[str, str]) -> Note:
    values = {f: record.get(c) for f, c in columns.items()}
    for name, value in values.items():
        if isinstance(value, str):
            problem = _has_bad_chars(value)
            if problem:
                raise RowError(f"column '{columns[name]}' {problem}")
    note_id = _clean(values.get("note_id"))
    if not note_id:
        raise RowError("empty note_id")
    case_id = _clean(values.get("case_id"))
    if not case_id:
        raise RowError("empty case_id")
    text = values.get("text")
    text = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    if not text.strip():
        raise RowError("empty note text")
    if len(text) > MAX_NOTE_CHARS:
        raise RowError(f"note text is {len(text):,} characters; the limit is {MAX_NOTE_CHARS:,}")
    try:
        written_at = parse_datetime(values.get("written_at"), values.get(TIME_FIELD))
    except DateFormatError as exc:
        raise RowError(str(exc)) from None
    age_raw = _clean(values.get("child_age"))
    child_age = None
    if age_raw:
        try:
            child_age = int(float(age_raw.replace(",", ".")))
        except ValueError:
            raise RowError(f"child_age {age_raw[:20]!r} is not a number") from None
        if not 0 <= child_age <= 25:
            raise RowError(f"child_age {child_age} is outside 0-25")
    return Note(
        note_id=note_id,
        case_id=case_id,
        written_at=written_at,
        text=text,
        title=_clean(values.get("title")) or None,
        note_type=_clean(values.get("note_type")) or None,
        team=_clean(values.get("team")) or None,
        author_id=_clean(values.get("author_id")) or None,
        child_age=child_age,
    )


# --- CSV -------------------------------------------------------------------------------


def _open_csv(path: Path, explicit: dict[str, str]) -> tuple[SourceInfo, Iterator[tuple[int, dict[str, Any]]]]:
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if not sample.strip(b"\xef\xbb\xbf \r\n\t"):
        raise ArchiveError(f"{path}: the file is empty (no header row)")
    encoding, warning = detect_encoding(sample)
    info = SourceInfo(path=str(path), format="csv", encoding=encoding)
    if warning:
        info.warnings.append(warning)
    stream = open(path, encoding=encoding, errors="surrogateescape", newline="")
    lines = (line.replace("\x00", NUL_SENTINEL) for line in stream)
    header_line = next(lines)
    info.delimiter = "\t" if path.suffix.lower() == ".tsv" else detect_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=info.delimiter))
    header = [h.replace(NUL_SENTINEL, "").strip() for h in header]
    info.columns = resolve_columns(header, explicit, str(path))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        reader = csv.reader(lines, delimiter=info.delimiter)
        id_index = header.index(info.columns["note_id"])
        number = 0
        try:
            for cells in reader:
                if not cells:  # a blank line between rows is not a row
                    continue
                number += 1
                if len(cells) != len(header):
                    note_id = _clean(cells[id_index]) if len(cells) > id_index else ""
                    yield number, {
                        "__error__": f"has {len(cells)} fields, the header has {len(header)} (check the delimiter and quoting)",
                        "__note_id__": note_id or None,
                    }
                    continue
                yield number, dict(zip(header, cells))
        except csv.Error as exc:
            yield number + 1, {
                "__error__": f"CSV structure broken near line {reader.line_num} ({exc}); the rest of the file could not be read"
            }
        finally:
            stream.close()

    return info, rows()


# --- JSONL ------------------------------------------------------------------------------


def _open_jsonl(path: Path, explicit: dict[str, str]) -> tuple[SourceInfo, Iterator[tuple[int, dict[str, Any]]]]:
    info = SourceInfo(path=str(path), format="jsonl", encoding="utf-8")
    first = _first_jsonl_object(path)
    if first is None:
        raise ArchiveError(f"{path}: the file is empty (no JSON objects)")
    info.columns = resolve_columns(list(first.keys()), explicit, str(path))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with open(path, "rb") as fh:
            number = 0
            for raw in fh:
                if not raw.strip():
                    continue
                number += 1
                line = raw.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
                if "\x00" in line:
                    yield number, {"__error__": "contains NUL bytes"}
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, {"__error__": f"not valid JSON ({exc.msg} at column {exc.colno})"}
                    continue
                if not isinstance(record, dict):
                    yield number, {"__error__": "a line must hold one JSON object"}
                    continue
                yield number, record

    return info, rows()


def _first_jsonl_object(path: Path) -> dict[str, Any] | None:
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                return record
    return None


# --- Parquet ----------------------------------------------------------------------------


def _open_parquet(path: Path, explicit: dict[str, str]) -> tuple[SourceInfo, Iterator[tuple[int, dict[str, Any]]]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for broken files
        raise ArchiveError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    info = SourceInfo(path=str(path), format="parquet", encoding="utf-8")
    info.columns = resolve_columns(list(parquet.schema_arrow.names), explicit, str(path))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        for batch in parquet.iter_batches(batch_size=5000, columns=sorted(set(info.columns.values()))):
            for record in batch.to_pylist():
                number += 1
                yield number, record

    return info, rows()
