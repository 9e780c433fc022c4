"""The Danish text pipeline: spaCy's Danish tokenizer, a sentence splitter for journal notes,
the lookup lemmatizer with a lower-case fallback, and LIX readability.

Journal notes are not edited prose. They hold abbreviations (`d.d.`, `jf.`, `kl. 14.30`),
dates (`4/3`), template headings (`Vurdering:`), bullet lists and hard line breaks. The splitter
treats each of those the way a caseworker means them:

- a full stop, `!` or `?` ends a sentence; an abbreviation's own full stop does not, except
  for abbreviations that can close a sentence (`m.m.`, `osv.`, `d.d.`) before a capital letter;
- a line break ends a sentence unless the next line continues it in lower case;
- a template heading (`Vurdering:` at the start of a line) starts a new segment, and every
  sentence below it belongs to that section (`section_of`);
- a bullet (`-`, `•`, `*`, `1.`, `a)`) starts a new sentence.

`get_nlp()` builds the pipeline once per process; every `token.lemma_` is lower-case.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import numpy
import spacy
from spacy.language import Language
from spacy.attrs import LEMMA, SENT_START
from spacy.pipeline import Lemmatizer
from spacy.symbols import ORTH
from spacy.util import load_language_data, registry
from spacy.tokens import Doc, Span, Token

# Abbreviations common in journal notes; spaCy's Danish exceptions cover most, these are added
# so that the tokenizer keeps each one whole (lower-case and capitalised forms).
JOURNAL_ABBREVIATIONS: tuple[str, ...] = (
    "d.d.", "bl.a.", "kl.", "jf.", "jvf.", "f.eks.", "evt.", "ift.", "mht.", "ca.", "pga.", "dvs.",
    "tlf.", "mdr.", "md.", "nr.", "stk.", "pkt.", "vedr.", "inkl.", "ang.", "iflg.", "ifm.", "ifb.",
    "hhv.", "osv.", "mv.", "m.m.", "m.v.", "o.l.", "mfl.", "m.fl.", "bhv.", "ug.", "sr.", "skr.",
    "tidl.", "evt.", "hr.", "fr.", "stud.", "ekskl.", "vha.", "uge.", "kommunens.", "iht.", "jfr.",
)

# Abbreviations that may also close a sentence: before a capital letter they end it.
SENTENCE_FINAL_ABBREVIATIONS: frozenset[str] = frozenset(
    {"d.d.", "osv.", "mv.", "m.m.", "m.v.", "o.l.", "mfl.", "m.fl.", "mdr.", "inkl."}
)

SENTENCE_END_PUNCT: frozenset[str] = frozenset({".", "!", "?", "...", "…"})
BULLET_TOKENS: frozenset[str] = frozenset({"-", "•", "*", "–", "—", "·", "o", "▪", "►", ">"})
ENUMERATION_RE = re.compile(r"^(\d{1,2}[.)]|[a-h]\))$")
ORDINAL_RE = re.compile(r"^\d+\.$")
HEADING_MAX_WORDS = 4
LONG_WORD_LETTERS = 6  # LIX: a long word has more than six letters
MAX_DOC_CHARS = 25_000_000
LEMMA_CACHE_SIZE = 500_000  # word forms; bounded so a scan's memory stays flat

if not Span.has_extension("heading"):
    Span.set_extension("heading", getter=lambda span: heading_of(span))
if not Span.has_extension("section"):
    Span.set_extension("section", getter=lambda span: section_of(span))
if not Doc.has_extension("headings"):
    Doc.set_extension("headings", default=None)  # list of (token index of heading start, heading)


def _line_start(doc: Doc, i: int) -> bool:
    """True when token i is the first non-space token of a line."""
    if i == 0:
        return True
    prev = doc[i - 1]
    if prev.is_space and "\n" in prev.text:
        return True
    return "\n" in prev.whitespace_ or (i >= 2 and prev.is_space and "\n" in doc[i - 2].whitespace_)


def _heading_at(doc: Doc, i: int) -> tuple[int, str] | None:
    """A template heading starting at token i: 1-4 words at a line start followed by ':'.

    Returns (index of the colon token, lower-cased heading) or None.
    """
    first = doc[i]
    if not first.is_alpha or not first.text[0].isupper():
        return None
    words: list[str] = []
    for j in range(i, min(i + HEADING_MAX_WORDS + 1, len(doc))):
        token = doc[j]
        if token.text == ":":
            if not words:
                return None
            return j, " ".join(words).lower()
        if not (token.is_alpha or token.text in {"/", "-", "&"}) or "\n" in token.whitespace_ or token.is_space:
            return None
        words.append(token.text)
    return None


@Language.component("journal_sentencizer")
def journal_sentencizer(doc: Doc) -> Doc:
    """Set sentence starts for journal notes (see the module docstring for the rules)."""
    n = len(doc)
    if n == 0:
        doc._.headings = []
        return doc
    starts = [False] * n
    headings: list[tuple[int, str]] = []
    starts[0] = True
    for i in range(n):
        token = doc[i]
        if token.is_space:
            continue
        at_line_start = _line_start(doc, i)
        if at_line_start:
            heading = _heading_at(doc, i)
            if heading is not None:
                starts[i] = True
                headings.append((i, heading[1]))
            elif token.text in BULLET_TOKENS or ENUMERATION_RE.match(token.text):
                starts[i] = True
            elif i > 0:
                prev = _previous_word(doc, i)
                blank_line = _blank_line_before(doc, i)
                continues = token.text[:1].islower() and prev is not None and prev.text not in SENTENCE_END_PUNCT | {":"}
                if blank_line or not continues:
                    starts[i] = True
        if i + 1 < n and _ends_sentence(doc, i):
            nxt = i + 1
            while nxt < n and doc[nxt].is_space:
                nxt += 1
            if nxt < n:
                starts[nxt] = True
    # Set all boundaries in one array write: assigning token.is_sent_start one by one
    # re-checks the whole doc each time and turns long notes quadratic.
    values = numpy.full(n, -1, dtype="int64")
    for i in range(n):
        if i == 0 or (starts[i] and not doc[i].is_space):
            values[i] = 1
    doc.from_array([SENT_START], values.astype("uint64").reshape(-1, 1))
    doc._.headings = headings
    return doc


def _previous_word(doc: Doc, i: int) -> Token | None:
    j = i - 1
    while j >= 0 and doc[j].is_space:
        j -= 1
    return doc[j] if j >= 0 else None


def _blank_line_before(doc: Doc, i: int) -> bool:
    text_between = "".join(doc[j].text_with_ws for j in range(max(0, i - 3), i) if doc[j].is_space or j == i - 1)
    return text_between.count("\n") >= 2


def _ends_sentence(doc: Doc, i: int) -> bool:
    token = doc[i]
    text = token.text
    if text in SENTENCE_END_PUNCT:
        return True
    nxt = doc[i + 1] if i + 1 < len(doc) else None
    if nxt is None or not nxt.text[:1].isupper() or not nxt.is_alpha:
        return False
    lower = text.lower()
    if lower in SENTENCE_FINAL_ABBREVIATIONS:
        return True
    # "§ 52, stk. 3, nr. 7. Kontaktpersonen ..." — a number with its full stop before a capital
    return bool(ORDINAL_RE.match(text)) and i > 0 and doc[i - 1].lower_ in {"nr.", "stk.", "pkt.", "§"} | {","}


@Language.factory(
    "journal_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": True, "scorer": None},
)
def make_journal_lemmatizer(nlp: Language, model, name: str, mode: str, overwrite: bool, scorer):
    return JournalLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


class JournalLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer (spacy-lookups-data tables) with a lower-case fallback.

    The Danish lookup table is case-sensitive, so `Samtalen` at a sentence start would stay
    unlemmatised. We try the form as written, then lower-cased, then keep the lower-cased form.
    Every lemma is lower-case so patterns can be written in lower case.

    The table may be a plain dict (`use_table`, what `get_nlp` does): spaCy's `Lookups` table
    of half a million entries takes seconds to build in every process. A doc's lemmas are
    looked up per word form (journal notes repeat a small vocabulary) and written in one
    array write.
    """

    def use_table(self, table: dict[str, str]) -> None:
        """Look lemmas up in `table` (word form -> lemma) instead of the spaCy lookups."""
        self.__dict__["_plain_table"] = table
        self._lemma_ids.clear()
        self._validated = True

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        cache = self._lemma_ids
        orths = doc.to_array(ORTH).tolist()
        lemmas = [cache.get(orth) for orth in orths]
        if None in lemmas:
            for i, lemma in enumerate(lemmas):
                if lemma is None:
                    lemmas[i] = self._lemma_id(doc[i])
        if not self.overwrite:  # keep lemmas set before this component
            lemmas = [old or new for old, new in zip(doc.to_array(LEMMA).tolist(), lemmas)]
        doc.from_array([LEMMA], numpy.array(lemmas, dtype="uint64").reshape(-1, 1))
        return doc

    def lookup_lemmatize(self, token: Token) -> list[str]:
        return [self.vocab.strings[self._lemma_id(token)]]

    def _lemma_id(self, token: Token) -> int:
        """The lemma's string id for the token's word form, from the cache or the table."""
        cache = self._lemma_ids
        lemma_id = cache.get(token.orth)
        if lemma_id is None:
            table = self.__dict__.get("_plain_table")
            if table is None:
                table = self.lookups.get_table("lemma_lookup")
            lemma = (table.get(token.text) or table.get(token.lower_) or token.lower_).lower()
            lemma_id = self.vocab.strings.add(lemma)
            if len(cache) < LEMMA_CACHE_SIZE:
                cache[token.orth] = lemma_id
        return lemma_id

    @property
    def _lemma_ids(self) -> dict[int, int]:
        """Lemma string ids by word form (ORTH id): the table look-ups are the lemmatizer's
        whole cost, and journal notes repeat a small vocabulary."""
        cache = self.__dict__.get("_cache_by_orth")
        if cache is None:
            cache = self.__dict__["_cache_by_orth"] = {}
        return cache


