"""Reading archives: every dialect Danish systems export, column mapping, and bad rows that are
reported instead of lost or mangled."""

from __future__ import annotations

import json
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.columns import parse_column_spec
from pipeline.errors import ArchiveError, UsageError
from pipeline.io import NoteReader, read_notes, read_rows

HEADER = "sagsnr;notat_id;dato;tidspunkt;overskrift;notattype;team;forfatter;tekst"


def write(path, text: str, encoding: str = "utf-8", bom: bool = False) -> str:
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return str(path)


def rows_of(*paths, columns=None):
    return list(read_rows(paths, columns))


def test_semicolon_csv_with_bom_and_danish_columns(tmp_path):
    path = write(
        tmp_path / "a.csv",
        HEADER + "\n2025-01;J-1;04-03-2025;10:15;Tlf.;telefonnotat;Modtagelsen;RH;Mor ringede om [BARN]. Særlig ønske på åben dør.\n",
        bom=True,
    )
    (row,) = rows_of(path)
    assert row.error is None
    note = row.note
    assert (note.note_id, note.case_id, note.title, note.note_type, note.team, note.author_id) == (
        "J-1", "2025-01", "Tlf.", "telefonnotat", "Modtagelsen", "RH",
    )
    assert note.written_at == datetime(2025, 3, 4, 10, 15)
    assert "Særlig ønske på åben dør" in note.text


def test_comma_csv_without_bom_with_quoted_multiline_text(tmp_path):
    path = write(
        tmp_path / "a.csv",
        'sagsnummer,notat_id,dato,notat\n7,n1,2025-03-04 09:00,"Formål: opfølgning\nVurdering: -, se senere"\n',
    )
    (row,) = rows_of(path)
    assert row.note.case_id == "7"
    assert row.note.text == "Formål: opfølgning\nVurdering: -, se senere"


def test_legacy_cp1252_is_detected_reported_and_keeps_danish_letters(tmp_path):
    path = write(tmp_path / "old.csv", "sagsnr;notat_id;dato;tekst\n1;a;04.03.2025;Børnesamtale på skolen, æbler og ål\n", encoding="cp1252")
    reader = NoteReader([path])
    (row,) = list(reader)
    assert row.note.text == "Børnesamtale på skolen, æbler og ål"
    (info,) = reader.sources
    assert info.encoding == "cp1252"
    assert any("not UTF-8" in w for w in info.warnings)


def test_jsonl_and_parquet_readers_give_the_same_notes(tmp_path):
    record = {"note_id": "x1", "case_id": "c1", "written_at": "2025-03-04T10:15", "text": "Hjemmebesøg hos familien.", "child_age": 7}
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    parquet = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist([record]), parquet)
    (from_jsonl,) = read_notes([jsonl])
    reader_parquet = NoteReader([parquet])
    (from_parquet,) = [r.note for r in reader_parquet]
    assert from_jsonl == from_parquet
    assert from_jsonl.child_age == 7


def test_parquet_is_read_in_batches_without_loading_everything(tmp_path):
    records = [{"note_id": f"n{i}", "case_id": "c", "written_at": "2025-03-04", "text": f"notat {i}"} for i in range(12_000)]
    path = tmp_path / "big.parquet"
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=3000)
    rows = read_rows([path])
    first = next(rows)
    assert first.note.note_id == "n0"
    assert sum(1 for _ in rows) == 11_999


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-03-04", datetime(2025, 3, 4)),
        ("2025-03-04T10:15:00", datetime(2025, 3, 4, 10, 15)),
        ("04-03-2025 10:15", datetime(2025, 3, 4, 10, 15)),
        ("4/3-2025", datetime(2025, 3, 4)),
        ("04.03.2025", datetime(2025, 3, 4)),
        ("04.03.25 kl. 14.30", datetime(2025, 3, 4, 14, 30)),
    ],
)
def test_dates_in_iso_and_danish_forms(tmp_path, value, expected):
    path = write(tmp_path / "d.csv", f"sagsnr;notat_id;dato;tekst\n1;a;{value};tekst\n")
    (row,) = rows_of(path)
    assert row.note.written_at == expected


def test_separate_time_column_is_joined_to_the_date(tmp_path):
    path = write(tmp_path / "d.csv", "sagsnr;notat_id;dato;tidspunkt;tekst\n1;a;4/3-2025;14:30;tekst\n")
    assert rows_of(path)[0].note.written_at == datetime(2025, 3, 4, 14, 30)


def test_columns_option_maps_any_other_names(tmp_path):
    path = write(tmp_path / "x.csv", "ID,Case,When,Body\n1,2,2025-01-02,Samtale med drengen.\n")
    (row,) = rows_of(path, columns=parse_column_spec("note_id=ID,case_id=Case,written_at=When,text=Body"))
    assert (row.note.note_id, row.note.case_id, row.note.text) == ("1", "2", "Samtale med drengen.")


