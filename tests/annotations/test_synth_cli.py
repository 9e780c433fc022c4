"""`journaltjek synth`: deterministic files, exact counts, a Danish CSV archive the scanner reads, flat memory."""

from __future__ import annotations

import json
import tracemalloc
from datetime import datetime

import pandas as pd
import pytest

from annotations.schema import iter_gold
from annotations.synth.corpus_writer import write_corpus
from pipeline.cli import main
from pipeline.io import read_rows


def run(*argv: str) -> int:
    return main(["synth", *argv])


def test_the_same_seed_writes_a_byte_identical_file_and_another_seed_a_different_one(tmp_path):
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    assert run("-n", "700", "--seed", "9", "-o", str(first)) == 0
    assert run("-n", "700", "--seed", "9", "-o", str(second)) == 0
    assert run("-n", "700", "--seed", "10", "-o", str(other)) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_several_worker_processes_write_the_same_bytes_as_one(tmp_path):
    serial, parallel = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run("-n", "2500", "--seed", "3", "--workers", "1", "-o", str(serial)) == 0
    assert run("-n", "2500", "--seed", "3", "--workers", "2", "-o", str(parallel)) == 0
    assert serial.read_bytes() == parallel.read_bytes()


@pytest.mark.parametrize("n", [0, 1, 2, 7, 333])
def test_exactly_n_valid_gold_records_are_written_even_when_the_last_case_is_cut(tmp_path, n):
    out = tmp_path / "corpus.jsonl"
    assert run("-n", str(n), "--seed", "1", "-o", str(out)) == 0
    records = list(iter_gold(out))
    assert len(records) == n
    assert len({r.note.note_id for r in records}) == n


def test_a_cut_last_case_is_labelled_as_the_shorter_case_it_became(tmp_path):
    full, cut = tmp_path / "full.jsonl", tmp_path / "cut.jsonl"
    assert run("-n", "400", "--seed", "2", "-o", str(full)) == 0
    full_records = [json.loads(line) for line in full.read_text(encoding="utf-8").splitlines()]
    first_case = [r for r in full_records if r["case_id"] == full_records[0]["case_id"]]
    assert len(first_case) >= 3
    assert run("-n", "1", "--seed", "2", "-o", str(cut)) == 0
    (only,) = [json.loads(line) for line in cut.read_text(encoding="utf-8").splitlines()]
    assert only["synth"]["handles"] == []
    if "concern" in only["synth"] and only["synth"]["concern"]["handled_here"] is None:
        assert only["labels"]["unhandled_concern"] == 1  # its handling note was never written


def test_csv_output_is_a_danish_export_that_the_archive_reader_reads(tmp_path):
    out_csv, out_jsonl = tmp_path / "arkiv.csv", tmp_path / "arkiv.jsonl"
    assert run("-n", "600", "--seed", "4", "-o", str(out_csv)) == 0
    assert run("-n", "600", "--seed", "4", "-o", str(out_jsonl)) == 0
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"sagsnr;notat_id;dato;overskrift;notattype;team;forfatter;tekst\r\n")
    assert b"labels" not in raw

    rows = list(read_rows([out_csv]))
    assert all(r.ok for r in rows), [r.error for r in rows if not r.ok][:3]
    gold = {r.note.note_id: r.note for r in iter_gold(out_jsonl)}
    assert len(rows) == len(gold) == 600
    for row in rows:
        expected = gold[row.note.note_id]
        assert row.note.text == expected.text
        assert row.note.written_at == expected.written_at
        assert row.note.case_id == expected.case_id
        assert (row.note.title, row.note.author_id) == (expected.title, expected.author_id)


def test_csv_dates_are_written_the_danish_way(tmp_path):
    out = tmp_path / "arkiv.csv"
    assert run("-n", "50", "--seed", "5", "-o", str(out)) == 0
    frame = pd.read_csv(out, sep=";", encoding="utf-8-sig", dtype=str)
    assert list(frame.columns) == ["sagsnr", "notat_id", "dato", "overskrift", "notattype", "team", "forfatter", "tekst"]
    for value in frame["dato"]:
        datetime.strptime(value, "%d-%m-%Y %H:%M")


def test_format_option_wins_over_the_suffix(tmp_path):
    out = tmp_path / "arkiv.txt"
    assert run("-n", "20", "--format", "csv", "-o", str(out)) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfsagsnr;")


@pytest.mark.parametrize(
    "argv",
    [
        ["-n", "-1", "-o", "x.jsonl"],
        ["-n", "10", "--seed", "-3", "-o", "x.jsonl"],
        ["-n", "10", "--styles", "terse,poetic", "-o", "x.jsonl"],
        ["-n", "10", "-o", "x.parquet"],
        ["-n", "10", "--workers", "-1", "-o", "x.jsonl"],
        ["-n", "10", "-o", "no/such/folder/x.jsonl"],
    ],
)
def test_bad_arguments_stop_with_exit_code_2_and_a_message(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    assert run(*argv) == 2
    assert "journaltjek: error:" in capsys.readouterr().err


def test_styles_option_limits_the_styles_written(tmp_path):
    out = tmp_path / "t.jsonl"
    assert run("-n", "200", "--styles", "narrative", "-o", str(out)) == 0
    assert {r.extra["style"] for r in iter_gold(out)} == {"narrative"}


def test_memory_stays_flat_as_the_corpus_grows(tmp_path):
    def peak(n: int) -> int:
        tracemalloc.start()
        write_corpus(str(tmp_path / f"m{n}.jsonl"), "jsonl", n, seed=6)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(500), peak(4000)
    assert large < small * 1.5, (small, large)