def _load_lemma_table() -> dict[str, str]:
    """The Danish lemma lookup table of spacy-lookups-data as a plain dict (word form -> lemma).

    Read straight from the package's data file: the same entries spaCy's `load_lookups` gives,
    without filling its hash-keyed table (~2.5 s per process)."""
    data = registry.lookups.get("da")
    if "lemma_lookup" not in data:
        raise ValueError("spacy-lookups-data has no Danish lemma_lookup table")
    table = load_language_data(data["lemma_lookup"])
    if not isinstance(table, dict):
        raise ValueError("spacy-lookups-data: the Danish lemma_lookup table is not a mapping")
    return table


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared Danish pipeline, built once per process."""
    nlp = spacy.blank("da")
    nlp.max_length = MAX_DOC_CHARS  # a pasted 5 MB report is analysed, not refused
    for abbreviation in JOURNAL_ABBREVIATIONS:
        for form in {abbreviation, abbreviation.capitalize(), abbreviation.upper()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("journal_sentencizer")
    lemmatizer = nlp.add_pipe("journal_lemmatizer")
    lemmatizer.use_table(_load_lemma_table())
    return nlp


def analyse(text: str) -> Doc:
    """Tokenise, split and lemmatise one note."""
    return get_nlp()(text)


def analyse_many(texts: Iterable[str], batch_size: int = 256) -> Iterable[Doc]:
    return get_nlp().pipe(texts, batch_size=batch_size)


def split_only(texts: Iterable[str], batch_size: int = 256) -> Iterable[Doc]:
    """Tokenise and sentence-split without lemmas: the bare pass benchmarks compare against."""
    return get_nlp().pipe(texts, batch_size=batch_size, disable=["journal_lemmatizer"])


def heading_of(sent: Span) -> str | None:
    """The lower-cased template heading this sentence starts with (`"vurdering"`), if any."""
    doc = sent.doc
    return heading_opening(doc._.headings or [], sent.start, sent.end, lambda i: doc[i].is_space)


def heading_opening(headings: Sequence[tuple[int, str]], start: int, end: int, is_space: Callable[[int], bool],
                    positions: Sequence[int] | None = None) -> str | None:
    """The heading that opens the tokens [start, end): one at `start`, or after space tokens only.

    `headings` are (token index, heading) in token order, as the splitter records them;
    `positions` (their token indices) may be passed when asked for many sentences. Only the first
    heading inside the range can open it: a later one has that one's words before it."""
    if positions is None:
        positions = [at for at, _heading in headings]
    k = bisect_left(positions, start)
    if k == len(positions) or positions[k] >= end:
        return None
    at = positions[k]
    if at == start or all(is_space(i) for i in range(start, at)):
        return headings[k][1]
    return None