def test_unknown_field_in_columns_option_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown field 'body'"):
        parse_column_spec("body=Tekst")


def test_missing_required_column_stops_before_work_and_lists_the_columns_found(tmp_path):
    path = write(tmp_path / "x.csv", "sagsnr;notat_id;dato;indhold_x\n1;a;2025-01-02;t\n")
    with pytest.raises(ArchiveError) as err:
        NoteReader([path]).check_headers()
    message = str(err.value)
    assert "text" in message and "tekst" in message
    assert "Columns found: sagsnr, notat_id, dato, indhold_x" in message


def test_empty_file_is_an_archive_error(tmp_path):
    path = write(tmp_path / "empty.csv", "")
    with pytest.raises(ArchiveError, match="empty"):
        NoteReader([path]).check_headers()


def test_unknown_file_type_is_an_archive_error(tmp_path):
    path = write(tmp_path / "notes.xlsx", "x")
    with pytest.raises(ArchiveError, match="unknown file type"):
        NoteReader([path])


SECRET = "Fortroligt indhold om barnet"


def test_bad_rows_become_error_rows_that_name_the_problem_and_never_the_text(tmp_path):
    lines = [
        "sagsnr;notat_id;dato;tekst",
        f"1;a;2025-01-02;{SECRET} a",
        f"1;a;2025-01-03;{SECRET} b",  # duplicate id
        "1;b;2025-01-03;   ",  # whitespace text
        f"1;c;31-02-2025;{SECRET} c",  # impossible date
        f"1;d;i går;{SECRET} d",  # unparseable date
        f"1;e;2025-01-02;{SECRET}\x00 e",  # NUL byte
        f";f;2025-01-02;{SECRET} f",  # no case id
        f"1;g;2025-01-02;{SECRET};extra",  # wrong field count
    ]
    path = write(tmp_path / "bad.csv", "\n".join(lines) + "\n")
    rows = rows_of(path)
    assert [r.row for r in rows] == list(range(1, 9))
    reasons = {r.row: r.error for r in rows}
    assert reasons[1] is None
    assert "duplicate note_id, first seen in row 1" in reasons[2]
    assert reasons[3] == "empty note text"
    assert "impossible date" in reasons[4]
    assert "unparseable date" in reasons[5]
    assert "NUL" in reasons[6]
    assert reasons[7] == "empty case_id"
    assert "fields" in reasons[8]
    assert rows[1].note_id == "a" and rows[7].note_id == "g"
    assert all(SECRET not in (r.error or "") for r in rows)


def test_invalid_utf8_bytes_in_a_utf8_file_fail_only_that_row(tmp_path):
    good = "sagsnr;notat_id;dato;tekst\n1;a;2025-01-02;Børn og unge\n".encode("utf-8")
    bad = b"1;b;2025-01-02;ugyldig \xff\xfe byte\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + b"1;c;2025-01-02;" + "å".encode() * 10 + b"\n" + bad)
    rows = rows_of(str(path))
    assert rows[0].note.text == "Børn og unge"
    assert rows[1].note.text == "å" * 10
    assert "invalid UTF-8" in rows[2].error


def test_duplicate_ids_are_caught_across_files(tmp_path):
    a = write(tmp_path / "a.csv", "sagsnr;notat_id;dato;tekst\n1;a;2025-01-02;x\n")
    b = write(tmp_path / "b.csv", "sagsnr;notat_id;dato;tekst\n1;a;2025-01-02;y\n")
    rows = rows_of(a, b)
    assert rows[0].ok
    assert "first seen in row 1 of" in rows[1].error


def test_a_five_megabyte_note_is_read_whole(tmp_path):
    big = "Lang statusrapport. " * 260_000
    path = write(tmp_path / "big.csv", f'sagsnr;notat_id;dato;tekst\n1;a;2025-01-02;"{big}"\n')
    (row,) = rows_of(path)
    assert row.ok and len(row.note.text) == len(big) > 5_000_000


def test_jsonl_bad_lines_are_error_rows(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"note_id": "a", "case_id": "1", "written_at": "2025-01-02", "text": "ok"}\n'
        "{not json\n"
        '["a list"]\n'
        '{"note_id": "b", "case_id": "1", "written_at": "2025-01-02", "text": ""}\n',
        encoding="utf-8",
    )
    rows = rows_of(path)
    assert rows[0].ok
    assert "not valid JSON" in rows[1].error
    assert "one JSON object" in rows[2].error
    assert rows[3].error == "empty note text" and rows[3].note_id == "b"
