"""What the rules add to reading the text: `python -m evaluation.benchmarks.rules_overhead`.

The markers issue asks the rules to cost at most three times a bare tokenise + sentence-split
pass over the same notes. `make bench` times whole scans (reading archives, writing flags, the
case timeline, worker processes); this script isolates the analysis itself, stage by stage, in
one process with warm caches, as a long scan runs:

    bare        pipeline.text.get_nlp() restricted to tokenizer + sentence splitter
    lemmas      what the lookup lemmatizer adds (the patterns match on lemmas)
    matching    the word-list look-ups over each note (PatternCompiler.find_hits)
    roles       sentence roles with scopes (RuleRoleTagger.tag)
    jargon      the jargon reader (JargonReader.read)
    markers     the four markers over roles and jargon (pipeline.markers.mark_note)

Each note goes through the stages as in a scan: fresh hits per note, every result dropped
once the next stage has read it (a scan holds one chunk, so the collector never walks a whole
run's results). A stage's cost is the difference between running the stages up to it and up
to the one before. Each run is timed as CPU seconds over all notes, the best of `--repeat`
rounds that take every run in turn (a shared host's noise only ever adds time, and a noisy spell
then hits all stages alike), and reported per note and as a multiple of the bare pass.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Callable

from annotations.schema import read_gold
from pipeline.schema import Note


def _notes(path: str, limit: int | None) -> list[Note]:
    if path.endswith(".jsonl"):
        try:
            notes = [r.note for r in read_gold(path)]
        except Exception:  # an archive, not a gold file
            from pipeline.io import read_notes

            notes = read_notes([path])
    else:
        from pipeline.io import read_notes

        notes = read_notes([path])
    return notes[:limit] if limit else notes


def _best_of_rounds(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best CPU seconds of each run over `repeat` rounds, every run once per round: a noisy
    spell on a shared host then slows one round of all runs, not all rounds of one run."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - started)
    return best


STAGES = ("matching", "roles", "jargon", "markers")


def measure(notes: list[Note], model_name: str = "default", repeat: int = 5) -> dict[str, float]:
    """CPU seconds per stage (best of `repeat`) over `notes`."""
    from evaluation.benchmarks.bare_pass import default_split_only
    from models import load
    from pipeline.markers import mark_note
    from pipeline.text import get_nlp

    model = load(model_name)
    if not hasattr(model, "tagger"):
        raise SystemExit(f"model '{model_name}' is not a rules model; this benchmark times the rules")
    tagger, reader = model.tagger, model.jargon_reader
    compiler = tagger.resources.compiler
    settings, thresholds = model.settings, model.thresholds
    texts = [n.text for n in notes]
    nlp = get_nlp()
    bare_pipe, _ = default_split_only()
    model.analyse(notes[:20])  # compile and warm up outside the timing
    docs = list(nlp.pipe(texts))
    inputs = [(doc, note.text, note.written_at.date()) for doc, note in zip(docs, notes)]

    def read_texts(pipe) -> None:
        for _doc in pipe(texts):
            pass

    def rules_up_to(last: str) -> Callable[[], None]:
        depth = STAGES.index(last)

        def run() -> None:
            for doc, text, day in inputs:
                hits = compiler.find_hits(doc)
                if depth >= 1:
                    sentences = tagger.tag(doc, hits=hits, text=text, note_date=day)
                if depth >= 2:
                    jargon = reader.read(doc, hits=hits, text=text)
                if depth >= 3:
                    mark_note(text, sentences, jargon, settings, thresholds)

        return run

    # The notes and their docs live as long as the benchmark, as one chunk does in a scan:
    # out of the collector's view, so that they do not make every full collection longer.
    gc.collect()
    gc.freeze()
    try:
        runs: dict[str, Callable[[], object]] = {
            "bare": lambda: read_texts(bare_pipe),
            "text": lambda: read_texts(nlp.pipe),
        }
        runs.update({stage: rules_up_to(stage) for stage in STAGES})
        best = _best_of_rounds(runs, repeat)
        seconds = {"bare": best["bare"], "text": best["text"]}
        cumulative = {stage: best[stage] for stage in STAGES}
    finally:
        gc.unfreeze()
    before = 0.0
    for stage in STAGES:
        seconds[stage] = max(0.0, cumulative[stage] - before)
        before = max(before, cumulative[stage])
    return seconds


def table(seconds: dict[str, float], notes: int) -> str:
    bare = seconds["bare"]
    stages = {
        "bare tokenise + split": bare,
        "lemmas": max(0.0, seconds["text"] - bare),
        "matching": seconds["matching"],
        "roles": seconds["roles"],
        "jargon": seconds["jargon"],
        "markers": seconds["markers"],
    }
    rules = seconds["matching"] + seconds["roles"] + seconds["jargon"] + seconds["markers"]
    lines = ["| stage | µs per note | × bare |", "|---|---:|---:|"]
    for name, value in stages.items():
        lines.append(f"| {name} | {value / notes * 1e6:,.0f} | {value / bare:.2f} |")
    lines.append(f"| **rules (matching + roles + jargon + markers)** | {rules / notes * 1e6:,.0f} | {rules / bare:.2f} |")
    lines.append(f"| **added to the bare pass (lemmas + rules)** | {(rules + stages['lemmas']) / notes * 1e6:,.0f} | {(rules + stages['lemmas']) / bare:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.benchmarks.rules_overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", default="annotations/gold/train.jsonl", help="gold JSONL or archive (CSV/JSONL/Parquet)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N notes")
    parser.add_argument("--model", default="default", help="a rules model (name or directory)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per stage; the best counts (default 5)")
    args = parser.parse_args(argv)
    notes = _notes(args.input, args.limit)
    if not notes:
        print(f"no notes in {args.input}", file=sys.stderr)
        return 2
    seconds = measure(notes, args.model, args.repeat)
    words = sum(len(n.text.split()) for n in notes)
    print(f"{len(notes):,} notes, {words / len(notes):.0f} words per note, from {args.input}; best of {args.repeat} runs, CPU time\n")
    print(table(seconds, len(notes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
