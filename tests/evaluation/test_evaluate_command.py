"""`journaltjek evaluate`: figures equal scikit-learn's, missing notes are reported, reports are written."""

from __future__ import annotations

import json
import re

import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from evaluation_fixtures import HAND_MADE, flag_row, write_jsonl
from pipeline.cli import COMMAND_MODULES, main
from pipeline.schema import MARKERS


def evaluate_json(tmp_path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    code = main(["evaluate", *args, "--json", str(out), "--bootstrap", "200"])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def test_evaluate_is_a_journaltjek_verb():
    assert "evaluation.commands" in COMMAND_MODULES


def test_evaluate_gives_scikit_learns_figures_on_the_hand_made_example(tmp_path, gold_file, pred_file):
    code, result = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file))
    assert code == 0
    y_true = [[s["gold"][k] for s in HAND_MADE] for k in range(len(MARKERS))]
    y_pred = [[s["flag"][k] for s in HAND_MADE] for k in range(len(MARKERS))]
    scores = [[s["score"][k] for s in HAND_MADE] for k in range(len(MARKERS))]
    for k, marker in enumerate(MARKERS):
        figures = result["markers"][marker]
        assert figures["precision"] == pytest.approx(precision_score(y_true[k], y_pred[k], zero_division=0))
        assert figures["recall"] == pytest.approx(recall_score(y_true[k], y_pred[k], zero_division=0))
        assert figures["f1"] == pytest.approx(f1_score(y_true[k], y_pred[k], zero_division=0))
        assert figures["pr_auc"] == pytest.approx(average_precision_score(y_true[k], scores[k]))
    gold_matrix = list(zip(*y_true))
    pred_matrix = list(zip(*y_pred))
    assert result["macro"]["f1"] == pytest.approx(f1_score(gold_matrix, pred_matrix, average="macro", zero_division=0))
    assert result["macro"]["precision"] == pytest.approx(precision_score(gold_matrix, pred_matrix, average="macro", zero_division=0))
    assert result["macro"]["recall"] == pytest.approx(recall_score(gold_matrix, pred_matrix, average="macro", zero_division=0))
    assert result["meta"]["n_evaluated"] == result["meta"]["n_gold"] == len(HAND_MADE)
    assert result["meta"]["n_cases"] == 4


def test_intervals_bracket_the_point_figures_and_repeat_with_the_same_seed(tmp_path, gold_file, pred_file):
    _, first = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file), "--seed", "11")
    _, again = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file), "--seed", "11")
    for marker in MARKERS:
        lo, hi = first["markers"][marker]["ci"]["f1"]
        assert lo <= first["markers"][marker]["f1"] <= hi
        assert first["markers"][marker]["ci"] == again["markers"][marker]["ci"]
    assert first["meta"]["bootstrap"] == {"resamples": 200, "seed": 11, "unit": "case", "confidence": 0.95}


def test_notes_missing_on_either_side_are_listed_and_the_exit_code_says_so(tmp_path, gold_file, capsys):
    rows = [flag_row(s) for s in HAND_MADE]
    stray = dict(rows[0], note_id="not-in-gold")
    preds = write_jsonl(tmp_path / "partial.jsonl", rows[2:] + [stray])
    code, result = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(preds))
    assert code == 1
    missing = result["missing"]
    assert missing["gold_without_prediction"] == {"count": 2, "note_ids": ["n01", "n02"]}
    assert missing["prediction_without_gold"] == {"count": 1, "note_ids": ["not-in-gold"]}
    assert result["meta"]["n_evaluated"] == len(HAND_MADE) - 2
    assert result["meta"]["n_gold"] == len(HAND_MADE)
    # figures cover the paired notes only
    paired = HAND_MADE[2:]
    y_true = [s["gold"][0] for s in paired]
    y_pred = [s["flag"][0] for s in paired]
    assert result["markers"][MARKERS[0]]["recall"] == pytest.approx(recall_score(y_true, y_pred))
    printed = capsys.readouterr().out
    assert "n01" in printed and "not-in-gold" in printed


def test_error_rows_in_predictions_count_as_missing_predictions(tmp_path, gold_file):
    rows = [flag_row(s) for s in HAND_MADE[1:]] + [{"note_id": "n01", "error": "tom tekst"}]
    preds = write_jsonl(tmp_path / "with_errors.jsonl", rows)
    code, result = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(preds))
    assert code == 1
    assert result["missing"]["gold_without_prediction"]["note_ids"] == ["n01"]
    assert result["missing"]["prediction_errors"]["by_note_id"] == {"n01": "tom tekst"}


def test_a_prediction_that_breaks_the_flag_contract_stops_the_run_naming_the_line(tmp_path, gold_file, capsys):
    rows = [flag_row(s) for s in HAND_MADE]
    del rows[3]["markers"]["authority_jargon"]
    preds = write_jsonl(tmp_path / "broken.jsonl", rows)
    assert main(["evaluate", "--gold", str(gold_file), "--pred", str(preds)]) == 2
    err = capsys.readouterr().err
    assert "line 4" in err and "n04" in err
    assert "Notat n04" not in err  # note text never in error messages


