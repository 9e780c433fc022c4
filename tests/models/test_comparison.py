"""`journaltjek compare`: every backend on the same splits plus a noisy test copy, one table, README."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.schema import read_gold, write_gold
from models.comparison import (
    README_END, README_START, ComparisonSpec, comparison_markdown, noisy_copy, run_comparison, write_readme_table,
)
from pipeline.cli import main
from pipeline.schema import MARKERS

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "gold"


@pytest.fixture(scope="module")
def splits(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("compare-splits")
    out = {}
    for name, limit in (("train", 120), ("dev", 60), ("test", 40)):
        out[name] = directory / f"{name}.jsonl"
        write_gold(read_gold(GOLD / f"{name}.jsonl")[:limit], out[name])
    return out


@pytest.fixture(scope="module")
def result(splits, tmp_path_factory) -> dict:
    spec = ComparisonSpec(train=splits["train"], dev=splits["dev"], test=splits["test"],
                          output=tmp_path_factory.mktemp("compare-out"), backends=["rules", "sklearn"],
                          params={"sklearn": {"max_char_features": 4000}}, synthetic_variants=[("sklearn", 30)])
    return run_comparison(spec, progress=False)


def test_the_noisy_copy_keeps_labels_changes_text_and_is_the_same_for_the_same_seed(splits):
    test = read_gold(splits["test"])
    first, again, other = noisy_copy(test, 0), noisy_copy(test, 0), noisy_copy(test, 1)
    assert [r.note.text for r in first] == [r.note.text for r in again]
    assert [r.labels for r in first] == [r.labels for r in test]
    changed = sum(a.note.text != b.note.text for a, b in zip(first, test))
    assert changed >= len(test) // 2
    assert [r.note.text for r in first] != [r.note.text for r in other]


def test_every_backend_is_measured_on_dev_test_and_noisy_test(result):
    labels = [row["label"] for row in result["rows"]]
    assert labels == ["rules (as shipped)", "rules", "sklearn", "sklearn + 30 synthetic"]
    for row in result["rows"]:
        assert set(row["metrics"]) == {"dev", "test", "test_noisy"}
        for figures in row["metrics"].values():
            assert all(0.0 <= figures[m]["f1"] <= 1.0 for m in MARKERS)
            assert figures["notes_per_second"] > 0
    trained = result["rows"][2]
    assert Path(trained["model_dir"], "config.yaml").is_file() and trained["size_mb"] > 0
    variant = result["rows"][3]
    assert variant["synthetic"] == 30
    assert json.loads(Path(variant["model_dir"], "card.json").read_text(encoding="utf-8"))["trained_on"]["n_notes"] == 120 + 30
    assert Path(result["test_noisy"]).is_file()
    assert json.loads(Path(trained["model_dir"]).parent.joinpath("comparison.json").read_text(encoding="utf-8"))["rows"]


def test_the_table_has_a_row_per_backend_and_split_and_marks_the_default(result):
    markdown = comparison_markdown(result, default_backend="sklearn")
    table = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(table) == 4 * 3
    assert sum("**sklearn** (default)" in line for line in table) == 3
    assert any("| rules (as shipped) | test, noisy |" in line for line in table)
    sklearn_test = next(line for line in table if line.startswith("| **sklearn** (default) | test |"))
    f1 = result["rows"][2]["metrics"]["test"]["unhandled_concern"]["f1"]
    assert f"/ {f1:.2f} |" in sklearn_test


def test_rerunning_replaces_the_readme_table_and_keeps_the_rest(result, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# journaltjek\n\n## Models\n\nText before.\n\n## Next section\n\nKept.\n", encoding="utf-8")
    markdown = comparison_markdown(result)
    write_readme_table(readme, markdown)
    write_readme_table(readme, markdown.replace("rules (as shipped)", "rules (as shipped again)"))
    text = readme.read_text(encoding="utf-8")
    assert text.count(README_START) == 1 and text.count(README_END) == 1
    assert "as shipped again" in text and "Text before." in text and "Kept." in text


def test_compare_refuses_unknown_backends_and_a_transformer_without_an_encoder(capsys):
    assert main(["compare", "--backends", "rules,svm"]) == 2
    assert "unknown backend(s) ['svm']" in capsys.readouterr().err
    assert main(["compare", "--backends", "transformer"]) == 2
    assert "--transformer-base" in capsys.readouterr().err
    assert main(["compare", "--backends", "sklearn", "--param", "C=3"]) == 2
    assert "BACKEND.KEY=VALUE" in capsys.readouterr().err
    assert main(["compare", "--backends", "sklearn", "--with-synthetic", "hybrid=many"]) == 2
    assert "BACKEND=N" in capsys.readouterr().err


def test_compare_on_the_command_line_writes_the_table_into_a_readme(splits, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n", encoding="utf-8")
    code = main(["compare", "--train", str(splits["train"]), "--dev", str(splits["dev"]), "--test", str(splits["test"]),
                 "--backends", "rules", "-o", str(tmp_path / "out"), "--readme", str(readme), "--default", "rules"])
    assert code == 0
    text = readme.read_text(encoding="utf-8")
    assert README_START in text and "| **rules** (default) | test |" in text
