"""The yardstick for scan speed: spaCy's Danish tokenizer and our sentence splitter, nothing else.

The markers issue asks the rules to cost at most three times this bare pass. The pass uses the
project's own pipeline (`pipeline.text.get_nlp()`) restricted to tokenisation and sentence
splitting, so the ratio measures what roles and markers add on top of reading the text.
Only the spaCy work is timed; reading the archive happens between timed chunks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

SENTENCE_FACTORIES = frozenset({"sentencizer", "senter", "journal_sentencizer"})


@dataclass(frozen=True, slots=True)
class BarePassResult:
    seconds: float
    cpu_seconds: float
    notes: int
    words: int
    sentences: int
    components: tuple[str, ...]


def sentence_components(nlp: Language) -> list[str]:
    """Pipe names that split sentences (by factory or by name)."""
    found = []
    for name in nlp.pipe_names:
        factory = nlp.get_pipe_meta(name).factory
        if factory in SENTENCE_FACTORIES or "sent" in name:
            found.append(name)
    return found


def split_only_pipe(nlp: Language, batch_size: int = 256) -> tuple[Callable[[Iterable[str]], Iterator[Doc]], tuple[str, ...]]:
    """A function texts -> docs running the tokenizer and the sentence splitter of `nlp` only."""
    keep = sentence_components(nlp)
    if not keep:
        raise ValueError(f"the pipeline has no sentence splitter among {nlp.pipe_names}")
    disabled = [name for name in nlp.pipe_names if name not in keep]

    def pipe(texts: Iterable[str]) -> Iterator[Doc]:
        return nlp.pipe(texts, batch_size=batch_size, disable=disabled)

    return pipe, ("tokenizer", *keep)


def default_split_only() -> tuple[Callable[[Iterable[str]], Iterator[Doc]], tuple[str, ...]]:
    from pipeline.text import get_nlp

    return split_only_pipe(get_nlp())


def time_bare_pass(
    text_chunks: Iterable[list[str]],
    pipe_and_components: tuple[Callable[[Iterable[str]], Iterator[Doc]], tuple[str, ...]] | None = None,
) -> BarePassResult:
    """Tokenise and split every text; time only the spaCy calls. Words (whitespace-separated,
    for the words/s figures) are counted outside the timing."""
    pipe, components = pipe_and_components or default_split_only()
    list(pipe(["Opvarmning. To sætninger."]))  # build lazily loaded tables outside the timing
    seconds = cpu_seconds = 0.0
    notes = words = sentences = 0
    for texts in text_chunks:
        words += sum(len(text.split()) for text in texts)
        started, cpu_started = time.perf_counter(), time.process_time()
        for doc in pipe(texts):
            sentences += sum(1 for _ in doc.sents)
            notes += 1
        seconds += time.perf_counter() - started
        cpu_seconds += time.process_time() - cpu_started
    return BarePassResult(seconds=seconds, cpu_seconds=cpu_seconds, notes=notes, words=words, sentences=sentences, components=components)
