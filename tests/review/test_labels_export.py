"""`queue export --labels`: decided markers as gold-format labels, nothing invented, loadable again."""

from __future__ import annotations

import json

import pytest

from annotations.schema import GoldFormatError
from pipeline.cli import main
from review.labels_export import parse_review_labels, read_review_labels
from review_fixtures import NOTES_BY_ID
from review_helpers import decide_json, item_id_for


@pytest.fixture
def decided(client_for, loaded_store):
    rita, rune = client_for("rita"), client_for("rune")
    decide_json(rita, item_id_for(loaded_store, "N-1", "unhandled_concern"), "confirm")
    decide_json(rita, item_id_for(loaded_store, "N-1", "missing_assessment"), "dismiss", reason="assessment_present")
    decide_json(rita, item_id_for(loaded_store, "N-3", "authority_jargon"), "escalate", escalate_to="team_leader")
    # N-4: two reviewers disagree at the same time -> no label
    item = item_id_for(loaded_store, "N-4", "missing_assessment")
    seen = rune.get(f"/markeringer/{item}.json").json()["item"]["version"]
    decide_json(rita, item, "confirm")
    decide_json(rune, item, "dismiss", version=seen, reason="assessment_present")
    decide_json(rita, item_id_for(loaded_store, "N-3", "missing_assessment"), "comment", text="Kig på den igen.")
    return loaded_store


def export_labels(db_url: str, path) -> list:
    assert main(["queue", "export", "--labels", "-o", str(path), "--db", db_url]) == 0
    return read_review_labels(path)


def test_confirmed_flags_become_1_dismissed_become_0_and_undecided_markers_are_left_out(db_url, decided, tmp_path):
    records = {r.note.note_id: r for r in export_labels(db_url, tmp_path / "labels.jsonl")}
    assert set(records) == {"N-1", "N-3"}
    n1 = records["N-1"]
    assert n1.labels == {"unhandled_concern": 1, "missing_assessment": 0, "concern_present": 1}
    assert n1.reviewed_labels == ["missing_assessment", "unhandled_concern"] and n1.derived_labels == ["concern_present"]
    assert n1.note.text == NOTES_BY_ID["N-1"].text and n1.note.written_at == NOTES_BY_ID["N-1"].written_at
    assert n1.evidence == {"unhandled_concern": ["[BARN] har haft blå mærker på armene to gange i denne måned og siger, at far bliver vred."]}
    assert n1.extra["reviewers"] == {"missing_assessment": "rita", "unhandled_concern": "rita"}
    assert n1.extra["flag_concern_types"] == ["violence"] and not n1.complete
    n3 = records["N-3"]
    assert n3.labels == {"authority_jargon": 1} and n3.reviewed_labels == ["authority_jargon"]


def test_the_labels_file_is_gold_format_json_lines(db_url, decided, tmp_path):
    path = tmp_path / "labels.jsonl"
    export_labels(db_url, path)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    for key in ("note_id", "case_id", "written_at", "text", "labels", "annotator"):
        assert key in first
    assert first["annotator"] == "review-queue" and first["source"] == "review"
    assert "concern_types" not in first["labels"]


def test_labels_are_only_written_as_jsonl(sqlite_url, capsys):
    assert main(["queue", "export", "--labels", "--format", "csv", "--db", sqlite_url]) == 2
    assert "use --format jsonl" in capsys.readouterr().err


def test_researchers_download_the_same_labels_from_the_web(client_for, decided):
    response = client_for("frida").get("/eksport/labels.jsonl")
    assert response.status_code == 200
    notes = [json.loads(line)["note_id"] for line in response.text.splitlines()]
    assert notes == ["N-1", "N-3"]


def test_the_reader_refuses_records_that_claim_more_than_was_reviewed():
    base = {**NOTES_BY_ID["N-2"].to_dict(), "labels": {"missing_assessment": 1}, "reviewed_labels": ["missing_assessment"]}
    assert parse_review_labels(base).labels == {"missing_assessment": 1}
    with pytest.raises(GoldFormatError, match="exactly reviewed_labels"):
        parse_review_labels({**base, "reviewed_labels": []})
    with pytest.raises(GoldFormatError, match="must be 0 or 1"):
        parse_review_labels({**base, "labels": {"missing_assessment": 2}})
    with pytest.raises(GoldFormatError, match="concern_present is not 1"):
        parse_review_labels({**base, "labels": {"unhandled_concern": 1}, "reviewed_labels": ["unhandled_concern"]})
    with pytest.raises(GoldFormatError, match="note N-2: labels \\['concern_types'\\]"):
        parse_review_labels({**base, "labels": {"concern_types": ["violence"]}, "reviewed_labels": []})
