"""Authority language (myndighedssprog): lexicon terms, § references, unexplained abbreviations,
and the dense bureaucratic style (GUIDELINES M3).

The lexicon (`pipeline/resources/jargon_lexicon.yaml`) is data a domain expert curates; this
module finds its terms with the same pattern engine as the sentence roles, decides for each
use whether it is explained where it stands, and measures the style of the note (LIX,
nominalisations, impersonal passives). Whether that adds up to a flag is `markers.py`'s call.

A term counts as explained when
- a parenthesis follows it with words in it ("BFU (børnefaglig undersøgelse)"),
- it stands in a parenthesis after the plain words ("en fast kontaktperson (§ 52, stk. 3, nr. 7)"),
- an explanation follows it ("..., dvs. ...", "det vil sige", "hvor vi ...", an appositive
  "foranstaltningen, en ordning hvor ...") or announces it ("det vi kalder ..."),
- or, for an abbreviation, its written-out form appears in the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

from pipeline.role_patterns import HitMap, PatternCompiler, PatternError, TokenTable

LEXICON_PATH = Path(__file__).resolve().parent / "resources" / "jargon_lexicon.yaml"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

WHITELIST, EXPLAIN_AFTER, EXPLAIN_BEFORE = "jargon:whitelist", "jargon:explain_after", "jargon:explain_before"
LIX_LONG_WORD_LETTERS = 6  # pipeline.text.lix: a long word has more than six letters
FEATURE_CACHE_LIMIT = 400_000

ITEM_CATEGORIES: frozenset[str] = frozenset({"paragraph_reference", "abbreviation", "administrative_word", "legalese"})
CATEGORIES: tuple[str, ...] = ("paragraph_reference", "abbreviation", "administrative_word", "legalese", "impersonal_passive")


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    key: str
    term: str
    category: str
    plain: str | None
    full: str | None
    weight: float
    group: str  # entries of one group (iværksætte, iværksættelse) count as one item


@dataclass(frozen=True, slots=True)
class JargonItem:
    """One use of authority language in the note (character offsets into the note's text)."""

    key: str  # the lexicon entry, "§ 52, stk. 3" or "ABC": uses with one key count once
    start: int
    end: int
    text: str
    category: str
    plain: str | None
    weight: float
    explained: bool


@dataclass(slots=True)
class DenseSentence:
    start: int
    end: int
    words: int
    nominalisations: int
    passives: int


@dataclass(slots=True)
class JargonReport:
    """What the jargon reader found in one note."""

    items: list[JargonItem] = field(default_factory=list)
    passives: list[JargonItem] = field(default_factory=list)
    lix: float = 0.0
    words: int = 0
    sentences: int = 0
    nominalisations: int = 0
    dense_sentences: list[DenseSentence] = field(default_factory=list)

    @property
    def unexplained(self) -> list[JargonItem]:
        """Unexplained items, one per key (the first use), in text order."""
        seen: dict[str, JargonItem] = {}
        for item in self.items:
            if not item.explained and item.category in ITEM_CATEGORIES and item.key not in seen:
                seen[item.key] = item
        return sorted(seen.values(), key=lambda i: i.start)

    @property
    def unexplained_weight(self) -> float:
        return sum(item.weight for item in self.unexplained)

    @property
    def nominal_share(self) -> float:
        return self.nominalisations / self.words if self.words else 0.0

    @property
    def passives_per_sentence(self) -> float:
        return len(self.passives) / self.sentences if self.sentences else 0.0


def read_lexicon(path: str | Path = LEXICON_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        lexicon = yaml.load(fh, Loader=_YAML_LOADER) or {}
    if not isinstance(lexicon, dict) or not lexicon.get("entries"):
        raise PatternError(f"{path}: a jargon lexicon needs `entries`")
    return lexicon


class JargonReader:
    """Compiled lexicon + rules; `read(doc)` returns a JargonReport."""

    def __init__(self, lexicon: dict[str, Any], nlp: Language | None = None, compiler: PatternCompiler | None = None):
        """Compile the lexicon for `nlp`; or, given a shared `compiler`, add the lexicon's word
        lists to it and leave compiling to the caller (RulesModel shares one with the roles)."""
        self.categories: dict[str, str] = dict(lexicon.get("categories") or {})
        paragraph = lexicon.get("paragraph_reference") or {}
        self.paragraph_re = _with_first_character_check(re.compile(paragraph["pattern"], re.IGNORECASE))
        anchors = paragraph.get("anchors") or []
        anchors = [str(a) for a in ([anchors] if isinstance(anchors, str) else anchors) if str(a)]
        self.paragraph_anchor_re = re.compile("|".join(map(re.escape, anchors)), re.IGNORECASE) if anchors else None
        self._paragraph_anchors_lower = tuple(a.lower() for a in anchors)
        self.paragraph_lead_chars = int(paragraph.get("lead_chars", 100))
        self.paragraph_plain: str | None = paragraph.get("plain")
        unknown = lexicon.get("unknown_abbreviation") or {}
        self.abbreviation_re = re.compile(unknown.get("pattern", r"^[A-ZÆØÅ]{3,6}$"))
        self.abbreviation_plain: str | None = unknown.get("plain")
        self.abbreviation_ignore = frozenset(str(w).upper() for w in unknown.get("ignore") or ())
        suffixes = tuple(sorted((str(s) for s in lexicon.get("nominalisation_suffixes") or ()), key=len, reverse=True))
        self.nominal_suffixes = suffixes
        self.nominal_min_letters = int(lexicon.get("nominalisation_min_letters", 8))
        self.impersonal_subjects = frozenset(lexicon.get("impersonal_subjects") or ("det", "der"))

        self.entries: list[LexiconEntry] = []
        own_compiler = compiler is None
        compiler = compiler or PatternCompiler()
        for i, raw in enumerate(lexicon.get("entries") or ()):
            category = raw.get("category")
            if category not in CATEGORIES:
                raise PatternError(f"jargon lexicon entry {i} ('{raw.get('term')}') has unknown category '{category}'")
            key = f"jargon:{i}"
            entry = LexiconEntry(key, str(raw["term"]), category, raw.get("plain"), raw.get("full"), float(raw.get("weight", 1.0)),
                                 str(raw.get("group") or key))
            self.entries.append(entry)
            # an abbreviation is a form, not a word with inflections: "AKT" must not find "akter"
            term = entry.term if category != "abbreviation" or entry.term.startswith(("=", "*")) else "=" + entry.term
            compiler.add_list(key, [term])
        self.abbreviations = {e.term.upper(): e for e in self.entries if e.category == "abbreviation" and e.term.isupper()}
        self.by_key = {e.key: e for e in self.entries}
        self._entry_keys = set(self.by_key)
        self.entry_order = {e.key: i for i, e in enumerate(self.entries)}
        self._subject_ids = frozenset(get_string_id(w) for w in self.impersonal_subjects)
        self._feature_cache: dict[int, tuple] = {}
        self._passive_forms: dict[tuple[int, int], tuple[bool, bool]] = {}
        compiler.add_list(WHITELIST, lexicon.get("whitelist") or ["underretning"])
        compiler.add_list(EXPLAIN_AFTER, lexicon.get("explanation_after") or ["dvs."])
        compiler.add_list(EXPLAIN_BEFORE, lexicon.get("explanation_before") or ["det vi kalder"])
        self.compiler = compiler
        if own_compiler:
            if nlp is None:
                from pipeline.text import get_nlp

                nlp = get_nlp()
            compiler.compile(nlp)

    @classmethod
    def from_file(cls, path: str | Path = LEXICON_PATH, nlp: Language | None = None) -> "JargonReader":
        return cls(read_lexicon(path), nlp)

    # -- reading one note --

    def read(self, doc: Doc, hits: Any = None, text: str | None = None) -> JargonReport:
        """Jargon, explanations and style of one note. `hits` from a shared compiler and the
        note's `text` (== doc.text, which spaCy re-joins on every access) may be passed in."""
        if text is None:
            text = doc.text
        if hits is None:
            hits = self.compiler.find_hits(doc)
        table = hits.table if isinstance(hits, HitMap) else TokenTable(doc)
        features = self._features(doc, table)
        report = JargonReport()
        label_tokens = self._heading_label_tokens(doc, table)
        paragraph_spans = self._paragraph_references(doc, text)
        blocked = paragraph_spans + list(hits.get(WHITELIST, ()))

        candidates: list[tuple[int, int, LexiconEntry]] = []
        by_key = self.by_key
        strings, orths = doc.vocab.strings, table.orths
        for key in hits.keys() & self._entry_keys:  # any order: the sort below decides
            entry = by_key[key]
            for a, b in hits.get(key):
                if any(a < y and x < b for x, y in blocked) or all(i in label_tokens for i in range(a, b)):
                    continue
                if entry.category == "abbreviation" and entry.term.isupper() and not strings[orths[a]].isupper():
                    continue  # "SP" is an abbreviation, "sp" is not
                candidates.append((a, b, entry))
        lower_text = None  # the normalised text, made when an entry with a full form needs it
        taken: list[tuple[int, int]] = []
        order = self.entry_order
        # longest term wins; on the same words the entry listed first in the lexicon (never the set
        # order of the hits, which changes from run to run)
        for a, b, entry in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0], order[c[2].key])):
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            item = self._item(doc, text, a, b, entry.group, entry.category, entry.plain, entry.weight, hits, table)
            if entry.full:
                lower_text = lower_text or _normalise_text(text)
                if _normalise_text(entry.full) in lower_text:
                    item = _explained(item)
            if entry.category == "impersonal_passive":
                report.passives.append(item)
            else:
                report.items.append(item)
        for a, b in paragraph_spans:
            key = " ".join(text[table.starts[a]:table.ends[b - 1]].split()).lower().rstrip(".")
            key = _PARAGRAPH_LEAD.sub("", key)
            report.items.append(self._item(doc, text, a, b, key, "paragraph_reference", self.paragraph_plain, 1.0, hits, table))
        for i in self._unknown_abbreviations(doc, features, label_tokens, taken + blocked):
            report.items.append(self._item(doc, text, i, i + 1, strings[orths[i]].upper(), "abbreviation", self.abbreviation_plain, 1.0, hits, table))
        for item in self._abbreviated_compounds(doc, text, features, label_tokens, taken + blocked, hits, table):
            report.items.append(item)
        report.passives.extend(self._generic_passives(doc, text, table, [(p.start, p.end) for p in report.passives]))
        report.items.sort(key=lambda it: it.start)
        self._style(doc, features, table, report)
        return report

    def _features(self, doc: Doc, table: TokenTable) -> tuple[list[tuple], list[int]]:
        """Per token (from a cache per word form): is a word, is long (LIX), is a
        nominalisation, looks like an abbreviation, is alphabetic, is upper-case, the
        abbreviation heading a compound ("AKT" in "AKT-lærer"); and the sentence starts."""
        cache = self._feature_cache
        get = cache.get
        out = [get(orth) for orth in table.orths]
        if None in out:
            strings = doc.vocab.strings
            for i, orth in enumerate(table.orths):
                if out[i] is None:
                    feature = cache.get(orth)
                    if feature is None:
                        if len(cache) > FEATURE_CACHE_LIMIT:
                            cache.clear()
                        feature = cache[orth] = self._word_features(strings[orth])
                    out[i] = feature
        starts = [a for a, _b in table.sentence_bounds]
        return out, starts

    def _abbreviated_compounds(self, doc: Doc, text: str, features, label_tokens: set[int], taken, hits, table: TokenTable) -> list[JargonItem]:
        """"AKT-lærer", "SSP-mentor", "BUP-ambulatoriet": an in-house abbreviation inside a compound."""
        out = []
        lower_text = None
        per_token = features[0]
        for i in [i for i, feature in enumerate(per_token) if feature[6] is not None]:
            head = per_token[i][6]
            if i in label_tokens or any(x <= i < y for x, y in taken):
                continue
            entry = self.abbreviations.get(head)
            item = self._item(doc, text, i, i + 1, entry.group if entry else head,
                              "abbreviation", entry.plain if entry else self.abbreviation_plain, entry.weight if entry else 1.0, hits, table)
            if entry and entry.full:
                lower_text = lower_text or _normalise_text(text)
                if _normalise_text(entry.full) in lower_text:
                    item = _explained(item)
            out.append(item)
        return out

    def _word_features(self, text: str) -> tuple:
        letters = sum(ch.isalpha() for ch in text)
        lower = text.lower()
        head = text.split("-", 1)[0] if "-" in text else ""
        compound_head = head if len(head) >= 2 and head.isupper() and head.isalpha() and head not in self.abbreviation_ignore else None
        return (
            letters > 0,
            letters > LIX_LONG_WORD_LETTERS,
            self._is_nominalisation(lower),
            bool(self.abbreviation_re.match(text)) and text.upper() not in self.abbreviation_ignore,
            text.isalpha(),
            text.isalpha() and text.isupper(),
            compound_head,
        )

    def _unknown_abbreviations(self, doc: Doc, features, label_tokens: set[int], taken: list[tuple[int, int]]) -> list[int]:
        per_token, starts = features
        out = []
        for i in [i for i, feature in enumerate(per_token) if feature[3]]:
            if i in label_tokens or any(x <= i < y for x, y in taken):
                continue
            if (i > 0 and doc[i - 1].text.endswith("[")) or (i + 1 < len(doc) and doc[i + 1].text.startswith("]")):
                continue  # an anonymisation tag
            sent_start = max(s for s in starts if s <= i)
            sent_end = next((s for s in starts if s > i), len(doc))
            alpha = [f for f in per_token[sent_start:sent_end] if f[4]]
            if len(alpha) > 1 and sum(f[5] for f in alpha) * 2 >= len(alpha):
                continue  # a line in capitals: a heading, not an abbreviation
            out.append(i)
        return out

    def _item(self, doc: Doc, text: str, a: int, b: int, key: str, category: str, plain: str | None, weight: float, hits,
              table: TokenTable) -> JargonItem:
        start, end = table.starts[a], table.ends[b - 1]
        return JargonItem(
            key=key, start=start, end=end, text=text[start:end], category=category, plain=plain,
            weight=weight, explained=self._is_explained(doc, a, b, hits, table),
        )

    def _is_explained(self, doc: Doc, a: int, b: int, hits, table: TokenTable) -> bool:
        orths = table.orths
        strings = doc.vocab.strings
        n = len(orths)
        # "BFU (børnefaglig undersøgelse)": a parenthesis with words follows
        j = b
        if j < n and orths[j] == _OPEN_ID:
            words = 0
            k = j + 1
            while k < n and orths[k] != _CLOSE_ID and k - j < 30:
                word = strings[orths[k]]
                if word.isalpha() and not word.isupper():
                    words += 1
                k += 1
            if words >= 2:
                return True
        # "en fast kontaktperson (§ 52, stk. 3)": the term stands in brackets after plain words
        k = a - 1
        while k >= 0 and orths[k] != _OPEN_ID and orths[k] != _CLOSE_ID and a - k < 12:
            k -= 1
        if k >= 0 and orths[k] == _OPEN_ID and all(orths[m] != _CLOSE_ID for m in range(k + 1, a)):
            before = [m for m in range(max(0, k - 6), k) if strings[orths[m]].isalpha()]
            if len(before) >= 2:
                return True
        # "..., dvs. ...", "hvor vi ...", "(...)" right after; "det vi kalder ..." right before
        for x, _y in hits.get(EXPLAIN_AFTER, ()):
            gap = x - b
            if 0 <= gap <= 2 and all(orths[m] in _JOINER_IDS for m in range(b, x)):
                return True
        for _x, y in hits.get(EXPLAIN_BEFORE, ()):
            if 0 <= a - y <= 2:
                return True
        return False

    def _paragraph_references(self, doc: Doc, text: str) -> list[tuple[int, int]]:
        out = []
        for start, end in self.paragraph_matches(text):
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                out.append((span.start, span.end))
        return out

    def paragraph_matches(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the § references, as `paragraph_re.finditer` finds them.

        With anchors configured the pattern is searched only from `lead_chars` before each
        anchor that no earlier reference took: a reference holds an anchor, and no other
        place can start one (the regex engine would otherwise try the pattern's leading
        words at every letter of the note)."""
        anchors = self.paragraph_anchor_re
        if anchors is None:
            return [m.span() for m in self.paragraph_re.finditer(text)]
        lower = text.lower()
        if not any(a in lower for a in self._paragraph_anchors_lower):
            return []  # most notes: no anchor, no reference
        out: list[tuple[int, int]] = []
        pos = 0
        search, lead = self.paragraph_re.search, self.paragraph_lead_chars
        for anchor in anchors.finditer(text):
            at = anchor.start()
            if at < pos:
                continue  # inside the last reference
            m = search(text, max(pos, at - lead))
            if m is None:
                break  # none from here on
            out.append(m.span())
            pos = max(m.end(), m.start() + 1)
        return out

    def _heading_label_tokens(self, doc: Doc, table: TokenTable) -> set[int]:
        """Template field names ("Bevilling:") are labels, not prose: they never count."""
        out: set[int] = set()
        orths = table.orths
        for start, _heading in doc._.headings or ():
            for i in range(start, min(start + 8, len(orths))):
                out.add(i)
                if orths[i] == _COLON_ID:
                    break
        return out

    def _generic_passives(self, doc: Doc, text: str, table: TokenTable, known: list[tuple[int, int]]) -> list[JargonItem]:
        """Impersonal passives the lexicon does not list: "det/der (er|blev) <verb>-es/-et"."""
        out = []
        lowers, lemmas = table.lowers, table.lemmas
        n = len(lowers)
        strings = doc.vocab.strings
        subjects = self._subject_ids
        forms = self._passive_forms
        if len(forms) > FEATURE_CACHE_LIMIT:
            forms.clear()
        for i in [i for i, lower_id in enumerate(lowers) if lower_id in subjects]:
            for j in range(i + 1, min(i + 5, n)):  # "der er d.d. foretaget": adverbs may sit between
                key = (lowers[j], lemmas[j])
                form = forms.get(key)  # (is a word, is a passive form), per word form and lemma
                if form is None:
                    lower = strings[key[0]]
                    form = forms[key] = (any(ch.isalnum() for ch in lower), _is_passive_form(lower, strings[key[1]]))
                if not form[0]:
                    break
                if not form[1]:
                    continue
                lemma = strings[key[1]]
                start, end = table.starts[i], table.ends[j]
                if not any(a <= start < b or a < end <= b for a, b in known):
                    out.append(JargonItem(
                        key=f"passive:{lemma}", start=start, end=end, text=text[start:end],
                        category="impersonal_passive", plain=None, weight=0.0, explained=False,
                    ))
                break
        return out

    def _style(self, doc: Doc, features, table: TokenTable, report: JargonReport) -> None:
        """Words, sentences, LIX (as pipeline.text.lix defines it) and nominalisations, per sentence."""
        per_token, starts = features
        passive_starts = sorted(p.start for p in report.passives)
        long_words = 0
        # a long word and a nominalisation are words (letters): counted over all tokens
        for a, b in table.sentence_bounds:
            tokens = per_token[a:b]
            words = sum(map(_IS_WORD, tokens))
            if not words:
                continue
            report.sentences += 1
            report.words += words
            long_words += sum(map(_IS_LONG, tokens))
            nominal = sum(map(_IS_NOMINAL, tokens))
            report.nominalisations += nominal
            start_char = table.starts[a]
            end_char = table.ends[b - 1]
            passives = len([1 for p in passive_starts if start_char <= p < end_char]) if passive_starts else 0
            report.dense_sentences.append(DenseSentence(start_char, end_char, words, nominal, passives))
        if report.words:
            report.lix = report.words / report.sentences + 100.0 * long_words / report.words

    def _is_nominalisation(self, lower: str) -> bool:
        if len(lower) < self.nominal_min_letters or not lower.isalpha():
            return False
        return lower.endswith(self.nominal_suffixes)


_IS_WORD, _IS_LONG, _IS_NOMINAL = itemgetter(0), itemgetter(1), itemgetter(2)  # fields of _word_features
_OPEN_ID, _CLOSE_ID, _COLON_ID = get_string_id("("), get_string_id(")"), get_string_id(":")
_JOINER_IDS = frozenset(get_string_id(w) for w in (",", "(", "–", "-", "—"))  # may sit between a term and "dvs."
_PARAGRAPH_LEAD = re.compile(r"^(jf\.|jfr\.|jvf\.|jævnfør|iht\.|i henhold til|i medfør af|efter|ifølge|if\.)\s+")


_AUXILIARY_LEMMAS = frozenset({"være", "have", "blive", "skulle", "kunne", "ville", "måtte"})


def _is_passive_form(lower: str, lemma: str) -> bool:
    """`vurderes`, `foretaget`, `iværksat`: an inflected verb form (lemma ends in -e)."""
    if lemma == lower or not lemma.endswith("e") or len(lower) < 5 or lemma in _AUXILIARY_LEMMAS:
        return False
    return lower.endswith("es") or lower.endswith("et") or (lower.endswith("t") and lemma.endswith("ætte"))


def _with_first_character_check(pattern: re.Pattern) -> re.Pattern:
    """The same pattern behind a look-ahead for the characters a match can start with.

    A pattern that opens with optional words ("jf.", "servicelovens") makes the regex engine
    try every alternative at every position of a note; one character-class test per position
    rejects almost all of them first. The matches are the very same (the look-ahead only skips
    positions where no match can start); a pattern whose first characters cannot be read off
    (look-behinds, wildcards, classes like \\w, an empty match) is kept as it is."""
    try:
        from re import _parser as parser  # the parser `re` itself uses (Python 3.11+)

        first, may_be_empty = _first_characters(list(parser.parse(pattern.pattern, pattern.flags)), parser)
        if first is None or may_be_empty or not first:
            return pattern
        chars = "".join(re.escape(chr(c)) for c in sorted(first))
        return re.compile(f"(?=[{chars}])(?:{pattern.pattern})", pattern.flags)
    except Exception:  # an unusual pattern (or Python): correctness first
        return pattern


def _first_characters(items: list, parser) -> tuple[set[int] | None, bool]:
    """(code points a match of the parsed sequence can start with, whether it can be empty);
    None when that cannot be read off the parse."""
    c = parser  # the opcode names live in the parser module's namespace
    chars: set[int] = set()
    for op, av in items:
        if op is c.LITERAL:
            return chars | {av}, False
        if op is c.BRANCH:
            empty = False
            for branch in av[1]:
                first, branch_empty = _first_characters(list(branch), parser)
                if first is None:
                    return None, False
                chars |= first
                empty = empty or branch_empty
            if not empty:
                return chars, False
        elif op is c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None, False
            first, sub_empty = _first_characters(list(sub), parser)
            if first is None:
                return None, False
            chars |= first
            if not sub_empty:
                return chars, False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, _high, sub = av
            first, sub_empty = _first_characters(list(sub), parser)
            if first is None:
                return None, False
            chars |= first
            if low > 0 and not sub_empty:
                return chars, False
        elif op is c.IN:
            for item_op, item in av:
                if item_op is c.LITERAL:
                    chars.add(item)
                elif item_op is c.RANGE and item[1] - item[0] < 256:
                    chars.update(range(item[0], item[1] + 1))
                else:
                    return None, False
            return chars, False
        else:
            return None, False
    return chars, True


def _normalise_text(text: str) -> str:
    """Lower case, hyphens as spaces, single spaces: "Pædagogisk-psykologisk  Rådgivning" finds
    "pædagogisk psykologisk rådgivning"."""
    return " ".join(text.lower().replace("-", " ").split())


def _explained(item: JargonItem) -> JargonItem:
    return JargonItem(item.key, item.start, item.end, item.text, item.category, item.plain, item.weight, True)
