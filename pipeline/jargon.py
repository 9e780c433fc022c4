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
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.role_patterns import PatternCompiler, PatternError

LEXICON_PATH = Path(__file__).resolve().parent / "resources" / "jargon_lexicon.yaml"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


class JargonReader:
    """Compiled lexicon + rules; `read(doc)` returns a JargonReport."""

    def __init__(self, lexicon: dict[str, Any], nlp: Language):
        self.categories: dict[str, str] = dict(lexicon.get("categories") or {})
        paragraph = lexicon.get("paragraph_reference") or {}
        self.paragraph_re = re.compile(paragraph["pattern"], re.IGNORECASE)
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
        compiler = PatternCompiler()
        for i, raw in enumerate(lexicon.get("entries") or ()):
            category = raw.get("category")
            if category not in CATEGORIES:
                raise PatternError(f"jargon lexicon entry {i} ('{raw.get('term')}') has unknown category '{category}'")
            key = f"j{i}"
            entry = LexiconEntry(key, str(raw["term"]), category, raw.get("plain"), raw.get("full"), float(raw.get("weight", 1.0)))
            self.entries.append(entry)
            compiler.add_list(key, [entry.term])
        self.by_key = {e.key: e for e in self.entries}
        compiler.add_list("whitelist", lexicon.get("whitelist") or ["underretning"])
        compiler.add_list("explain_after", lexicon.get("explanation_after") or ["dvs."])
        compiler.add_list("explain_before", lexicon.get("explanation_before") or ["det vi kalder"])
        self.compiler = compiler.compile(nlp)

    @classmethod
    def from_file(cls, path: str | Path = LEXICON_PATH, nlp: Language | None = None) -> "JargonReader":
        with open(path, encoding="utf-8") as fh:
            lexicon = yaml.load(fh, Loader=_YAML_LOADER) or {}
        if nlp is None:
            from pipeline.text import get_nlp

            nlp = get_nlp()
        return cls(lexicon, nlp)

    # -- reading one note --

    def read(self, doc: Doc) -> JargonReport:
        from pipeline.text import heading_of, lix

        hits = self.compiler.find_hits(doc)
        report = JargonReport(lix=lix(doc))
        label_tokens = self._heading_label_tokens(doc, heading_of)
        paragraph_spans = self._paragraph_references(doc)
        blocked = paragraph_spans + hits.get("whitelist", [])

        candidates: list[tuple[int, int, LexiconEntry]] = []
        for entry in self.entries:
            for a, b in hits.get(entry.key, ()):
                if any(a < y and x < b for x, y in blocked) or all(i in label_tokens for i in range(a, b)):
                    continue
                candidates.append((a, b, entry))
        lower_text = doc.text.lower()
        taken: list[tuple[int, int]] = []
        for a, b, entry in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):  # longest term wins
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            item = self._item(doc, a, b, entry.key, entry.category, entry.plain, entry.weight, hits)
            if entry.full and entry.full.lower() in lower_text:
                item = _explained(item)
            if entry.category == "impersonal_passive":
                report.passives.append(item)
            else:
                report.items.append(item)
        for a, b in paragraph_spans:
            key = " ".join(doc[a:b].text.split()).lower().rstrip(".")
            key = re.sub(r"^(jf\.|jfr\.|jvf\.|jævnfør|iht\.|i henhold til|i medfør af|efter|ifølge|if\.)\s+", "", key)
            report.items.append(self._item(doc, a, b, key, "paragraph_reference", self.paragraph_plain, 1.0, hits))
        for i, token in enumerate(doc):
            if i in label_tokens or not self.abbreviation_re.match(token.text):
                continue
            if token.text.upper() in self.abbreviation_ignore or any(x <= i < y for x, y in taken + blocked):
                continue
            if (i > 0 and doc[i - 1].text.endswith("[")) or (i + 1 < len(doc) and doc[i + 1].text.startswith("]")):
                continue  # an anonymisation tag
            if _mostly_capitals(token.sent):
                continue
            report.items.append(self._item(doc, i, i + 1, token.text.upper(), "abbreviation", self.abbreviation_plain, 1.0, hits))
        report.passives.extend(self._generic_passives(doc, [(p.start, p.end) for p in report.passives]))
        report.items.sort(key=lambda it: it.start)
        self._style(doc, report)
        return report

    def _item(self, doc: Doc, a: int, b: int, key: str, category: str, plain: str | None, weight: float, hits) -> JargonItem:
        start = doc[a].idx
        end = doc[b - 1].idx + len(doc[b - 1].text)
        return JargonItem(
            key=key, start=start, end=end, text=doc.text[start:end], category=category, plain=plain,
            weight=weight, explained=self._is_explained(doc, a, b, hits),
        )

    def _is_explained(self, doc: Doc, a: int, b: int, hits) -> bool:
        n = len(doc)
        # "BFU (børnefaglig undersøgelse)": a parenthesis with words follows
        j = b
        if j < n and doc[j].text == "(":
            words = []
            k = j + 1
            while k < n and doc[k].text != ")" and k - j < 30:
                if doc[k].is_alpha and not doc[k].is_upper:
                    words.append(doc[k])
                k += 1
            if len(words) >= 2:
                return True
        # "en fast kontaktperson (§ 52, stk. 3)": the term stands in brackets after plain words
        k = a - 1
        while k >= 0 and doc[k].text != "(" and doc[k].text != ")" and a - k < 12:
            k -= 1
        if k >= 0 and doc[k].text == "(" and all(doc[m].text != ")" for m in range(k + 1, a)):
            before = [t for t in doc[max(0, k - 6):k] if t.is_alpha]
            if len(before) >= 2:
                return True
        # "..., dvs. ...", "hvor vi ...", "(...)" right after; "det vi kalder ..." right before
        for x, _y in hits.get("explain_after", ()):
            gap = x - b
            if 0 <= gap <= 2 and all(doc[m].text in {",", "(", "–", "-", "—"} for m in range(b, x)):
                return True
        for _x, y in hits.get("explain_before", ()):
            if 0 <= a - y <= 2:
                return True
        return False

    def _paragraph_references(self, doc: Doc) -> list[tuple[int, int]]:
        out = []
        for m in self.paragraph_re.finditer(doc.text):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is not None and len(span):
                out.append((span.start, span.end))
        return out

    def _heading_label_tokens(self, doc: Doc, heading_of) -> set[int]:
        """Template field names ("Bevilling:") are labels, not prose: they never count."""
        out: set[int] = set()
        for sent in doc.sents:
            if heading_of(sent) is None:
                continue
            for i in range(sent.start, sent.end):
                out.add(i)
                if doc[i].text == ":":
                    break
        return out

    def _generic_passives(self, doc: Doc, known: list[tuple[int, int]]) -> list[JargonItem]:
        """Impersonal passives the lexicon does not list: "det/der (er|blev) <verb>-es/-et"."""
        out = []
        n = len(doc)
        for i, token in enumerate(doc):
            if token.lower_ not in self.impersonal_subjects:
                continue
            for j in range(i + 1, min(i + 5, n)):  # "der er d.d. foretaget": adverbs may sit between
                word = doc[j]
                if word.is_punct and word.text not in {"d.d."}:
                    break
                if not _is_passive_form(word):
                    continue
                start, end = token.idx, word.idx + len(word.text)
                if not any(a <= start < b or a < end <= b for a, b in known):
                    out.append(JargonItem(
                        key=f"passive:{word.lemma_}", start=start, end=end, text=doc.text[start:end],
                        category="impersonal_passive", plain=None, weight=0.0, explained=False,
                    ))
                break
        return out

    def _style(self, doc: Doc, report: JargonReport) -> None:
        passive_starts = sorted(p.start for p in report.passives)
        for sent in doc.sents:
            words = [t for t in sent if any(ch.isalpha() for ch in t.text)]
            if not words:
                continue
            report.sentences += 1
            report.words += len(words)
            nominal = sum(1 for t in words if self._is_nominalisation(t.lower_))
            report.nominalisations += nominal
            passives = sum(1 for p in passive_starts if sent.start_char <= p < sent.end_char)
            report.dense_sentences.append(DenseSentence(sent.start_char, sent.end_char, len(words), nominal, passives))

    def _is_nominalisation(self, lower: str) -> bool:
        if len(lower) < self.nominal_min_letters or not lower.isalpha():
            return False
        return lower.endswith(self.nominal_suffixes)


_AUXILIARY_LEMMAS = frozenset({"være", "have", "blive", "skulle", "kunne", "ville", "måtte"})


def _is_passive_form(token) -> bool:
    """`vurderes`, `foretaget`, `iværksat`: an inflected verb form (lemma ends in -e)."""
    lower, lemma = token.lower_, token.lemma_
    if lemma == lower or not lemma.endswith("e") or len(lower) < 5 or lemma in _AUXILIARY_LEMMAS:
        return False
    return lower.endswith("es") or lower.endswith("et") or (lower.endswith("t") and lemma.endswith("ætte"))


def _mostly_capitals(sent) -> bool:
    alpha = [t for t in sent if t.is_alpha]
    return bool(alpha) and sum(t.is_upper for t in alpha) * 2 >= len(alpha) and len(alpha) > 1


def _explained(item: JargonItem) -> JargonItem:
    return JargonItem(item.key, item.start, item.end, item.text, item.category, item.plain, item.weight, True)
