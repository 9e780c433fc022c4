"""Noisy copies of notes for robustness evaluation: typos, lower-casing, stripped headings, abbreviations.

Real archives are typed fast: letters swapped, dropped or doubled, a whole note in lower case,
template headings deleted, everyday abbreviations (*tlf.*, *kl.*, *ift.*). A model that only
works on clean text is not ready. `make_noisy` makes such a copy of a gold record and keeps its
labels, because none of these edits changes what a note says (GUIDELINES): a typo does not
remove an assessment, a stripped heading does not add a child conversation.

What the edits never touch, so that labels stay true:
- anonymisation tags (`[BARN]`, `[MOR]`), words with digits (dates, times), § references
  (*§ 52, stk. 3*) and all-capital abbreviations (*BFU*, *PPR*) — a typo never hides them;
- the jargon of GUIDELINES M3 in general: the abbreviation table only shortens everyday
  phrases (*telefon → tlf.*), never spells a term as *BFU* or *PPR*, so M3 does not move.
  Lower-casing a whole note does lower-case *BFU* to *bfu*, as fast typists do.

Evidence: spans are **remapped**, not re-searched. Every edit is recorded against the original
text, each quoted span is located in the original and carried through the edits to the same
stretch of the noisy text (with its typos). A span is **dropped** only when it cannot be located
in the original text, or when nothing readable is left of it (a stripped heading that was the
whole span). Labels are kept in both cases; the record says how many spans were dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Any

from annotations.schema import GoldRecord

# Everyday abbreviations in Danish case notes. None of them is authority jargon in the
# GUIDELINES sense (no internal abbreviations, no legalese).
ABBREVIATIONS: dict[str, str] = {
    "telefonisk": "tlf.",
    "telefonen": "tlf.",
    "telefon": "tlf.",
    "klokken": "kl.",
    "vedrørende": "vedr.",
    "angående": "ang.",
    "eventuelt": "evt.",
    "blandt andet": "bl.a.",
    "på grund af": "pga.",
    "i forhold til": "ift.",
    "med hensyn til": "mht.",
    "for eksempel": "fx",
    "og så videre": "osv.",
    "cirka": "ca.",
    "måneder": "mdr.",
    "sagsbehandler": "sagsbeh.",
    "familiebehandler": "fam.behandler",
    "uge": "uge",
}
ABBREVIATIONS = {k: v for k, v in ABBREVIATIONS.items() if k != v}

_ABBREV_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")\b", re.IGNORECASE)
_TAG_RE = re.compile(r"\[[^\[\]\n]{1,30}\]")
# Never edited: tags, § references, all-capital abbreviations (BFU, PPR) and anything with a digit.
_PROTECTED_RE = re.compile(
    r"\[[^\[\]\n]{1,30}\]"
    r"|§+\s*\d+\s*[a-z]?(?:,\s*stk\.\s*\d+)?(?:,\s*nr\.\s*\d+)?"
    r"|\b[A-ZÆØÅ]{2,}\b"
    r"|[^\s,;:()]*\d[^\s,;:()]*"
)
_WORD_RE = re.compile(r"[A-Za-zÆØÅæøåéü]{3,}")
# A template heading: a short capitalised phrase ending in a colon at the start of a line.
_HEADING_RE = re.compile(r"(?m)^[ \t]*[A-ZÆØÅ][A-Za-zÆØÅæøå' ]{1,40}?:[ \t]*(?=\S)")
_SENTENCE_START_RE = re.compile(r"(?:(?<=[.!?]\s)|(?<=\n)|^)([A-ZÆØÅ])(?=[a-zæøå])")


# --- primitives shared with the synthetic generator -------------------------------------------


def add_typo(text: str, rng: Any) -> str:
    """One keyboard slip in `text`: swap two neighbouring letters, drop one, or double one."""
    n = len(text)
    if n < 4:
        return text
    i = rng.randrange(n - 1)
    a, b = text[i], text[i + 1]
    if not (a.isalpha() and b.isalpha()):
        return text
    op = rng.random()
    if op < 0.4:
        return text[:i] + b + a + text[i + 2 :]
    if op < 0.7:
        return text[:i] + text[i + 1 :]
    return text[:i] + a + text[i:]


# A text can hold a phrase of ABBREVIATIONS only if it holds one of these (lower-cased): the
# phrases, less those that contain a shorter one ("telefonisk" holds "telefon").
_ABBREV_PROBES = tuple(key for key in ABBREVIATIONS if not any(other != key and other in key for other in ABBREVIATIONS))


def abbreviate(text: str, rng: Any, probability: float) -> str:
    """Shorten each everyday phrase of ABBREVIATIONS with `probability`, keeping a capital."""
    lowered = text.lower()
    for key in _ABBREV_PROBES:  # a cheap test first: most texts hold none of them
        if key in lowered:
            break
    else:
        return text

    def shorten(match: re.Match) -> str:
        if rng.random() >= probability:
            return match.group(0)
        short = ABBREVIATIONS[match.group(0).lower()]
        return short[0].upper() + short[1:] if match.group(0)[0].isupper() else short

    return _ABBREV_RE.sub(shorten, text)


def lower_keep_tags(text: str) -> str:
    """Lower-case a text but keep anonymisation tags such as `[BARN]` as they are."""
    parts: list[str] = []
    pos = 0
    for match in _TAG_RE.finditer(text):
        parts.append(_lower_same_length(text[pos : match.start()]))
        parts.append(match.group(0))
        pos = match.end()
    parts.append(_lower_same_length(text[pos:]))
    return "".join(parts)


def _lower_same_length(segment: str) -> str:
    lowered = segment.lower()
    if len(lowered) == len(segment):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in segment)


# --- noisy copies with evidence remapping ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoiseSettings:
    """How noisy a copy is. Rates are per word / per phrase / per note, as named."""

    typo_rate: float = 0.04  # per eligible word
    abbreviate_rate: float = 0.6  # per abbreviable phrase
    strip_headings: float = 0.5  # per note: drop all template headings
    lowercase_note: float = 0.15  # per note: the whole note in lower case (tags kept)
    lowercase_sentence: float = 0.2  # per sentence start, when the note is not lower-cased

    def __post_init__(self) -> None:
        for name in ("typo_rate", "abbreviate_rate", "strip_headings", "lowercase_note", "lowercase_sentence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"noise setting {name} must lie in [0, 1], got {value}")


@dataclass(slots=True)
class NoisyText:
    """A noisy text and the edits that made it, able to carry spans of the original across."""

    text: str
    edits: list[tuple[int, int, int, int]]  # (orig_start, orig_end, new_start, new_end), sorted
    counts: dict[str, int]

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        return self._map(start, is_end=False), self._map(end, is_end=True)

    def _map(self, pos: int, is_end: bool) -> int:
        # Edits never overlap, so only the last edit starting at or before `pos` matters.
        i = bisect.bisect_right(self.edits, (pos, float("inf"))) - 1
        if i < 0:
            return pos
        o_start, o_end, n_start, n_end = self.edits[i]
        if pos >= o_end:
            return n_end + (pos - o_end)
        if pos == o_start:
            return n_start
        # inside an edited stretch: a span's start snaps to its beginning, its end to its end
        return n_end if is_end else n_start


def noisy_text(text: str, rng: Any, settings: NoiseSettings = NoiseSettings()) -> NoisyText:
    """Apply the noise edits to `text`, recording where each edit came from."""
    protected = [(m.start(), m.end()) for m in _PROTECTED_RE.finditer(text)]
    edits: list[tuple[int, int, str]] = []
    counts = {"typos": 0, "abbreviations": 0, "headings": 0, "lowercase": 0}

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in protected) and not any(s < end and start < e for s, e, _ in edits)

    if rng.random() < settings.strip_headings:
        for m in _HEADING_RE.finditer(text):
            if free(m.start(), m.end()):
                edits.append((m.start(), m.end(), ""))
                counts["headings"] += 1
    for m in _ABBREV_RE.finditer(text):
        if rng.random() < settings.abbreviate_rate and free(m.start(), m.end()):
            short = ABBREVIATIONS[m.group(0).lower()]
            if m.group(0)[0].isupper():
                short = short[0].upper() + short[1:]
            edits.append((m.start(), m.end(), short))
            counts["abbreviations"] += 1
    for m in _WORD_RE.finditer(text):
        if rng.random() >= settings.typo_rate or not free(m.start(), m.end()):
            continue
        word = m.group(0)
        i = rng.randrange(len(word) - 1)
        op = rng.random()
        if op < 0.4 and word[i] != word[i + 1]:
            edits.append((m.start() + i, m.start() + i + 2, word[i + 1] + word[i]))
        elif op < 0.7:
            edits.append((m.start() + i, m.start() + i + 1, ""))
        else:
            edits.append((m.start() + i, m.start() + i + 1, word[i] * 2))
        counts["typos"] += 1

    edits.sort()
    pieces: list[str] = []
    mapped: list[tuple[int, int, int, int]] = []
    pos = 0
    new_len = 0
    for start, end, replacement in edits:
        pieces.append(text[pos:start])
        new_len += start - pos
        pieces.append(replacement)
        mapped.append((start, end, new_len, new_len + len(replacement)))
        new_len += len(replacement)
        pos = end
    pieces.append(text[pos:])
    out = "".join(pieces)

    # Lower-casing keeps every length, so it needs no entry in the edit map.
    if rng.random() < settings.lowercase_note:
        out = lower_keep_tags(out)
        counts["lowercase"] = 1
    elif settings.lowercase_sentence > 0:

        def lower_start(m: re.Match) -> str:
            if rng.random() < settings.lowercase_sentence:
                counts["lowercase"] += 1
                return m.group(1).lower()
            return m.group(1)

        out = _SENTENCE_START_RE.sub(lower_start, out)
    return NoisyText(out, mapped, counts)


def _remap_span(span: Any, original: str, noisy: NoisyText) -> Any | None:
    """Carry one evidence span (a quoted string or a {start, end, text} dict) into the noisy text."""
    if isinstance(span, str):
        quote, start = span, original.find(span) if span else -1
    elif isinstance(span, dict) and isinstance(span.get("text"), str):
        quote = span["text"]
        s, e = span.get("start"), span.get("end")
        if isinstance(s, int) and isinstance(e, int) and original[s:e] == quote:
            start = s
        else:
            start = original.find(quote) if quote else -1
    else:
        return None
    if start < 0:
        return None
    new_start, new_end = noisy.map_span(start, start + len(quote))
    piece = noisy.text[new_start:new_end]
    stripped = piece.strip()
    if not any(c.isalnum() for c in stripped):
        return None
    new_start += len(piece) - len(piece.lstrip())
    new_end = new_start + len(stripped)
    if isinstance(span, str):
        return stripped
    return {**span, "start": new_start, "end": new_end, "text": stripped}


def make_noisy(record_or_text: GoldRecord | dict | str, rng: Any, settings: NoiseSettings | None = None, **overrides: float) -> Any:
    """A noisy copy of a gold record (GoldRecord or its dict) or of a bare text.

    Labels are copied unchanged; evidence spans are remapped (see the module docstring). A
    record gets `extra["noise"]` with the edit counts and the number of dropped spans.
    """
    settings = settings or NoiseSettings()
    if overrides:
        settings = replace(settings, **overrides)
    if isinstance(record_or_text, str):
        return noisy_text(record_or_text, rng, settings).text
    if isinstance(record_or_text, dict):
        from annotations.schema import parse_gold_record

        return make_noisy(parse_gold_record(record_or_text), rng, settings).to_dict()
    if not isinstance(record_or_text, GoldRecord):
        raise TypeError(f"make_noisy takes a GoldRecord, a gold dict or a str, not {type(record_or_text).__name__}")

    record = record_or_text
    original = record.note.text
    noisy = noisy_text(original, rng, settings)
    evidence: dict[str, list] = {}
    dropped = 0
    for label, spans in record.evidence.items():
        kept = []
        for span in spans if isinstance(spans, list) else []:
            moved = _remap_span(span, original, noisy)
            if moved is None:
                dropped += 1
            else:
                kept.append(moved)
        if kept:
            evidence[label] = kept
    note = replace(record.note, text=noisy.text)
    extra = dict(record.extra)
    extra["noise"] = {**noisy.counts, "evidence_dropped": dropped}
    return GoldRecord(note=note, labels=dict(record.labels), evidence=evidence, annotator=record.annotator, extra=extra)
