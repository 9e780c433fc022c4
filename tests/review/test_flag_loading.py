"""Loading scans: idempotent, rescans keep decisions and mark what changed, bad input named by line and note id."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import func, select

from pipeline.schema import Evidence
from review.decisions import DecisionRequest, decide
from review.loading import load_flag_objects, load_scan
from review.store import Decision, Item, StoredNote, User
from review_fixtures import NOTES, NOTES_BY_ID, EXPECTED_ORDER, make_flags, write_archive, write_flags
from review_helpers import item_id_for


def items_by_key(store) -> dict[tuple[str, str], Item]:
    with store.session() as session:
        rows = session.execute(select(Item, StoredNote.note_id).join(StoredNote, StoredNote.id == Item.note_pk)).all()
    return {(note_id, item.marker): item for item, note_id in rows}


def test_every_flagged_marker_becomes_one_open_item_and_every_note_is_stored(store):
    report = load_flag_objects(store, NOTES, make_flags())
    assert report.errors == 0
    assert report.items_new == len(EXPECTED_ORDER)
    items = items_by_key(store)
    assert set(items) == {(note, marker) for marker, note in EXPECTED_ORDER}
    assert all(i.status == "open" and i.active for i in items.values())
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(StoredNote)).scalar_one() == len(NOTES)
        n5 = session.execute(select(StoredNote).where(StoredNote.note_id == "N-5")).scalar_one()
    assert n5.concern_types == ["fear_of_home", "parental_substance"]
    concern = items[("N-1", "unhandled_concern")]
    assert concern.priority_class == 0 and concern.deadline == NOTES_BY_ID["N-1"].written_at.replace(day=4)
    assert concern.team == "Team Nord" and concern.case_id == "S-100"


def test_loading_the_same_scan_twice_duplicates_nothing(store, tmp_path):
    archive = write_archive(tmp_path / "notes.jsonl")
    flags = write_flags(tmp_path / "flags.jsonl", make_flags())
    first = load_scan(store, flags, [archive])
    before = {k: (i.id, i.version) for k, i in items_by_key(store).items()}
    second = load_scan(store, flags, [archive])
    assert first.items_new == len(EXPECTED_ORDER) and not first.already_loaded
    assert second.already_loaded and second.items_new == 0 and second.items_changed == 0
    assert second.items_unchanged == len(EXPECTED_ORDER) and second.notes_new == 0
    assert {k: (i.id, i.version) for k, i in items_by_key(store).items()} == before


def test_a_rescan_with_a_newer_model_keeps_decisions_and_marks_changed_flags(loaded_store):
    store = loaded_store
    jargon_id = item_id_for(store, "N-3", "authority_jargon")
    assessment_id = item_id_for(store, "N-4", "missing_assessment")
    with store.write_session() as session, session.begin():
        rita = session.execute(select(User).where(User.name == "rita")).scalar_one()
        decide(session, jargon_id, rita, DecisionRequest(kind="confirm", seen_version=1))
        decide(session, assessment_id, rita, DecisionRequest(kind="dismiss", seen_version=1, reason_code="assessment_present"))

    newer = make_flags(model="default@0.4.0")
    n3 = next(f for f in newer if f.note_id == "N-3")
    n3.markers["authority_jargon"].evidence = n3.markers["authority_jargon"].evidence[:2]  # fewer jargon terms now
    n4 = next(f for f in newer if f.note_id == "N-4")
    n4.markers["missing_assessment"].score = 0.71  # same evidence, new score
    report = load_flag_objects(store, NOTES, newer)

    assert report.items_changed == 1 and report.items_new == 0
    items = items_by_key(store)
    jargon, assessment = items[("N-3", "authority_jargon")], items[("N-4", "missing_assessment")]
    assert jargon.status == "confirmed" and jargon.changed_after_decision and jargon.change_kind == "changed"
    assert len(jargon.evidence) == 2 and jargon.model == "default@0.4.0"
    assert assessment.status == "dismissed" and not assessment.changed_after_decision and assessment.change_kind is None
    assert assessment.model == "default@0.4.0" and assessment.score == 0.71
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(Decision)).scalar_one() == 2


def test_a_marker_no_longer_flagged_leaves_the_queue_and_can_come_back(loaded_store):
    store = loaded_store
    newer = make_flags(model="default@0.4.0")
    n1 = next(f for f in newer if f.note_id == "N-1")
    n1.markers["missing_assessment"].flag = False
    n1.markers["missing_assessment"].evidence = []
    report = load_flag_objects(store, NOTES, newer)
    assert report.items_withdrawn == 1
    withdrawn = items_by_key(store)[("N-1", "missing_assessment")]
    assert not withdrawn.active and withdrawn.change_kind == "withdrawn" and withdrawn.status == "open"

    report = load_flag_objects(store, NOTES, make_flags(model="default@0.5.0"))
    assert report.items_reflagged == 1
    back = items_by_key(store)[("N-1", "missing_assessment")]
    assert back.active and back.change_kind == "reflagged" and back.id == withdrawn.id


def test_flags_for_a_note_missing_from_the_archive_are_an_error_that_names_line_and_note(store, tmp_path):
    archive = write_archive(tmp_path / "notes.jsonl", [n for n in NOTES if n.note_id != "N-4"])
    flags = write_flags(tmp_path / "flags.jsonl", make_flags())
    report = load_scan(store, flags, [archive])
    assert report.flag_errors == 1
    assert report.messages == ["flags.jsonl line 4 (note N-4): the note is not in the notes archive (give the archive the scan read with --notes)"]
    assert report.items_new == len(EXPECTED_ORDER) - 2


def test_evidence_that_does_not_match_the_note_is_refused_without_quoting_the_text(store):
    flags = make_flags()
    n1 = flags[0]
    good = n1.markers["unhandled_concern"].evidence[0]
    n1.markers["unhandled_concern"].evidence = [dataclasses.replace(good, start=good.start + 3, end=good.end + 3)]
    report = load_flag_objects(store, NOTES, flags)
    assert report.flag_errors == 1
    message = report.messages[0]
    assert "note N-1" in message and "do not match the quoted text" in message
    assert "blå mærker" not in message and "far bliver vred" not in message


def test_evidence_beyond_the_end_of_the_note_is_refused(store):
    flags = make_flags()
    flags[0].markers["missing_assessment"].evidence = [Evidence(start=500, end=520, text="x" * 20, reason="r")]
    report = load_flag_objects(store, NOTES, flags)
    assert report.messages == ["flags line 1 (note N-1): missing_assessment evidence 1: offsets 500-520 lie outside the note text"]


def test_a_case_id_that_differs_from_the_archive_is_refused(store):
    flags = make_flags()
    flags[1].case_id = "S-999"
    report = load_flag_objects(store, NOTES, flags)
    assert report.messages == ["flags line 2 (note N-2): case_id S-999 in the flags differs from case_id S-100 in the archive"]


def test_broken_lines_and_repeated_notes_in_the_flag_file_are_named(store, tmp_path):
    archive = write_archive(tmp_path / "notes.jsonl")
    flags = make_flags()
    path = tmp_path / "flags.jsonl"
    lines = [json.dumps(f.to_dict(), ensure_ascii=False) for f in flags]
    lines.insert(1, "{not json")
    lines.append(json.dumps(flags[0].to_dict()))
    lines.append(json.dumps({"note_id": "N-9", "case_id": "S-1", "model": "m", "markers": {}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_scan(store, path, [archive])
    assert report.flag_errors == 3
    assert report.messages[0].startswith("flags.jsonl line 2: not valid JSON")
    assert report.messages[1] == "flags.jsonl line 9 (note N-1): note appears twice, first on line 1"
    assert report.messages[2].startswith("flags.jsonl line 10 (note N-9): not in the flag format")
    assert report.items_new == len(EXPECTED_ORDER)


def test_bad_archive_rows_are_counted_with_their_row_number(store, tmp_path):
    archive = tmp_path / "notes.csv"
    archive.write_text(
        "note_id;case_id;written_at;text\n"
        "N-1;S-100;2025-03-03 09:15;" + NOTES_BY_ID["N-1"].text + "\n"
        "N-X;S-100;ikke en dato;Tekst\n",
        encoding="utf-8",
    )
    flags = write_flags(tmp_path / "flags.jsonl", make_flags()[:1])
    report = load_scan(store, flags, [archive])
    assert report.archive_errors == 1 and report.messages[0].startswith("notes.csv row 2 (note N-X):")
    assert report.items_new == 2


def test_a_note_that_moved_team_moves_its_items_too(loaded_store):
    moved = [dataclasses.replace(n, team="Team Øst") if n.note_id == "N-3" else n for n in NOTES]
    report = load_flag_objects(loaded_store, moved, make_flags())
    assert report.notes_updated == 1 and report.items_changed == 0
    assert items_by_key(loaded_store)[("N-3", "authority_jargon")].team == "Team Øst"
