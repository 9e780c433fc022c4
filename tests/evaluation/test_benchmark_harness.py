"""The benchmark harness: memory sampling, the bare spaCy yardstick, the table, end to end."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from evaluation.benchmarks import archives
from evaluation.benchmarks.archives import BenchmarkSetupError, iter_text_chunks, synthetic_archive
from evaluation.benchmarks.bare_pass import split_only_pipe, time_bare_pass
from evaluation.benchmarks.machine import describe_machine, machine_line
from evaluation.benchmarks.process_monitor import run_measured
from evaluation.benchmarks.results_table import markdown_table

SENTENCES = [
    "Samtale med [BARN] på skolen.",
    "Mor fortæller, at det går bedre derhjemme.",
    "Vurdering: Jeg vurderer, at indsatsen virker, idet skolen beskriver færre konflikter.",
    "Der er d.d. foretaget visitation iht. § 32, stk. 1, nr. 3.",
    "Nyt møde 14/5 kl. 10.",
]


def write_archive(path: Path, n_notes: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_notes):
            text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 8)))
            row = {"note_id": f"n{i}", "case_id": f"c{i // 4}", "written_at": f"2024-03-{1 + i % 28:02d}T10:00", "text": text}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def test_peak_memory_covers_the_whole_process_tree():
    # the child starts a grandchild that holds 200 MB; the peak must include it
    grandchild = "import time; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.0)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    measurement = run_measured([sys.executable, "-c", child], interval=0.02)
    assert measurement.returncode == 0
    assert measurement.peak_rss_mib >= 200
    assert measurement.seconds >= 1.0


def test_cpu_time_counts_the_work_of_children_and_grandchildren_but_not_sleep():
    spin = "import time; end = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(0.5)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}])"
    measurement = run_measured([sys.executable, "-c", child])
    assert measurement.cpu_seconds >= 0.6
    assert measurement.cpu_seconds < measurement.seconds


def test_a_failing_command_keeps_its_exit_code_and_the_end_of_stderr():
    measurement = run_measured([sys.executable, "-c", "import sys; sys.stderr.write('x' * 10000 + 'END'); sys.exit(3)"])
    assert measurement.returncode == 3
    assert measurement.stderr_tail.endswith("END") and len(measurement.stderr_tail) <= 2000


def test_the_bare_pass_tokenises_and_splits_only(tmp_path):
    from pipeline.text import get_nlp

    archive = write_archive(tmp_path / "a.jsonl", 30)
    pipe, components = split_only_pipe(get_nlp())
    assert components[0] == "tokenizer" and "journal_sentencizer" in components
    assert not any("lemma" in name for name in components)
    doc = next(pipe([SENTENCES[0] + " " + SENTENCES[1]]))
    assert len(list(doc.sents)) == 2
    assert all(token.lemma_ == "" for token in doc)  # the lemmatizer did not run
    result = time_bare_pass(iter_text_chunks(archive, chunk=7), (pipe, components))
    texts = [json.loads(line)["text"] for line in archive.read_text(encoding="utf-8").splitlines()]
    assert result.notes == 30
    assert result.words == sum(len(t.split()) for t in texts)
    assert result.sentences >= 60
    assert result.seconds > 0 and result.cpu_seconds > 0


def test_the_machine_is_described_by_cpu_cores_ram_python_and_os():
    machine = describe_machine()
    assert machine["cores_logical"] >= 1 and machine["ram_gib"] > 0
    line = machine_line(machine)
    assert machine["python"] in line and "GiB RAM" in line and machine["cpu"] in line


def test_the_table_shows_one_row_per_scan_and_marks_failures():
    results = {
        "date": "2026-01-01 10:00",
        "machine": {"cpu": "Test CPU", "cores_logical": 2, "cores_physical": 1, "cpus_usable": 2, "ram_gib": 8.0, "python": "3.11.9", "os": "Linux"},
        "model": "default@0.3.0",
        "archives": "synthetic archives",
        "startup_notes": 20,
        "startup_s": 2.0,
        "startup_cpu_s": 1.5,
        "load_average": {"start": 0.5, "end": 1.0},
        "bare_components": ["tokenizer", "journal_sentencizer"],
        "total_s": 150.0,
        "rows": [
            {"notes": 10000, "words": 1200000, "workers": 1, "status": "ok", "scan_s": 22.0, "scan_cpu_s": 21.5, "notes_per_s": 454.5,
             "words_per_s": 54545.0, "peak_rss_mib": 310.0, "bare_s": 8.0, "bare_cpu_s": 7.9, "ratio": 2.75, "ratio_cpu_net": 2.53},
            {"notes": 10000, "words": 1200000, "workers": 2, "status": "failed (exit 2)", "scan_s": 1.0, "scan_cpu_s": 1.0,
             "notes_per_s": 1.0, "words_per_s": 1.0, "peak_rss_mib": 1.0, "bare_s": 8.0, "bare_cpu_s": 7.9, "ratio": 0.1,
             "ratio_cpu_net": None},
        ],
    }
    table = markdown_table(results)
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # header and two scans
    assert "| 10,000 | 1,200,000 | 1 | 22.0 | 21.5 | 454 | 54,545 | 310 | 8.0 | 7.9 | 2.8× | 2.5× |" in table
    assert "failed (exit 2)" in rows[2] and "0.1×" not in rows[2]
    assert "Test CPU" in table and "default@0.3.0" in table and "0.5 at start" in table
    assert "The whole run (archives, bare passes, every scan) took 2.5 min." in table


def test_a_failing_synth_command_says_how_to_go_on(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "journaltjek_command", lambda *args: [sys.executable, "-c", "import sys; sys.exit(4)"])
    with pytest.raises(BenchmarkSetupError, match=r"(?s)exit 4.*--archive"):
        synthetic_archive(100, 1, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left to be mistaken for an archive


def _scan_can_run() -> bool:
    from models.registry import available_models

    return importlib.util.find_spec("pipeline.cases") is not None and "default" in available_models()


@pytest.mark.slow
def test_the_harness_runs_end_to_end_on_a_tiny_archive(tmp_path):
    if not _scan_can_run():
        pytest.skip("journaltjek scan cannot run yet (pipeline.cases or the default model missing)")
    from evaluation.benchmarks.run import main

    archive = write_archive(tmp_path / "tiny.jsonl", 120)
    results_md = tmp_path / "results.md"
    results_json = tmp_path / "results.json"
    code = main(["--archive", str(archive), "--workers", "1,2", "--workdir", str(tmp_path / "work"),
                 "--results", str(results_md), "--json", str(results_json)])
    assert code == 0
    results = json.loads(results_json.read_text(encoding="utf-8"))
    assert [row["workers"] for row in results["rows"]] == [1, 2]
    for row in results["rows"]:
        assert row["status"] == "ok" and row["notes"] == 120
        assert row["notes_per_s"] > 0 and row["peak_rss_mib"] > 50 and row["ratio"] > 0
        assert row["scan_cpu_s"] > 0 and row["bare_cpu_s"] > 0
    assert results["startup_s"] > 0 and results["startup_cpu_s"] > 0
    assert results["total_s"] > results["startup_s"] + sum(row["scan_s"] for row in results["rows"])
    table = results_md.read_text(encoding="utf-8")
    assert table.startswith("# Benchmarks") and "| 120 |" in table
    assert not list((tmp_path / "work").glob("flags_*"))  # scan outputs are cleaned up


@pytest.mark.slow
def test_the_harness_makes_its_archives_with_journaltjek_synth(tmp_path):
    from pipeline.cli import build_parser

    try:
        build_parser().parse_args(["synth", "--help"])
    except SystemExit as exit_:
        if exit_.code != 0:
            pytest.skip("journaltjek synth is not available yet")
    path = synthetic_archive(50, 7, tmp_path)
    assert path.name == "synth_50_seed7.jsonl"
    assert sum(len(chunk) for chunk in iter_text_chunks(path)) == 50
    assert synthetic_archive(50, 7, tmp_path) == path  # cached