def test_no_overlap_at_all_is_an_error_not_an_empty_report(tmp_path, gold_file, capsys):
    rows = [dict(flag_row(s), note_id="x" + s["id"]) for s in HAND_MADE]
    preds = write_jsonl(tmp_path / "other.jsonl", rows)
    assert main(["evaluate", "--gold", str(gold_file), "--pred", str(preds)]) == 2
    assert "no gold note has a prediction" in capsys.readouterr().err


def test_slices_cover_note_type_team_style_and_requested_columns(tmp_path, gold_file, pred_file):
    _, result = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file), "--by", "case_id")
    assert list(result["slices"]) == ["note_type", "team", "style", "case_id"]
    meetings = next(row for row in result["slices"]["note_type"] if row["value"] == "møde")
    # møde notes n03, n04, n09: authority_jargon gold (1, 1, 0), flags (1, 1, 0)
    assert meetings["n_notes"] == 3
    assert meetings["markers"]["authority_jargon"]["confusion"] == {"tp": 2, "fp": 0, "fn": 0, "tn": 1}
    assert sum(row["n_notes"] for row in result["slices"]["case_id"]) == len(HAND_MADE)


def test_an_unknown_slice_column_is_a_usage_error(tmp_path, gold_file, pred_file, capsys):
    assert main(["evaluate", "--gold", str(gold_file), "--pred", str(pred_file), "--by", "colour"]) == 2
    assert "colour" in capsys.readouterr().err


def test_unhandled_concerns_are_broken_down_by_concern_type(tmp_path, gold_file, pred_file):
    _, result = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file))
    by_type = {row["concern_type"]: row for row in result["concern_types"]}
    # gold unhandled: n01 violence (flagged), n05 neglect+violence (missed), n08 self_harm (flagged)
    assert (by_type["violence"]["support"], by_type["violence"]["detected"], by_type["violence"]["recall"]) == (2, 1, 0.5)
    assert (by_type["neglect"]["support"], by_type["neglect"]["recall"]) == (1, 0.0)
    assert (by_type["self_harm"]["support"], by_type["self_harm"]["recall"]) == (1, 1.0)
    assert by_type["self_harm"]["type_named"] == 0  # the flag named violence, not self-harm
    assert by_type["honour_control"]["recall"] is None


def test_the_error_list_names_notes_markers_and_evidence_without_text_by_default(tmp_path, gold_file, pred_file):
    _, result = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file))
    errors = result["errors"]
    expected = sum(g != f for s in HAND_MADE for g, f in zip(s["gold"], s["flag"]))
    assert len(errors) == expected
    fp = next(e for e in errors if e["note_id"] == "n03" and e["marker"] == "missing_assessment")
    assert fp["kind"] == "FP" and fp["evidence"][0]["reason"] == "grund til missing_assessment"
    fn = next(e for e in errors if e["note_id"] == "n05" and e["marker"] == "unhandled_concern")
    assert fn["kind"] == "FN" and fn["gold_concern_types"] == ["violence", "neglect"]
    assert all("text" not in e for e in errors)
    _, with_text = evaluate_json(tmp_path, "--gold", str(gold_file), "--pred", str(pred_file), "--show-text")
    assert with_text["errors"][0]["text"].startswith("Notat ")


def test_the_report_is_one_self_contained_html_file_with_a_json_twin(tmp_path, gold_file, pred_file):
    report = tmp_path / "report"
    code = main(["evaluate", "--gold", str(gold_file), "--pred", str(pred_file), "--report", str(report),
                 "--bootstrap", "100", "--prevalence", "unhandled_concern=0.05"])
    assert code == 0
    html = (report / "report.html").read_text(encoding="utf-8")
    twin = json.loads((report / "report.json").read_text(encoding="utf-8"))
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html, flags=re.I)
    assert references, "the report has images and in-page links"
    assert all(ref.startswith(("data:", "#")) for ref in references), references
    assert "<link" not in html.lower() and "@import" not in html
    assert html.count("data:image/png;base64,") >= 2 + len(twin["slices"])  # PR curves, reliability, one per slice
    summary = html[html.index('id="sammenfatning"'):html.index("</table>")]
    for marker in MARKERS:
        assert twin["markers"][marker]["name_da"] in summary
    assert f"{twin['markers']['unhandled_concern']['f1']:.2f}" in summary
    assert "Notat n0" not in html  # no note text without --show-text
    assert set(twin) >= {"meta", "missing", "markers", "macro", "slices", "concern_types", "errors"}
    assert twin["markers"]["unhandled_concern"]["at_prevalence"]["prevalence"] == 0.05
    assert twin["markers"]["missing_assessment"]["calibration"]["bins"]
