"""The speed scripts behind the README's figures run on small inputs and print their tables."""

from __future__ import annotations

from pathlib import Path

import pytest

GOLD_DEV = Path(__file__).resolve().parents[2] / "annotations" / "gold" / "dev.jsonl"


@pytest.mark.slow
def test_synth_throughput_times_each_size_worker_count_and_format(capsys, tmp_path):
    from evaluation.benchmarks.synth_throughput import main

    assert main(["--sizes", "300", "--workers", "1,2", "--formats", "jsonl,csv", "--workdir", str(tmp_path)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 300 |")]
    assert [row.split("|")[2:4] for row in rows] == [[" jsonl ", " 1 "], [" csv ", " 1 "], [" jsonl ", " 2 "], [" csv ", " 2 "]]
    assert list(tmp_path.iterdir()) == []  # the timed files are removed


def test_synth_throughput_refuses_an_unknown_format():
    from evaluation.benchmarks.synth_throughput import main

    with pytest.raises(SystemExit):
        main(["--sizes", "10", "--formats", "xml"])


def test_rules_overhead_reports_every_stage_as_a_multiple_of_the_bare_pass(capsys):
    from evaluation.benchmarks.rules_overhead import main

    assert main(["--input", str(GOLD_DEV), "--limit", "15", "--model", "rules", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("15 notes")
    for stage in ("bare tokenise + split", "lemmas", "matching", "roles", "jargon", "markers", "added to the bare pass"):
        assert f"| {stage}" in out or f"| **{stage}" in out
    assert "| bare tokenise + split |" in out and "| 1.00 |" in out
