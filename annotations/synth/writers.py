"""Writers for synthetic corpora: gold JSONL (with labels) or a Danish CSV export (a scan archive).

The CSV dialect is the one Danish case systems export and Excel opens: `;` between fields, UTF-8
with a byte-order mark, Danish column names, dates as `04-03-2025 10:15`, fields quoted when they
hold a separator, a quote or a line break. It carries no labels: it is an archive to scan.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from pathlib import Path
from typing import IO, Any

CSV_COLUMNS: tuple[str, ...] = ("sagsnr", "notat_id", "dato", "overskrift", "notattype", "team", "forfatter", "tekst")
FORMATS = ("jsonl", "csv")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


def format_for(path: str, explicit: str | None) -> str:
    """The output format: `explicit` if given, else from the file suffix (stdout: jsonl)."""
    if explicit:
        if explicit not in FORMATS:
            raise ValueError(f"unknown format {explicit!r}; choose from {list(FORMATS)}")
        return explicit
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise ValueError(f"cannot tell the format of {path!r} from its suffix; use .jsonl or .csv, or --format")
    return SUFFIX_FORMATS[suffix]


def danish_datetime(iso: str) -> str:
    """'2025-03-04T10:15' -> '04-03-2025 10:15' (string slicing: this runs a million times)."""
    return f"{iso[8:10]}-{iso[5:7]}-{iso[0:4]} {iso[11:16]}"


def serialize(records: list[dict[str, Any]], fmt: str) -> str:
    """Records as the text they take in a file of format `fmt` (no CSV header, no BOM)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", quotechar='"', lineterminator="\r\n")
        writer.writerows(
            (
                r["case_id"],
                r["note_id"],
                danish_datetime(r["written_at"]),
                r.get("title") or "",
                r.get("note_type") or "",
                r.get("team") or "",
                r.get("author_id") or "",
                r["text"],
            )
            for r in records
        )
        return buffer.getvalue()
    dumps = json.dumps
    return "".join([dumps(r, ensure_ascii=False) + "\n" for r in records])


class RecordWriter:
    """Writes serialized records to a file or stdout; use as a context manager.

    A CSV file starts with a byte-order mark and the Danish header row. Files are written as
    UTF-8 bytes, so that text already encoded elsewhere (by worker processes) goes straight in.
    """

    def __init__(self, path: str, fmt: str):
        self.path = path
        self.format = fmt
        self.count = 0
        self._file: IO[bytes] | None = None  # a file
        self._stdout: IO[str] | None = None  # or stdout, as text

    def __enter__(self) -> "RecordWriter":
        header = ";".join(CSV_COLUMNS) + "\r\n" if self.format == "csv" else ""
        if self.path == "-":
            self._stdout = sys.stdout
            self._stdout.write(header)
        else:
            self._file = open(self.path, "wb", buffering=1 << 20)
            if header:
                self._file.write(codecs.BOM_UTF8 + header.encode("utf-8"))
        return self

    def write_block(self, text: str, count: int) -> None:
        """Write `count` records already serialized by `serialize`."""
        if self._file is not None:
            self._file.write(text.encode("utf-8"))
        else:
            self._stdout.write(text)
        self.count += count

    def write_encoded(self, data: bytes, count: int) -> None:
        """Write `count` records serialized and encoded as UTF-8."""
        if self._file is not None:
            self._file.write(data)
        else:
            self._stdout.write(data.decode("utf-8"))
        self.count += count

    def write(self, record: dict[str, Any]) -> None:
        self.write_block(serialize([record], self.format), 1)

    def __exit__(self, *exc: Any) -> None:
        if self._file is not None:
            self._file.close()
        elif self._stdout is not None:
            self._stdout.flush()
