"""CLI verbs `journaltjek train`, `journaltjek models list|show` and `journaltjek compare`.

    journaltjek train --backend sklearn --train annotations/gold/train.jsonl --dev annotations/gold/dev.jsonl -o out/sk
    journaltjek train --backend transformer --base-model ~/danskbert --train ... --dev ... -o out/tf
    journaltjek models list
    journaltjek models show default
    journaltjek compare --readme README.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from pipeline.cli import EXIT_OK, UsageError
from pipeline.schema import MARKERS

GOLD_DIR = Path("annotations/gold")


def register(subparsers: argparse._SubParsersAction) -> None:
    from models.registry import BACKENDS

    train = subparsers.add_parser(
        "train",
        help="train a model from gold notes; thresholds on dev; write a model directory with its card",
        description=(
            "Train one backend from a gold JSONL file (plus optional synthetic notes), choose each marker's "
            "threshold on --dev (best F1; recall >= 0.95 for unhandled_concern unless --thresholds says "
            "otherwise), measure dev and --test, and write the model directory (config.yaml, weights, "
            "MODEL_CARD.md, card.json). The same --seed gives the same model."
        ),
    )
    train.add_argument("--backend", required=True, choices=sorted(BACKENDS), help="which model to train")
    train.add_argument("--train", required=True, metavar="GOLD.jsonl", help="training notes (annotations format)")
    train.add_argument("--dev", metavar="GOLD.jsonl", help="dev notes: thresholds and early stopping (recommended)")
    train.add_argument("--test", metavar="GOLD.jsonl", help="test notes: measured for the model card, never tuned on")
    train.add_argument("--synthetic", type=int, default=0, metavar="N", help="add N synthetic notes from `journaltjek synth` (default 0)")
    train.add_argument("-o", "--output", required=True, metavar="DIR", help="model directory to write")
    train.add_argument("--seed", type=int, default=0, help="seed for everything random (default 0)")
    train.add_argument("--name", help="model name written into every flag row (default: the backend)")
    train.add_argument("--version", default="0.1.0", help="model version (default 0.1.0)")
    train.add_argument("--base-model", metavar="DIR", help="transformer backend: the local encoder directory to fine-tune")
    train.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="a backend parameter (YAML value), e.g. --param C=8 --param role_features=false; repeatable",
    )
    train.add_argument(
        "--thresholds", metavar="SPEC",
        help="per-marker dev targets, e.g. unhandled_concern=recall:0.95,authority_jargon=precision:0.8 (others: f1)",
    )
    train.set_defaults(handler=run_train)

    models = subparsers.add_parser("models", help="list the named models or show one's card",
                                   description="Named models: the directories shipped in the package and those under $JOURNALTJEK_MODELS.")
    verbs = models.add_subparsers(dest="models_command", metavar="VERB")
    verbs.required = True
    listing = verbs.add_parser("list", help="every named model with its backend, version and dev F1")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=run_models_list)
    show = verbs.add_parser("show", help="a model's card: data, thresholds, metrics")
    show.add_argument("name", metavar="NAME", help="a model name (see `models list`) or a model directory")
    show.add_argument("--json", action="store_true", help="print the card as JSON")
    show.set_defaults(handler=run_models_show)
    card = verbs.add_parser("card", help="measure a model on gold splits and (re)write its model card",
                            description="Run the model on each gold file (case timeline included), and write MODEL_CARD.md "
                                        "and card.json into its directory with the figures. Thresholds are not changed.")
    card.add_argument("name", metavar="NAME", help="a model name or directory")
    card.add_argument("--dev", metavar="GOLD.jsonl", help="dev split to measure")
    card.add_argument("--test", metavar="GOLD.jsonl", help="test split to measure")
    card.set_defaults(handler=run_models_card)

    compare = subparsers.add_parser(
        "compare",
        help="train every backend on the same splits and compare them on dev, test and a noisy test copy",
        description=(
            "Train each backend on --train (same seed), choose thresholds on --dev, measure dev, test and a "
            "noisy copy of test; print one Markdown table and with --readme write it into README.md."
        ),
    )
    compare.add_argument("--train", default=str(GOLD_DIR / "train.jsonl"), metavar="GOLD.jsonl")
    compare.add_argument("--dev", default=str(GOLD_DIR / "dev.jsonl"), metavar="GOLD.jsonl")
    compare.add_argument("--test", default=str(GOLD_DIR / "test.jsonl"), metavar="GOLD.jsonl")
    compare.add_argument("--backends", default="rules,sklearn,hybrid,spacy,transformer",
                         help="comma-separated backends (default all)")
    compare.add_argument("-o", "--output", default="out/compare", metavar="DIR",
                         help="where the trained models, the noisy copy and comparison.json go (default out/compare)")
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--synthetic", type=int, default=0, metavar="N", help="synthetic notes added to training (default 0)")
    compare.add_argument("--with-synthetic", action="append", default=[], metavar="BACKEND=N",
                         help="also train BACKEND with N synthetic notes added, as an extra row; repeatable")
    compare.add_argument("--noise-seed", type=int, default=0, help="seed of the noisy test copy (default 0)")
    compare.add_argument("--transformer-base", metavar="DIR", help="local encoder directory for the transformer row (required when it is compared)")
    compare.add_argument("--param", action="append", default=[], metavar="BACKEND.KEY=VALUE",
                         help="a parameter for one backend, e.g. sklearn.C=8; repeatable")
    compare.add_argument("--readme", metavar="README.md", help="write the table into this README between its marker comments")
    compare.add_argument("--default", dest="default_backend", metavar="LABEL",
                         help="mark the row with this label as the shipped default (e.g. 'hybrid + 1000 synthetic')")
    compare.set_defaults(handler=run_compare)


# --- parsing -------------------------------------------------------------------------------------


def parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--param '{item}' is not KEY=VALUE")
        try:
            params[key] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            raise UsageError(f"--param '{item}': the value is not valid YAML") from None
    return params


def parse_threshold_targets(spec: str | None) -> dict[str, str]:
    from models.learned import LearnedModelError, parse_target

    if not spec:
        return {}
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in spec.split(","))):
        marker, sep, target = item.partition("=")
        marker = marker.strip()
        if not sep or marker not in MARKERS:
            raise UsageError(f"--thresholds item '{item}' is not MARKER=TARGET with a marker from {', '.join(MARKERS)}")
        try:
            parse_target(target.strip())
        except LearnedModelError as exc:
            raise UsageError(f"--thresholds: {exc}") from None
        out[marker] = target.strip()
    return out


# --- train ---------------------------------------------------------------------------------------


def run_train(args: argparse.Namespace) -> int:
    from annotations.schema import GoldFormatError
    from models.learned import LearnedModelError
    from models.training import TrainingError, TrainingSpec, train_model

    params = parse_params(args.param)
    if args.base_model:
        if args.backend != "transformer":
            raise UsageError("--base-model is for the transformer backend")
        params["base_model"] = args.base_model
    if args.synthetic < 0:
        raise UsageError(f"--synthetic must be 0 or more, got {args.synthetic}")
    spec = TrainingSpec(
        backend=args.backend, train=Path(args.train), output=Path(args.output),
        dev=Path(args.dev) if args.dev else None, test=Path(args.test) if args.test else None,
        synthetic=args.synthetic, seed=args.seed, name=args.name, version=args.version,
        params=params, threshold_targets=parse_threshold_targets(args.thresholds),
    )
    try:
        result = train_model(spec)
    except (TrainingError, LearnedModelError, GoldFormatError) as exc:
        raise UsageError(str(exc)) from None
    print(f"journaltjek train: {args.backend} model written to {args.output} in {result.seconds:.0f} s")
    print("thresholds: " + ", ".join(f"{m}={result.model.thresholds[m]:.3f}" for m in MARKERS))
    for split, figures in result.metrics.items():
        print(_figures_line(split, figures))
    return EXIT_OK


def _figures_line(split: str, figures: dict[str, Any]) -> str:
    parts = [f"{m} P {figures[m]['precision']:.2f} R {figures[m]['recall']:.2f} F1 {figures[m]['f1']:.2f}" for m in MARKERS]
    speed = figures.get("notes_per_second")
    return f"{split}: " + "; ".join(parts) + (f"; {speed:.0f} notes/s" if speed else "")


# --- models list / show --------------------------------------------------------------------------


def _summary(name: str, directory: Path) -> dict[str, Any]:
    from models.card import read_card
    from models.registry import read_config

    config = read_config(directory)
    card = read_card(directory) or {}
    dev = (card.get("metrics") or {}).get("dev") or {}
    return {
        "name": name,
        "backend": config.get("backend"),
        "version": config.get("version"),
        "created_at": config.get("created_at") or card.get("created_at"),
        "dev_macro_f1": dev.get("macro_f1"),
        "path": str(directory),
    }


def run_models_list(args: argparse.Namespace) -> int:
    from models.registry import available_models

    rows = [_summary(name, directory) for name, directory in available_models().items()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("no named models")
        return EXIT_OK
    header = ("name", "backend", "version", "created", "dev macro F1", "path")
    table = [header] + [
        (r["name"], str(r["backend"]), str(r["version"]), str(r["created_at"] or "-"),
         f"{r['dev_macro_f1']:.2f}" if isinstance(r["dev_macro_f1"], (int, float)) else "-", r["path"])
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return EXIT_OK


def run_models_show(args: argparse.Namespace) -> int:
    from models.card import CARD_MD, card_markdown, read_card
    from models.registry import ModelNotFound, read_config, resolve

    try:
        directory = resolve(args.name)
    except ModelNotFound as exc:
        raise UsageError(str(exc)) from None
    card = read_card(directory)
    if card is None:
        config = read_config(directory)
        card = {k: config.get(k) for k in ("name", "backend", "version", "created_at", "trained_on", "thresholds", "threshold_targets")}
        card["metrics"] = {}
    if args.json:
        print(json.dumps({**card, "path": str(directory)}, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    md = directory / CARD_MD
    sys.stdout.write(md.read_text(encoding="utf-8") if md.is_file() else card_markdown(card))
    print(f"\n(model directory: {directory})")
    return EXIT_OK


# --- compare -------------------------------------------------------------------------------------


def run_compare(args: argparse.Namespace) -> int:
    from annotations.schema import GoldFormatError
    from models.comparison import ComparisonSpec, comparison_markdown, run_comparison, write_readme_table
    from models.learned import LearnedModelError
    from models.registry import BACKENDS
    from models.training import TrainingError

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown or not backends:
        raise UsageError(f"unknown backend(s) {unknown or [args.backends]}; known: {', '.join(sorted(BACKENDS))}")
    params: dict[str, dict[str, Any]] = {}
    for item in args.param:
        backend, dot, rest = item.partition(".")
        if not dot or backend not in BACKENDS:
            raise UsageError(f"--param '{item}' is not BACKEND.KEY=VALUE with a known backend")
        params.setdefault(backend, {}).update(parse_params([rest]))
    variants: list[tuple[str, int]] = []
    for item in args.with_synthetic:
        backend, sep, count = item.partition("=")
        if not sep or backend.strip() not in BACKENDS or not count.strip().isdigit():
            raise UsageError(f"--with-synthetic '{item}' is not BACKEND=N with a known backend and N >= 0")
        variants.append((backend.strip(), int(count)))
    if "transformer" in backends + [b for b, _ in variants]:
        if not args.transformer_base:
            raise UsageError("the transformer row needs --transformer-base DIR (a local encoder; `make compare` builds a tiny one)")
        params.setdefault("transformer", {})["base_model"] = args.transformer_base
    for path in (args.train, args.dev, args.test):
        if not Path(path).is_file():
            raise UsageError(f"gold file {path} does not exist")
    spec = ComparisonSpec(
        train=Path(args.train), dev=Path(args.dev), test=Path(args.test), output=Path(args.output),
        backends=backends, seed=args.seed, synthetic=args.synthetic, noise_seed=args.noise_seed, params=params,
        synthetic_variants=variants,
    )
    try:
        result = run_comparison(spec)
    except (TrainingError, LearnedModelError, GoldFormatError) as exc:
        raise UsageError(str(exc)) from None
    markdown = comparison_markdown(result, args.default_backend)
    print(markdown)
    if args.readme:
        write_readme_table(Path(args.readme), markdown)
        print(f"\ntable written to {args.readme}", file=sys.stderr)
    return EXIT_OK


def run_models_card(args: argparse.Namespace) -> int:
    from annotations.schema import GoldFormatError
    from models.card import read_card, write_card
    from models.registry import ModelNotFound, load, read_config, resolve
    from models.training import TrainingError, measure, read_split

    if not args.dev and not args.test:
        raise UsageError("give --dev and/or --test: the gold files to measure the model on")
    try:
        directory = resolve(args.name)
        model = load(directory)
    except ModelNotFound as exc:
        raise UsageError(str(exc)) from None
    metrics: dict[str, Any] = {}
    try:
        for split, path in (("dev", args.dev), ("test", args.test)):
            if path:
                metrics[split] = {**measure(model, read_split(path, split)), "gold": Path(path).name}
    except (TrainingError, GoldFormatError) as exc:
        raise UsageError(str(exc)) from None
    config = {**(read_card(directory) or {}), **read_config(directory)}
    write_card(directory, config, metrics)
    print(f"journaltjek models card: {directory / 'MODEL_CARD.md'} written")
    for split, figures in metrics.items():
        print(_figures_line(split, figures))
    return EXIT_OK
