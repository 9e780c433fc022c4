"""CLI verbs `journaltjek evaluate` and `journaltjek agreement`.

    journaltjek evaluate --gold dev.jsonl --pred flags.jsonl --report out/eval
    journaltjek evaluate --gold dev.jsonl --model default --choose-thresholds recall:unhandled_concern=0.95
    journaltjek agreement anna.jsonl bo.jsonl

`evaluate` exits 1 when notes could not be paired (they are listed), 2 when it could not run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotations.schema import GoldFormatError, read_gold
from evaluation.agreement_report import agreement_report, format_agreement
from evaluation.alignment import PredictionFormatError, Predictions, align, read_predictions
from evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from evaluation.evaluate import EvaluationOptions, evaluate
from evaluation.model_thresholds import write_thresholds
from evaluation.prevalence import parse_prevalence_spec
from evaluation.report_json import write_json
from evaluation.summary_text import format_summary
from evaluation.thresholds import parse_threshold_spec
from pipeline.cli import EXIT_OK, EXIT_ROW_ERRORS, UsageError
from pipeline.schema import MARKERS

REPORT_HTML = "report.html"
REPORT_JSON = "report.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    evaluate_parser = subparsers.add_parser(
        "evaluate",
        help="compare flags with gold labels: metrics, intervals, slices, errors, report",
        description=(
            "Evaluate flags against a gold file. Give either --pred (a flag JSONL written by scan) "
            "or --model (run that model on the gold notes). Figures per marker with 95 %% intervals "
            "from a bootstrap over cases; notes missing on either side are listed."
        ),
    )
    evaluate_parser.add_argument("--gold", required=True, metavar="GOLD.jsonl", help="gold file (annotations format)")
    source = evaluate_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pred", metavar="FLAGS.jsonl", help="predictions in the flag contract (JSONL)")
    source.add_argument("--model", metavar="NAME", help="model name or directory to run on the gold notes")
    evaluate_parser.add_argument("--report", metavar="DIR", help=f"write {REPORT_HTML} (self-contained) and {REPORT_JSON} into DIR")
    evaluate_parser.add_argument("--json", metavar="FILE", help="write every figure as JSON to FILE")
    evaluate_parser.add_argument(
        "--by", nargs="+", action="extend", default=[], metavar="COL",
        help="also slice by these gold columns (note_type, team and style are used when present)",
    )
    evaluate_parser.add_argument("--show-text", action="store_true", help="include note text in the error list (reports travel: off by default)")
    evaluate_parser.add_argument(
        "--choose-thresholds", metavar="SPEC",
        help="choose per-marker thresholds on this gold set, e.g. recall:unhandled_concern=0.95,precision:authority_jargon=0.8; "
        "with --model they are written into the model's config.yaml",
    )
    evaluate_parser.add_argument(
        "--prevalence", metavar="SPEC",
        help="report precision at a real-world prevalence, e.g. unhandled_concern=0.05",
    )
    evaluate_parser.add_argument("--bootstrap", type=int, default=DEFAULT_RESAMPLES, metavar="N", help=f"bootstrap resamples (default {DEFAULT_RESAMPLES}; 0 for none)")
    evaluate_parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"bootstrap seed (default {DEFAULT_SEED})")
    evaluate_parser.set_defaults(handler=run_evaluate)

    agreement_parser = subparsers.add_parser(
        "agreement",
        help="inter-annotator agreement between gold files (Cohen's kappa, Krippendorff's alpha)",
        description="Agreement per label between two or more gold files labelled by different annotators; notes matched by note_id.",
    )
    agreement_parser.add_argument("files", nargs="+", metavar="FILE", help="gold JSONL files, one per annotator (at least two)")
    agreement_parser.add_argument("--json", metavar="FILE", help="write the full result (all disagreeing note ids) as JSON")
    agreement_parser.set_defaults(handler=run_agreement)


def _read_gold(path: str):
    try:
        return read_gold(path)
    except FileNotFoundError:
        raise UsageError(f"gold file {path} does not exist") from None
    except GoldFormatError as exc:
        raise UsageError(f"gold file: {exc}") from None


def _model_predictions(name: str, gold) -> tuple[Predictions, str, Path]:
    """Run the model (with the case timeline) on the gold notes."""
    from models.registry import ModelNotFound, load, resolve

    try:
        model_dir = resolve(name)
        model = load(name)
    except ModelNotFound as exc:
        raise UsageError(str(exc)) from None
    try:
        from pipeline.batch import predict_notes
    except ImportError as exc:
        raise UsageError(f"cannot run a model: pipeline.batch.predict_notes is not available ({exc})") from None
    flags = predict_notes(model, [record.note for record in gold])
    return Predictions(flags=list(flags)), model.label, model_dir


def run_evaluate(args: argparse.Namespace) -> int:
    gold = _read_gold(args.gold)
    try:
        targets = parse_threshold_spec(args.choose_thresholds, MARKERS) if args.choose_thresholds else []
        prevalence = parse_prevalence_spec(args.prevalence, MARKERS) if args.prevalence else {}
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.bootstrap < 0:
        raise UsageError("--bootstrap must be 0 or more")

    source: dict = {"gold": args.gold}
    model_dir: Path | None = None
    if args.model:
        predictions, source["model"], model_dir = _model_predictions(args.model, gold)
    else:
        try:
            predictions = read_predictions(args.pred)
        except FileNotFoundError:
            raise UsageError(f"prediction file {args.pred} does not exist") from None
        except PredictionFormatError as exc:
            raise UsageError(f"predictions: {exc}") from None
        source["predictions"] = args.pred
        models_seen = sorted({f.model for f in predictions.flags})
        if models_seen:
            source["model"] = ", ".join(models_seen)

    options = EvaluationOptions(
        slice_columns=args.by,
        prevalence=prevalence,
        threshold_targets=targets,
        n_resamples=args.bootstrap,
        seed=args.seed,
        show_text=args.show_text,
    )
    try:
        result = evaluate(align(gold, predictions), options, source)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    if result["thresholds"] and result["thresholds"]["chosen"] and model_dir is not None:
        chosen = {m: c["threshold"] for m, c in result["thresholds"]["chosen"].items()}
        write_thresholds(model_dir, chosen)
        result["thresholds"]["written_to"] = str(model_dir / "config.yaml")

    if args.report:
        from evaluation.report_html import write_html

        report_dir = Path(args.report)
        write_html(result, report_dir / REPORT_HTML)
        write_json(result, report_dir / REPORT_JSON)
    if args.json:
        write_json(result, args.json)

    print(format_summary(result))
    if args.report:
        print(f"\nrapport: {Path(args.report) / REPORT_HTML}")
    missing = result["missing"]
    if missing["gold_without_prediction"]["count"] or missing["prediction_without_gold"]["count"]:
        return EXIT_ROW_ERRORS
    return EXIT_OK


def run_agreement(args: argparse.Namespace) -> int:
    if len(args.files) < 2:
        raise UsageError("agreement needs at least two gold files")
    for path in args.files:
        if not Path(path).is_file():
            raise UsageError(f"gold file {path} does not exist")
    try:
        report = agreement_report(args.files)
    except GoldFormatError as exc:
        raise UsageError(f"gold file: {exc}") from None
    if args.json:
        write_json(report, args.json)
    print(format_agreement(report))
    if report["n_notes_compared"] == 0:
        print("journaltjek: no note is in every file; nothing compared", file=sys.stderr)
        return EXIT_ROW_ERRORS
    return EXIT_OK