def section_of(sent: Span) -> str | None:
    """The heading of the template section the sentence sits in (the last heading at or before it)."""
    current = None
    for start, heading in sent.doc._.headings or ():
        if start < sent.end:
            current = heading
        else:
            break
    return current


def heading_content(sent: Span) -> str:
    """The sentence text after its heading's colon (`"Vurdering: -"` → `"-"`)."""
    if heading_of(sent) is None:
        return sent.text.strip()
    text = sent.text
    return text.split(":", 1)[1].strip() if ":" in text else ""


def _is_word(token: Token) -> bool:
    return any(ch.isalpha() for ch in token.text)


def lix(span: Doc | Span) -> float:
    """LIX = words per sentence + 100 × share of words longer than six letters.

    For a Doc the sentence count comes from the splitter; for a single sentence it is 1.
    Returns 0.0 for a text with no words.
    """
    words = [t for t in span if _is_word(t)]
    if not words:
        return 0.0
    if isinstance(span, Doc):
        sentences = sum(1 for s in span.sents if any(_is_word(t) for t in s)) or 1
    else:
        sentences = 1
    long_words = sum(1 for t in words if sum(ch.isalpha() for ch in t.text) > LONG_WORD_LETTERS)
    return len(words) / sentences + 100.0 * long_words / len(words)
