"""A labelled synthetic corpus of Danish journal notes (`journaltjek synth`).

    storyline.py      which notes a case has and what each records (the plan)
    casting.py        the case's people and how the archive anonymised them
    phrases.py        phrase banks (banks/*.yaml) compiled for fast rendering
    notes.py          a plan -> note text in one of five writing styles, with evidence
    labels.py         labels derived from the plan (GUIDELINES.md, 24-hour rule across notes)
    generator.py      cases -> gold-format records, deterministic per seed
    writers.py        gold JSONL or a Danish CSV export
    corpus_writer.py  streaming, optionally parallel, writing of N notes
    commands.py       the CLI verbs `synth` and `noisy`
"""

from annotations.synth.corpus_writer import write_corpus
from annotations.synth.generator import SyntheticCorpus

__all__ = ["SyntheticCorpus", "write_corpus"]
