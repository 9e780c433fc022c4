"""Phrase banks: readable YAML phrase lists compiled once into token tuples that render fast.

A phrase is Danish text with three kinds of markup:

    {name}        a value of the case or note (the child's tag, a date, the source) — never noised
    {@bank.name}  one phrase drawn at random from another bank (resolved at load time);
                  {@.name} is a *bound* bank that the note recipe chooses (e.g. the facts of the
                  current concern type)
    [[text]]      one unexplained item of authority jargon (GUIDELINES M3); counted and quoted as
                  evidence, never noised
    [[~text]]     a term of art explained where it is used; not counted

Why markup instead of a word list: the generator must *know* how many jargon items a note has to
label M3, and it must not learn that from the detectors' lexicon. Every jargon item is marked by
the person who wrote the phrase, and a test checks that no known jargon word is left unmarked.

A bank in YAML is either a list of phrases or a mapping of *registers* (plain, terse, narrative,
admin) to lists; a lookup in a register falls back to `plain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from annotations.noise import add_typo

BANK_DIR = Path(__file__).with_name("banks")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it: the same data, faster
REGISTERS: tuple[str, ...] = ("plain", "terse", "narrative", "admin")

# Token codes (a literal is a plain str).
SLOT, BANK, BOUND, JARGON, EXPLAINED = range(5)

_TOKEN_RE = re.compile(r"\[\[(~?)(.*?)\]\]|\{(@?\.?)([A-Za-zæøåÆØÅ_][\w.]*)\}")


class BankError(ValueError):
    """A phrase bank that cannot be compiled; the message names the file and the phrase."""


@dataclass(slots=True)
class RenderState:
    """Everything one note's rendering needs; reset per note.

    `typo_p` is the chance of one typo in a stretch of literal text longer than three characters
    (0 for clean text); `jargon` collects the unexplained jargon items rendered so far, in order.
    """

    values: dict[str, str]
    rng: Any
    register: str = "plain"
    bound: dict[str, Any] = field(default_factory=dict)
    jargon: list[str] = field(default_factory=list)
    typo_p: float = 0.0


class Phrase:
    """A compiled phrase: its tokens, and a `str.format` template when it holds only text and slots.

    The template is the fast path (C-level `format_map`) for clean notes; noisy notes and phrases
    that draw from other banks or carry jargon take the token path.
    """

    __slots__ = ("tokens", "fmt")

    def __init__(self, tokens: tuple):
        self.tokens = tokens
        simple = all(t.__class__ is str or t[0] == SLOT for t in tokens)
        self.fmt = "".join(t if t.__class__ is str else "{" + t[1] + "}" for t in tokens) if simple else None


class Bank:
    """A named list of compiled phrases, split by register.

    `by_register` has an entry for every register: a register the bank was not written in falls
    back to `plain` (or to whatever the bank has) once, at load time, so lookups are one dict index.
    """

    __slots__ = ("name", "by_register")

    def __init__(self, name: str, by_register: dict[str, tuple[Phrase, ...]]):
        self.name = name
        self.by_register = _complete(by_register)

    def phrases(self, register: str) -> tuple[Phrase, ...]:
        return self.by_register[register]

    def all_phrases(self) -> Iterator[Phrase]:
        seen: set[int] = set()
        for phrases in self.by_register.values():
            for phrase in phrases:
                if id(phrase) not in seen:
                    seen.add(id(phrase))
                    yield phrase


def _complete(by_register: dict[str, tuple]) -> dict[str, tuple]:
    if not by_register:
        return {}
    fallback = by_register.get("plain") or next(iter(by_register.values()))
    return {reg: by_register.get(reg) or fallback for reg in REGISTERS}


def render(phrase: Phrase, st: RenderState) -> str:
    """Render one compiled phrase; literals may get a typo (`st.typo_p`), values and jargon never do.

    The random draws are, in token order: a typo chance per literal longer than three characters
    (noisy notes only) and its `add_typo` draws, and one draw per bank reference.
    """
    typo_p = st.typo_p
    if not typo_p:
        fmt = phrase.fmt
        if fmt is not None:
            return fmt.format_map(st.values)
    out: list[str] = []
    append = out.append
    rng = st.rng
    values = st.values
    for tok in phrase.tokens:
        if tok.__class__ is str:
            if typo_p and len(tok) > 3 and rng.random() < typo_p:
                tok = add_typo(tok, rng)
            append(tok)
            continue
        code, arg = tok
        if code == SLOT:
            append(values[arg])
        elif code == BANK or code == BOUND:
            options = (arg if code == BANK else st.bound[arg]).by_register[st.register]
            chosen = options[int(rng.random() * len(options))]
            if typo_p or chosen.fmt is None:
                append(render(chosen, st))
            else:
                append(chosen.fmt.format_map(values))  # render()'s fast path, without the call
        elif code == JARGON:
            st.typo_p = 0.0
            text = render(arg, st)
            st.typo_p = typo_p
            st.jargon.append(text)
            append(text)
        else:  # EXPLAINED
            append(render(arg, st))
    return "".join(out)


def pick(bank: Bank, st: RenderState) -> str:
    """Render one phrase drawn from `bank` in the state's register."""
    options = bank.by_register[st.register]
    return render(options[int(st.rng.random() * len(options))], st)


