"""A small pattern language for sentence roles, compiled into phrase indexes over token ids.

Role patterns live in YAML files (`pipeline/resources/roles/*.yaml`) so that a domain expert can
read and change them. A pattern is a line of space-separated elements:

    word            a word: any token whose lemma is the word's lemma (`slog` finds `slog`, `slå`,
                    `slået`, `slår`); both are lemmatised by the same pipeline, so they agree
    a|b|c           one of several words; `_` joins a phrase (`har_været|er`), `@name` a list
    @name           any phrase of the named word list (lists may hold multi-word phrases)
    =form           this exact word form only (no lemma): `=talte` but not `tæller`
    pre*            a word that begins with `pre` (`selvmord*`: selvmordstanker, selvmordsforsøg)
    *suf            a word that ends with `suf`, Danish inflection allowed (`*vold`: partnervold,
                    partnervolden)
    *mid*           a word that contains `mid` (anonymisation tags glued to punctuation)
    ~N              up to N other tokens between the two neighbouring elements; the gap never
                    crosses a clause boundary (`,` `;` `:` `(` `)` `men`)

Why not spaCy's `Matcher` with `IN` lists: its set predicates are Python calls per token and
list, which costs more than tokenising. Here every distinct phrase of every word list sits in
a dict keyed by its first token's LEMMA id (LOWER id for `=form`), so a note costs one dict
look-up per token and attribute, and each hit is recorded under all the lists that hold the
phrase (what spaCy's PhraseMatcher would find, without its per-match Python tuples); affixes
are tested once per distinct word and cached; sequences are assembled from the sparse hits
of one sentence. A scan of millions of notes pays a few microseconds per token.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from operator import add
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, NamedTuple, Sequence

import numpy
from spacy.attrs import IDX, LEMMA, LENGTH, LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc  # noqa: F401  (type of phrase docs)

# Endings a Danish word may carry after a compound head (`*misbrug` -> `alkoholmisbruget`).
INFLECTION_ENDINGS: tuple[str, ...] = (
    "", "e", "en", "et", "er", "ene", "erne", "s", "es", "ets", "ens", "ers", "enes", "ernes",
    "ede", "ende", "t", "te", "ne", "de", "r",
)

# Tokens a gap (`~N`) never crosses: a pattern reads inside one clause.
GAP_BARRIERS: frozenset[str] = frozenset({",", ";", ":", "(", ")", "men", "!", "?"})

# The most frequent words of journal notes. A pattern is indexed under its rarest word list
# (one without these), so a note only tries patterns whose rarest word it contains.
COMMON_WORDS: frozenset[str] = frozenset("""
at og i på er det der en et med til for af om som ikke har var han hun de vi jeg den til
mor far barn barnet skal vil kan kunne skulle være have blive blev bliver sig sin sit sine
hende ham dem os jer også men så når hvis efter fra ved over under meget godt nu her da
""".split())

# Words that open a subordinate clause: a comma before one does not end the clause for a gap.
SUBORDINATORS: frozenset[str] = frozenset({"at", "om", "hvor", "hvordan", "hvorfor", "hvem", "hvad", "hvis", "som", "der", "når", "fordi", "idet"})

SHORT_LIST = 4  # a word list with at most this many phrases is resolved phrase by phrase
AFFIX_CACHE_LIMIT = 400_000  # distinct word forms remembered before the cache is cleared


class PatternError(ValueError):
    """A role pattern or word list that cannot be compiled; the message names it."""


@dataclass(frozen=True, slots=True)
class Affix:
    kind: str  # "prefix" | "suffix" | "contains"
    stem: str


def parse_affix(text: str) -> Affix | None:
    """`pre*`, `*suf`, `*mid*` -> Affix; plain words -> None."""
    if " " in text or "*" not in text:
        return None
    if text.startswith("*") and text.endswith("*") and len(text) > 2:
        return Affix("contains", text[1:-1])
    if text.endswith("*"):
        return Affix("prefix", text[:-1])
    if text.startswith("*"):
        return Affix("suffix", text[1:])
    raise PatternError(f"'{text}': a '*' may only start or end a word")


class AffixIndex:
    """Which affix atoms a word matches, in time linear in the word's length.

    Prefixes and suffixes sit in dicts keyed by the stem, so a word is checked by looking up
    its own prefixes and (after stripping each inflection ending) its suffixes; `contains`
    stems are few and tested directly. Results are cached per word form.
    """

    def __init__(self, affixes: Iterable[tuple[str, Affix]]):
        self.prefix: dict[str, list[str]] = defaultdict(list)
        self.suffix: dict[str, list[str]] = defaultdict(list)
        self.contains: list[tuple[str, str]] = []
        for atom, affix in affixes:
            if affix.kind == "prefix":
                self.prefix[affix.stem].append(atom)
            elif affix.kind == "suffix":
                self.suffix[affix.stem].append(atom)
            else:
                self.contains.append((affix.stem, atom))
        self._prefix_lengths = sorted({len(k) for k in self.prefix})
        self._suffix_lengths = sorted({len(k) for k in self.suffix})
        self._endings = tuple(e for e in INFLECTION_ENDINGS if e)
        self._cache: dict[int, tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.prefix or self.suffix or self.contains)

    def atoms(self, key: int, word: str) -> tuple[str, ...]:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) > AFFIX_CACHE_LIMIT:
            self._cache.clear()
        found: list[str] = []
        size = len(word)
        for n in self._prefix_lengths:
            if n > size:
                break
            found.extend(self.prefix.get(word[:n], ()))
        if self.suffix:
            stems = [word] + [word[: size - len(e)] for e in self._endings if word.endswith(e)]
            for stem in stems:
                for n in self._suffix_lengths:
                    if n > len(stem):
                        break
                    found.extend(self.suffix.get(stem[-n:], ()))
        found.extend(atom for stem, atom in self.contains if stem in word)
        result = tuple(dict.fromkeys(found))
        self._cache[key] = result
        return result


@dataclass(slots=True)
class WordList:
    """A named set of phrases. `exclude` phrases cancel a hit they overlap (`slå fast` for `slå`)."""

    name: str
    phrases: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Element:
    atom: str  # the word list this element matches
    max_gap: int  # tokens allowed between the previous element and this one


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    source: str
    elements: tuple[Element, ...]
    later_atoms: frozenset[str] = frozenset()  # the atoms after the first: all must occur in a doc


class PatternMatch(NamedTuple):
    """Token spans (doc indices, end exclusive) of each element of one pattern match
    (immutable; a named tuple, as a frozen dataclass costs several times as much to build)."""

    pattern: Pattern
    spans: tuple[tuple[int, int], ...]
    start: int  # spans[0][0], the first token
    end: int  # spans[-1][1], after the last token

    def words(self, doc: Doc) -> list[str]:
        """The matched words as written, one string per element."""
        return [doc[a:b].text for a, b in self.spans]


class TokenTable:
    """A doc's tokens as plain lists (LOWER and ORTH ids, character offsets): spaCy builds a
    Token object on every `doc[i]`, which costs more than the rule logic around it."""

    __slots__ = ("lowers", "orths", "lemmas", "starts", "ends", "_sent_starts", "_bounds")

    def __init__(self, doc: Doc):
        self._bounds: list[tuple[int, int]] | None = None
        if not len(doc):
            self.lowers = self.orths = self.lemmas = self.starts = self.ends = []
            self._bounds = []
            return
        table = doc.to_array(_TABLE_ATTRS)  # one read of the doc, one conversion to lists
        self.lowers, self.orths, self.lemmas, self.starts, lengths = table[:, :5].T.tolist()
        self.ends = list(map(add, self.starts, lengths))
        self._sent_starts = table[:, 5]

    def span_chars(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets of tokens [start, end) (trailing whitespace excluded)."""
        return self.starts[start], self.ends[end - 1]

    @property
    def sentence_bounds(self) -> list[tuple[int, int]]:
        """(start, end) token indices of the doc's sentences, made once."""
        if self._bounds is None:
            self._bounds = _bounds_of(self._sent_starts)
        return self._bounds


