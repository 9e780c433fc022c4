"""Write flags in the flag contract: JSONL (one object per note) or CSV/Parquet flattened.

Flattened rows carry the same fields: `note_id, case_id, model`, then per marker
`<marker>.flag`, `<marker>.score`, `<marker>.evidence` (the evidence list as JSON), and
`unhandled_concern.concern_types` (a JSON list). CSV uses the Danish export dialect
(`;`, UTF-8 with BOM) so it opens in a Danish Excel.
"""

from __future__ import annotations

import csv
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.schema import MARKERS, UNHANDLED_CONCERN, NoteFlags

OUTPUT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
PARQUET_BATCH_ROWS = 5000


def flat_columns() -> list[str]:
    columns = ["note_id", "case_id", "model"]
    for marker in MARKERS:
        columns += [f"{marker}.flag", f"{marker}.score", f"{marker}.evidence"]
    columns.append(f"{UNHANDLED_CONCERN}.concern_types")
    return columns


def flatten(flags: NoteFlags) -> dict:
    return flatten_dict(flags.to_dict())


def flatten_dict(data: dict) -> dict:
    """A flag-contract dict as one flat row."""
    row = {"note_id": data["note_id"], "case_id": data["case_id"], "model": data["model"]}
    for marker in MARKERS:
        result = data["markers"][marker]
        row[f"{marker}.flag"] = result["flag"]
        row[f"{marker}.score"] = result["score"]
        row[f"{marker}.evidence"] = json.dumps(result["evidence"], ensure_ascii=False)
    row[f"{UNHANDLED_CONCERN}.concern_types"] = json.dumps(data["markers"][UNHANDLED_CONCERN]["concern_types"])
    return row


class _JsonlWriter:
    def __init__(self, fh):
        self.fh = fh

    def write(self, flags: NoteFlags) -> None:
        self.write_serialised(json.dumps(flags.to_dict(), ensure_ascii=False))

    def write_serialised(self, line: str) -> None:
        """A note's flags already written as one JSON object (`json.dumps(flags.to_dict())`)."""
        self.fh.write(line + "\n")


class _CsvWriter:
    def __init__(self, fh):
        self.writer = csv.DictWriter(fh, fieldnames=flat_columns(), delimiter=";")
        self.writer.writeheader()

    def write(self, flags: NoteFlags) -> None:
        self.writer.writerow(flatten(flags))

    def write_serialised(self, line: str) -> None:
        self.writer.writerow(flatten_dict(json.loads(line)))


class _ParquetWriter:
    def __init__(self, path: Path):
        import pyarrow as pa

        fields = [pa.field("note_id", pa.string()), pa.field("case_id", pa.string()), pa.field("model", pa.string())]
        for marker in MARKERS:
            fields += [
                pa.field(f"{marker}.flag", pa.bool_()),
                pa.field(f"{marker}.score", pa.float64()),
                pa.field(f"{marker}.evidence", pa.string()),
            ]
        fields.append(pa.field(f"{UNHANDLED_CONCERN}.concern_types", pa.string()))
        self.schema = pa.schema(fields)
        self.path = path
        self.rows: list[dict] = []
        self.writer = None

    def write(self, flags: NoteFlags) -> None:
        self._add(flatten(flags))

    def write_serialised(self, line: str) -> None:
        self._add(flatten_dict(json.loads(line)))

    def _add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= PARQUET_BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
        self.rows = []

    def close(self) -> None:
        if self.rows or self.writer is None:
            self._flush()
        self.writer.close()


@contextmanager
def open_flag_writer(path: str | Path, fmt: str) -> Iterator:
    path = Path(path)
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            yield _JsonlWriter(fh)
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            yield _CsvWriter(fh)
    elif fmt == "parquet":
        writer = _ParquetWriter(path)
        try:
            yield writer
        finally:
            writer.close()
    else:
        raise ValueError(f"unknown output format {fmt!r}")
