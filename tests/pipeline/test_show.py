"""`journaltjek show`: a quick look at a flag file, unhandled worry first, evidence quoted."""

from __future__ import annotations

import json

from pipeline.cli import main
from pipeline.schema import MARKERS, Evidence, MarkerResult, NoteFlags


def flags(note_id: str, flagged: dict[str, float]) -> dict:
    markers = {m: MarkerResult(False, 0.1) for m in MARKERS}
    for marker, score in flagged.items():
        markers[marker] = MarkerResult(True, score, [Evidence(0, 10, f"citat {note_id}", f"grund {marker}", plain="enkelt ord" if marker == "authority_jargon" else None)])
    return NoteFlags(note_id, "sag", "m@1", markers).to_dict()


def test_show_prints_flagged_notes_worst_first_with_evidence(tmp_path, capsys):
    path = tmp_path / "flags.jsonl"
    rows = [
        flags("clean", {}),
        flags("jargon", {"authority_jargon": 0.99}),
        flags("worry", {"unhandled_concern": 0.6}),
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.index("Notat worry") < out.index("Notat jargon")
    assert "clean" not in out
    assert "Bekymring ikke behandlet som underretning" in out and "«citat worry»" in out
    assert "→ enkelt ord" in out and "grund authority_jargon" in out
    assert "2 markerede notater i alt" in out


def test_show_filters_by_marker_and_limits(tmp_path, capsys):
    path = tmp_path / "flags.jsonl"
    rows = [flags(f"n{i}", {"missing_assessment": 0.5 + i / 100}) for i in range(5)] + [flags("w", {"unhandled_concern": 0.9})]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert main(["show", str(path), "--marker", "missing_assessment", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "Notat n4" in out and "Notat n3" in out and "Notat n2" not in out and "Notat w" not in out


def test_show_refuses_a_file_that_is_not_a_flag_file(tmp_path, capsys):
    path = tmp_path / "x.jsonl"
    path.write_text('{"note_id": "a"}\n', encoding="utf-8")
    assert main(["show", str(path)]) == 2
    assert "line 1: not a flag record" in capsys.readouterr().err
