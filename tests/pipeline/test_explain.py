"""`journaltjek explain`: a reviewer sees the roles and each marker's decision for one note."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main

NOTES = [
    {"note_id": "A-1", "case_id": "S-1", "written_at": "2024-03-04T09:00",
     "text": "Pædagogen ringer. Pigen har et blåt mærke på armen og siger, at mor har slået hende."},
    {"note_id": "A-2", "case_id": "S-1", "written_at": "2024-03-04T12:30",
     "text": "Oplysningerne fra børnehaven behandles som underretning. Akutvurdering foretaget."},
    {"note_id": "B-1", "case_id": "S-2", "written_at": "2024-03-04T10:00",
     "text": "Far aflyser mødet. Ny tid sendes."},
]


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory):
    """A rules model directory: explain shows the rules' roles whatever the default model is."""
    from models.rules_model import RulesModel

    path = tmp_path_factory.mktemp("rules")
    RulesModel().to_disk(path)
    return str(path)


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in NOTES), encoding="utf-8")
    return path


def test_explain_prints_sentences_roles_and_each_markers_decision(archive, rules_dir, capsys):
    assert main(["explain", "A-1", "--input", str(archive), "--model", rules_dir]) == 0
    out = capsys.readouterr().out
    assert "Notat A-1  sag S-1" in out and "Sagen har 2 notater" in out
    assert "[2] Pigen har et blåt mærke på armen" in out
    assert "CONCERN" in out and "(vold)" in out
    for name in ("Manglende faglig vurdering", "Ingen børnesamtale registreret", "Myndighedssprog",
                 "Bekymring ikke behandlet som underretning"):
        assert name in out


def test_explain_shows_the_24_hour_rule_pointing_at_the_handling_note(archive, rules_dir, capsys):
    main(["explain", "A-1", "--input", str(archive), "--model", rules_dir])
    out = capsys.readouterr().out
    assert "ryddet af 24-timers-reglen" in out
    assert "Behandlet som underretning i notat A-2, 4 timer senere" in out


def test_explaining_a_note_that_is_not_there_cannot_run(archive, rules_dir, capsys):
    assert main(["explain", "NOPE-9", "--input", str(archive), "--model", rules_dir]) == 2
    err = capsys.readouterr().err
    assert "NOPE-9" in err and "Pigen" not in err