_TABLE_ATTRS = [LOWER, ORTH, LEMMA, IDX, LENGTH, SENT_START]


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) token indices of the doc's sentences, from the SENT_START array in one
    read (doc.sents walks every token in Python)."""
    if len(doc) == 0:
        return []
    return _bounds_of(doc.to_array(SENT_START))


def _bounds_of(sent_starts: numpy.ndarray) -> list[tuple[int, int]]:
    """Sentence (start, end) pairs from a doc's SENT_START values (1 opens a sentence)."""
    starts = numpy.flatnonzero(sent_starts == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return list(zip(starts, starts[1:] + [len(sent_starts)]))


class HitMap:
    """atom -> sorted token spans of its word-list hits in one doc; `table` holds its tokens.

    `find_hits` records each distinct phrase's hits once; which word lists a phrase belongs to
    is resolved only when a list is asked for. Most lists with a word in a note are never asked
    for (their pattern's first word is missing), so the per-note work stays proportional to
    what the patterns need.
    """

    __slots__ = ("table", "_raw", "_direct", "_compiler", "_resolved", "_keys", "_long_lists")

    def __init__(self, compiler: "PatternCompiler", raw: dict[int, list[tuple[int, int]]],
                 direct: dict[str, list[tuple[int, int]]], table: TokenTable):
        self._compiler = compiler
        self._raw = raw  # phrase number -> its spans
        self._direct = direct  # affix atom -> its spans
        self.table = table
        self._resolved: dict[str, list[tuple[int, int]]] = {}
        self._long_lists: dict[str, list[list[tuple[int, int]]]] | None = None
        phrase_atoms = compiler._phrase_atoms  # every caller asks which lists occur: found once
        self._keys: set[str] = set(direct).union(*[phrase_atoms[p] for p in raw])

    @property
    def lowers(self) -> list[int]:
        return self.table.lowers

    def keys(self) -> set[str]:
        return self._keys

    def __iter__(self):
        return iter(list(self._keys))

    def __contains__(self, atom: object) -> bool:
        return atom in self._keys

    def get(self, atom: str, default=None):
        spans = self._resolved.get(atom)
        if spans is None:
            if atom not in self._keys:
                return default
            spans = self._resolved[atom] = self._resolve(atom)
        return spans if spans else default

    def _resolve(self, atom: str) -> list[tuple[int, int]]:
        compiler, raw = self._compiler, self._raw
        phrases = compiler._atom_phrases.get(atom)
        if not phrases:
            sources = []
        elif len(phrases) <= SHORT_LIST:  # most lists a pattern writes inline: a look-up per phrase
            sources = [raw[phrase] for phrase in phrases if phrase in raw]
        else:  # a long list: its phrases' spans, filed for all long lists at the first ask
            if self._long_lists is None:
                self._long_lists = self._file_long_lists()
            sources = list(self._long_lists.get(atom, ()))
        direct = self._direct.get(atom)
        if direct is not None:
            sources.append(direct)
        if not sources:
            return []
        # one phrase's (or affix's) spans are already sorted and unique: found token by token
        spans = sources[0] if len(sources) == 1 else sorted(set().union(*sources))
        if atom in compiler._excluded and "!" + atom in self._keys:
            blocked = {i for a, b in self._resolve("!" + atom) for i in range(a, b)}
            spans = [h for h in spans if not any(i in blocked for i in range(h[0], h[1]))]
        return spans

    def _file_long_lists(self) -> dict[str, list[list[tuple[int, int]]]]:
        """Long word list -> the spans of each of its phrases in the note, in one pass over
        the note's phrases (cheaper than testing each list's many phrases one by one)."""
        filed: dict[str, list[list[tuple[int, int]]]] = {}
        long_lists_of = self._compiler._long_lists_of
        for number, spans in self._raw.items():
            for atom in long_lists_of[number]:
                sources = filed.get(atom)
                if sources is None:
                    filed[atom] = [spans]
                else:
                    sources.append(spans)
        return filed

    def __getitem__(self, atom: str) -> list[tuple[int, int]]:
        spans = self.get(atom)
        if spans is None:
            raise KeyError(atom)
        return spans

    def __setitem__(self, atom: str, spans) -> None:
        self._resolved[atom] = sorted(spans)
        self._keys.add(atom)

    def items(self):
        return ((atom, self.get(atom)) for atom in list(self.keys()) if self.get(atom))


Hits = Mapping[str, Sequence[tuple[int, int]]]

_GAP_RE = re.compile(r"^~(\d+)$")


class PatternCompiler:
    """Collects word lists and patterns, then compiles them into phrase indexes (LEMMA, LOWER).

    Usage: `add_list`/`add_pattern` while loading resources, `compile(nlp)` once, then
    `find_hits(doc)` per doc and `match(pattern, hits, doc, start, end)` per sentence.
    """

    def __init__(self) -> None:
        self.lists: dict[str, WordList] = {}
        self.patterns: dict[str, Pattern] = {}
        self._affixes: list[tuple[str, Affix]] = []
        self._excluded: set[str] = set()  # atoms with an exclusion list
        self._affix_index = AffixIndex(())
        self._phrase_atoms: list[frozenset[str]] = []
        self._long_lists_of: list[tuple[str, ...]] = []  # phrase number -> the long lists (> SHORT_LIST phrases) that hold it
        self._atom_phrases: dict[str, set[int]] = {}
        self._lemma_index: dict[int, tuple] = {}  # phrase tries by LEMMA id and by LOWER id (`=form`)
        self._lower_index: dict[int, tuple] = {}
        self._compiled = False
        self._barriers: frozenset[str] = GAP_BARRIERS

    # -- building -----------------------------------------------------------------------------

    def add_list(self, name: str, phrases: Iterable[str], exclude: Iterable[str] = ()) -> None:
        if name in self.lists:
            raise PatternError(f"word list '@{name}' is defined twice")
        phrases = [_clean(p) for p in phrases if _clean(p)]
        if not phrases:
            raise PatternError(f"word list '@{name}' is empty")
        self.lists[name] = WordList(name, phrases, [_clean(x) for x in exclude if _clean(x)])

    def add_pattern(self, pattern_id: str, source: str) -> Pattern:
        """Parse `source` (see module docstring) into a Pattern registered under `pattern_id`."""
        tokens = str(source).split()
        if not tokens:
            raise PatternError(f"pattern '{pattern_id}' is empty")
        elements: list[Element] = []
        gap = 0
        for raw in tokens:
            gap_match = _GAP_RE.match(raw)
            if gap_match:
                if not elements:
                    raise PatternError(f"pattern '{pattern_id}': '{raw}' cannot start a pattern")
                gap = int(gap_match.group(1))
                continue
            elements.append(Element(self._atom_for(raw.lower(), pattern_id), gap))
            gap = 0
        pattern = Pattern(pattern_id, str(source), tuple(elements), frozenset(e.atom for e in elements[1:]))
        self.patterns[pattern_id] = pattern
        return pattern

    def _atom_for(self, raw: str, pattern_id: str) -> str:
        if raw.startswith("@") and "|" not in raw:
            name = raw[1:]
            if name not in self.lists:
                raise PatternError(f"pattern '{pattern_id}' uses unknown word list '@{name}'")
            return name
        atom = "~" + raw  # an anonymous list of the alternatives written inline
        if atom not in self.lists:
            words = [w if w.startswith("@") else w.replace("_", " ") for w in raw.split("|") if w]
            if not words:
                raise PatternError(f"pattern '{pattern_id}': empty alternative '{raw}'")
            for word in words:
                if word.startswith("@") and word[1:] not in self.lists:
                    raise PatternError(f"pattern '{pattern_id}' uses unknown word list '{word}'")
            self.lists[atom] = WordList(atom, words)
        return atom

    def compile(self, nlp: Language) -> "PatternCompiler":
        """Build the phrase indexes. Phrases are lemmatised by `nlp` itself, so a pattern and
        a note always agree on what a word's lemma is, even where the lookup table is odd."""
        vocab = nlp.vocab
        plain: dict[str, list[str]] = defaultdict(list)
        for name, word_list in self.lists.items():
            for phrase in self._expanded(word_list):
                affix = parse_affix(phrase)
                if affix is not None:
                    self._affixes.append((name, affix))
                else:
                    plain[name].append(phrase)
            if word_list.exclude:
                key = "!" + name
                self._excluded.add(name)
                for phrase in word_list.exclude:
                    affix = parse_affix(phrase)
                    if affix is not None:
                        self._affixes.append((key, affix))
                    else:
                        plain[key].append(phrase)
        self._affix_index = AffixIndex(self._affixes)
        self._barrier_ids = frozenset(vocab.strings.add(b) for b in self._barriers)
        self._comma_id = vocab.strings.add(",")
        self._continuing_ids = frozenset(vocab.strings.add(w) for w in SUBORDINATORS)
        # Each distinct phrase is indexed once ("slå" and "slog" share a lemma, so one entry)
        # under the word lists it belongs to: by its first token's LEMMA id (or LOWER id for an
        # exact `=form`), with the ids of the rest of the phrase.
        by_lemma = sorted({p for phrases in plain.values() for p in phrases if not p.startswith("=")})
        lemma_docs = dict(zip(by_lemma, nlp.pipe(by_lemma)))
        phrase_atoms: dict[str, set[str]] = defaultdict(set)
        phrase_words: dict[str, tuple[str, tuple[int, ...]]] = {}
        for atom, phrases in plain.items():
            for phrase in phrases:
                if phrase.startswith("="):
                    doc = nlp.make_doc(phrase[1:])
                    ident, kind, ids = "form:" + " ".join(t.lower_ for t in doc), "lower", tuple(t.lower for t in doc)
                else:
                    doc = lemma_docs[phrase]
                    ident, kind, ids = "lemma:" + " ".join(t.lemma_ for t in doc), "lemma", tuple(t.lemma for t in doc)
                phrase_atoms[ident].add(atom)
                phrase_words.setdefault(ident, (kind, ids))
        # phrase number -> its word lists; word list -> its phrase numbers
        self._phrase_atoms: list[frozenset[str]] = []
        atom_phrases: dict[str, set[int]] = defaultdict(set)
        tries: dict[str, dict] = {"lemma": {}, "lower": {}}  # id -> [phrase number, {next id -> ...}]
        for ident, atoms in phrase_atoms.items():
            kind, ids = phrase_words[ident]
            if not ids:
                continue  # a phrase without tokens matches nothing
            number = len(self._phrase_atoms)
            self._phrase_atoms.append(frozenset(atoms))
            for atom in atoms:
                atom_phrases[atom].add(number)
            level, node = tries[kind], None
            for token_id in ids:
                node = level.setdefault(token_id, [None, {}])
                level = node[1]
            node[0] = number
        # plain sets: `set & dict.keys()` walks the smaller side, a frozenset always walks itself
        self._atom_phrases = dict(atom_phrases)
        self._long_lists_of = [tuple(sorted(a for a in atoms if len(atom_phrases[a]) > SHORT_LIST)) for atoms in self._phrase_atoms]
        self._lemma_index, self._lower_index = _frozen_trie(tries["lemma"]), _frozen_trie(tries["lower"])
        self._compiled = True
        return self

    def _expanded(self, word_list: WordList, seen: tuple[str, ...] = ()) -> list[str]:
        """The list's phrases with `@other` items replaced by the other list's phrases."""
        out: list[str] = []
        for phrase in word_list.phrases:
            if not phrase.startswith("@"):
                out.append(phrase)
                continue
            name = phrase[1:]
            if name not in self.lists:
                raise PatternError(f"word list '@{word_list.name}' includes unknown list '@{name}'")
            if name in seen:
                raise PatternError(f"word lists include each other in a circle: {' -> '.join(seen + (name,))}")
            out.extend(self._expanded(self.lists[name], seen + (word_list.name,)))
        return out

    # -- matching -----------------------------------------------------------------------------

    def find_hits(self, doc: Doc) -> HitMap:
        """Every word-list hit in the doc: atom -> sorted unique token spans."""
        if not self._compiled:
            raise PatternError("compile(nlp) must run before matching")
        table = TokenTable(doc)
        raw: dict[int, list[tuple[int, int]]] = {}
        direct: dict[str, list[tuple[int, int]]] = {}
        lowers = table.lowers
        if lowers:
            _phrase_hits(table.lemmas, self._lemma_index, raw)
            _phrase_hits(lowers, self._lower_index, raw)
            index = self._affix_index
            if index:
                get = index._cache.get
                per_token = [get(lower_id) for lower_id in lowers]  # a word's affix atoms, cached per word
                if None in per_token:
                    strings = doc.vocab.strings
                    per_token = [index.atoms(lower_id, strings[lower_id]) if atoms is None else atoms
                                 for lower_id, atoms in zip(lowers, per_token)]
                for i in [i for i, atoms in enumerate(per_token) if atoms]:
                    span = (i, i + 1)
                    for atom in per_token[i]:
                        spans = direct.get(atom)
                        if spans is None:
                            direct[atom] = [span]
                        else:
                            spans.append(span)
        return HitMap(self, raw, direct, table)

    def match(self, pattern: Pattern, hits: Hits, doc: Doc, start: int, end: int) -> list[PatternMatch]:
        """Matches of `pattern` inside tokens [start, end), left to right, not overlapping."""
        if pattern.later_atoms and not pattern.later_atoms <= hits.keys():
            return []
        first = hits.get(pattern.elements[0].atom)
        if not first:
            return []
        out: list[PatternMatch] = []
        last_end = start
        lowers = _lowers(hits, doc) if len(pattern.elements) > 1 else None
        for span in first:
            if span[0] < last_end or span[1] > end:
                continue
            if lowers is None:
                out.append(PatternMatch(pattern, (span,), span[0], span[1]))
                last_end = span[1]
                continue
            spans = self._extend(pattern.elements, 1, [span], hits, lowers, end)
            if spans is not None:
                out.append(PatternMatch(pattern, tuple(spans), span[0], spans[-1][1]))
                last_end = spans[-1][1]
        return out

    def _extend(self, elements, k, spans, hits, lowers, end):
        """The first way to match elements[k:] after `spans` within tokens [.., end), or None."""
        element = elements[k]
        prev_end = spans[-1][1]
        candidates = hits.get(element.atom)
        if not candidates:
            return None
        last = k + 1 == len(elements)
        max_gap = element.max_gap
        for i in range(bisect_left(candidates, (prev_end, -1)), len(candidates)):
            a, b = candidates[i]
            if a - prev_end > max_gap or b > end:
                break
            if a > prev_end and self._crosses_barrier(lowers, prev_end, a):
                break
            if last:
                return spans + [(a, b)]
            found = self._extend(elements, k + 1, spans + [(a, b)], hits, lowers, end)
            if found is not None:
                return found
        return None

    def _crosses_barrier(self, lowers: Sequence[int], start: int, end: int) -> bool:
        """A gap stays inside its clause; a comma before a subordinate clause ("ikke ved, hvor
        han bor") does not end it."""
        barrier_ids, comma, continuing = self._barrier_ids, self._comma_id, self._continuing_ids
        for i in range(start, end):
            word = lowers[i]
            if word in barrier_ids:
                if word == comma and i + 1 < len(lowers) and lowers[i + 1] in continuing:
                    continue
                return True
        return False

    def anchor(self, pattern: Pattern) -> str:
        """The pattern's rarest word list: the one whose presence in a note is least likely."""
        def cost(atom: str) -> tuple[int, int]:
            phrases = self._expanded(self.lists[atom]) if atom in self.lists else []
            common = sum(1 for p in phrases if p.lstrip("=").lower() in COMMON_WORDS or "*" in p)
            return common, len(phrases)

        return min((e.atom for e in pattern.elements), key=cost)

    def match_doc(self, pattern: Pattern, hits: Hits, doc: Doc, sent_of: Sequence[int], bounds: Sequence[tuple[int, int]]) -> list[tuple[int, PatternMatch]]:
        """Matches of `pattern` anywhere in the doc, each inside one sentence: (sentence index, match).

        Work is proportional to the hits of the pattern's first element, not to the doc's length.
        (A caller with many patterns first skips those whose `later_atoms` the doc lacks.)
        """
        first = hits.get(pattern.elements[0].atom)
        if not first:
            return []
        out: list[tuple[int, PatternMatch]] = []
        elements = pattern.elements
        last_end = -1
        if len(elements) == 1:  # one word list: each hit that overlaps no earlier match is one
            for span in first:
                if span[0] < last_end:
                    continue
                sent = sent_of[span[0]]
                if span[1] <= bounds[sent][1]:
                    last_end = span[1]
                    out.append((sent, PatternMatch(pattern, (span,), span[0], span[1])))
            return out
        lowers = _lowers(hits, doc)
        for span in first:
            if span[0] < last_end:
                continue
            sent = sent_of[span[0]]
            end = bounds[sent][1]
            if span[1] > end:
                continue
            spans = self._extend(elements, 1, [span], hits, lowers, end)
            if spans is not None:
                last_end = spans[-1][1]
                out.append((sent, PatternMatch(pattern, tuple(spans), span[0], last_end)))
        return out


def _lowers(hits: Hits, doc: Doc) -> list[int]:
    """The doc's LOWER ids: from the hit map's token table, or read from the doc."""
    lowers = getattr(hits, "lowers", None)
    if lowers is None:
        lowers = doc.to_array(LOWER).tolist() if len(doc) else []
    return lowers


def _frozen_trie(level: dict) -> dict[int, tuple]:
    """A phrase trie for `_phrase_hits`: id -> (number of the phrase ending here or None, next level or None)."""
    return {token_id: (number, _frozen_trie(children) if children else None) for token_id, (number, children) in level.items()}


def _phrase_hits(ids: list[int], trie: dict[int, tuple], raw: dict[int, list[tuple[int, int]]]) -> None:
    """Add to `raw` (phrase number -> spans) every phrase of the `trie` that starts at a token
    of `ids`; overlapping and nested phrases all count, as with spaCy's PhraseMatcher."""
    get = trie.get
    n = len(ids)
    for i, token_id in enumerate(ids):
        node = get(token_id)
        end = i + 1
        while node is not None:
            number, children = node
            if number is not None:
                spans = raw.get(number)
                if spans is None:
                    raw[number] = [(i, end)]
                else:
                    spans.append((i, end))
            if children is None or end >= n:
                break
            node = children.get(ids[end])
            end += 1


def _clean(phrase: object) -> str:
    return " ".join(str(phrase).split()).strip()