def _parse(text: str, where: str) -> list:
    """Split a phrase into literal strings and (code, name-or-subphrase) tokens (unlinked)."""
    tokens: list = []
    pos = 0
    for match in _TOKEN_RE.finditer(text):
        if match.start() > pos:
            tokens.append(text[pos : match.start()])
        if match.group(2) is not None:
            inner = _parse(match.group(2), where)
            if any(isinstance(t, tuple) and t[0] in (JARGON, EXPLAINED) for t in inner):
                raise BankError(f"{where}: jargon markup cannot nest")
            tokens.append((EXPLAINED if match.group(1) else JARGON, inner))
        else:
            prefix, name = match.group(3), match.group(4)
            if prefix == "":
                tokens.append((SLOT, name))
            elif prefix == "@.":
                tokens.append((BOUND, name))
            elif prefix == "@":
                tokens.append((BANK, name))
            else:
                raise BankError(f"{where}: bad reference {match.group(0)!r}")
        pos = match.end()
    if pos < len(text):
        tokens.append(text[pos:])
    if any(isinstance(t, str) and ("{" in t or "}" in t or "[[" in t or "]]" in t) for t in tokens):
        raise BankError(f"{where}: unbalanced markup in {text!r}")
    return tokens


class BankSet:
    """All banks of a directory, compiled and linked; looked up by dotted name."""

    def __init__(self, banks: dict[str, Bank], sources: dict[str, list[tuple[str, str]]]):
        self.banks = banks
        self.sources = sources  # bank name -> [(register, raw phrase)] for tests and linting
        self._texts: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, name: str) -> Bank:
        try:
            return self.banks[name]
        except KeyError:
            raise BankError(f"no phrase bank named {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.banks

    def names(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self.banks if n.startswith(prefix))

    def texts(self, name: str) -> tuple[str, ...]:
        """The phrases of a bank exactly as written (for plain word lists such as names)."""
        found = self._texts.get(name)
        if found is None:
            if name not in self.sources:
                raise BankError(f"no phrase bank named {name!r}")
            found = self._texts[name] = tuple(phrase for _, phrase in self.sources[name])
        return found

    def raw_phrases(self) -> Iterator[tuple[str, str, str]]:
        """(bank name, register, phrase as written) for every phrase: for linting tests."""
        for name, items in self.sources.items():
            for register, phrase in items:
                yield name, register, phrase


def _collect(node: Any, name: str, where: str, out: dict[str, dict[str, list[str]]]) -> None:
    """Walk a YAML tree; a list is a bank; a mapping whose keys are all registers is one bank."""
    if isinstance(node, list):
        out.setdefault(name, {})["plain"] = _strings(node, name, where)
    elif isinstance(node, dict):
        if node and all(k in REGISTERS for k in node):
            for register, items in node.items():
                if not isinstance(items, list):
                    raise BankError(f"{where}: {name}.{register} must be a list of phrases")
                out.setdefault(name, {})[register] = _strings(items, f"{name}.{register}", where)
        else:
            for key, child in node.items():
                _collect(child, f"{name}.{key}" if name else str(key), where, out)
    else:
        raise BankError(f"{where}: {name} must be a list or a mapping, got {type(node).__name__}")


def _strings(items: list, name: str, where: str) -> list[str]:
    if not items:
        raise BankError(f"{where}: bank {name} is empty")
    bad = [i for i, item in enumerate(items) if not isinstance(item, str) or not item.strip()]
    if bad:
        raise BankError(f"{where}: bank {name} item {bad[0]} is not a non-empty string")
    return list(items)


def load_banks(directory: str | Path = BANK_DIR, known_slots: set[str] | None = None, known_bound: set[str] | None = None) -> BankSet:
    """Read every *.yaml in `directory` (file stem = top-level name) and compile and link it.

    `known_slots` / `known_bound`, when given, are the only `{name}` / `{@.name}` references a
    phrase may use, so a misspelt slot fails at load time with the bank's name.
    """
    directory = Path(directory)
    raw: dict[str, dict[str, list[str]]] = {}
    for path in sorted(directory.glob("*.yaml")):
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_YAML_LOADER)
        _collect(data, path.stem, path.name, raw)

    parsed: dict[str, dict[str, list[list]]] = {}
    for name, by_register in raw.items():
        parsed[name] = {reg: [_parse(p, f"bank {name}") for p in phrases] for reg, phrases in by_register.items()}

    banks = {name: Bank(name, {}) for name in parsed}

    def link(tokens: list, where: str) -> Phrase:
        return Phrase(link_tokens(tokens, where))

    def link_tokens(tokens: list, where: str) -> tuple:
        linked: list = []
        for tok in tokens:
            if isinstance(tok, str):
                linked.append(tok)
                continue
            code, arg = tok
            if code == BANK:
                if arg not in banks:
                    raise BankError(f"{where}: unknown bank {{@{arg}}}")
                linked.append((BANK, banks[arg]))
            elif code in (JARGON, EXPLAINED):
                linked.append((code, link(arg, where)))
            elif code == SLOT:
                if known_slots is not None and arg not in known_slots:
                    raise BankError(f"{where}: unknown slot {{{arg}}}")
                linked.append(tok)
            else:
                if known_bound is not None and arg not in known_bound:
                    raise BankError(f"{where}: unknown bound bank {{@.{arg}}}")
                linked.append(tok)
        return tuple(linked)

    for name, by_register in parsed.items():
        banks[name].by_register = _complete(
            {reg: tuple(link(tokens, f"bank {name}.{reg}") for tokens in phrases) for reg, phrases in by_register.items()}
        )
    sources = {name: [(reg, p) for reg, phrases in regs.items() for p in phrases] for name, regs in raw.items()}
    return BankSet(banks, sources)
