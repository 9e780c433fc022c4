"""Sentence roles: what each sentence of a note does, with a score and the words that show it.

Every marker is a few lines of logic over these roles (pipeline/markers.py), so the roles are
the evidence a reviewer sees. Roles (GUIDELINES.md):

    CONCERN          worrying information about the child, with its concern type
    WORRY            worry voiced about the child without saying what ("Bekymring vedr. ...")
    NEGATED          a concern/handling/contact/step the sentence denies ("ingen tegn på vold")
    HYPOTHETICAL     ... only supposes, asks about or plans ("hvis der skulle opstå")
    HISTORY          ... states as known history ("mor havde tidligere et misbrug")
    HANDLING         the worry treated as a notification (underretning, akutvurdering, politi)
    ASSESSMENT       the caseworker's own stance;  REASON: a basis tied to it
    PLACEHOLDER      an empty assessment section, or the case parked without a stance
    CHILD_CONTACT    a conversation or direct contact with the child, or a reference to one
    OMISSION_REASON  why the child was not heard
    STEP             a decision, measure change, BFU conclusion, follow-up, handleplan
    ADMIN            logistics only;  INFO: information bearing on the child's situation

CONCERN, HANDLING, CHILD_CONTACT and STEP are *active* roles: the rule tagger has already taken
away what a scope cue neutralised and recorded the scope role instead. A learned tagger that
replaces `RuleRoleTagger` must keep that meaning.

The rule tagger reads its patterns from `pipeline/resources/roles/*.yaml` (the pattern
language is in pipeline/role_patterns.py), compiles them once, and tags whole docs.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import yaml
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

from pipeline.child_names import child_name_tokens
from pipeline.role_patterns import HitMap, Pattern, PatternCompiler, PatternError, PatternMatch, TokenTable
from pipeline.schema import CONCERN_TYPES
from pipeline.text import heading_opening

CONCERN = "CONCERN"
WORRY = "WORRY"
NEGATED = "NEGATED"
HYPOTHETICAL = "HYPOTHETICAL"
HISTORY = "HISTORY"
HANDLING = "HANDLING"
ASSESSMENT = "ASSESSMENT"
REASON = "REASON"
PLACEHOLDER = "PLACEHOLDER"
CHILD_CONTACT = "CHILD_CONTACT"
OMISSION_REASON = "OMISSION_REASON"
STEP = "STEP"
ADMIN = "ADMIN"
INFO = "INFO"

ROLES: tuple[str, ...] = (
    CONCERN, WORRY, NEGATED, HYPOTHETICAL, HISTORY, HANDLING, ASSESSMENT, REASON, PLACEHOLDER,
    CHILD_CONTACT, OMISSION_REASON, STEP, ADMIN, INFO,
)
SCOPE_ROLES: tuple[str, ...] = (NEGATED, HYPOTHETICAL, HISTORY)

RESOURCES_DIR = Path(__file__).resolve().parent / "resources" / "roles"
CHILD_LIST, PARENT_LIST = "child", "parent"  # the word lists (lists.yaml) that name the people
PLACEHOLDER_SECTION_RULE = "placeholder.assessment_section"  # the rule id of an empty assessment section
YEAR_RE = re.compile(r"(?<![\d/.-])(?:19[5-9]\d|20\d\d)(?![\d/-])")


class RoleHit(NamedTuple):
    """One role on one sentence: how sure (0..1), the words that show it, and for CONCERN its type.

    `start`/`end` are character offsets of the matched words in the note; `rule` names the
    pattern (text-free, for error analysis). Immutable; a named tuple because a note makes
    dozens of them and a frozen dataclass costs about three times as much to build.
    """

    score: float
    matched: tuple[str, ...]
    concern_type: str | None = None
    rule: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(slots=True)
class SentenceRoles:
    """The roles of one sentence. `start`/`end` are character offsets into the note's text.

    `roles[CONCERN]` is the strongest active concern; `concerns` holds one hit per concern type.
    """

    index: int
    start: int
    end: int
    heading: str | None = None
    section: str | None = None
    roles: dict[str, RoleHit] = field(default_factory=dict)
    concerns: tuple[RoleHit, ...] = ()

    def has(self, role: str, min_score: float = 0.0) -> bool:
        hit = self.roles.get(role)
        return hit is not None and hit.score >= min_score

    def score(self, role: str) -> float:
        hit = self.roles.get(role)
        return hit.score if hit is not None else 0.0

    def text(self, note_text: str) -> str:
        return note_text[self.start:self.end].strip()


class RoleTagger(Protocol):
    """Anything that gives each sentence of a doc its roles (rules today, a classifier later)."""

    def tag(self, doc: Doc, note_year: int | None = None, hits: Any = None, text: str | None = None,
            note_date: date | None = None) -> list[SentenceRoles]:
        ...


# --- loading the rules --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleRule:
    id: str
    role: str
    score: float
    patterns: tuple[Pattern, ...]
    concern_type: str | None = None
    owner: dict[str, str] | None = None  # person kind ("parent"/"child"/"default") -> concern type or "none"
    unless: tuple[Pattern, ...] = ()
    requires: tuple[Pattern, ...] = ()
    scopes: frozenset[str] | None = None  # scope kinds that may take this rule's matches; None = all that apply to its role


@dataclass(frozen=True, slots=True)
class Cue:
    pattern: Pattern
    window: int


@dataclass(slots=True)
class ScopeRule:
    kind: str
    role: str
    applies_to: frozenset[str]
    forward: list[Cue] = field(default_factory=list)
    backward: list[Cue] = field(default_factory=list)
    both: list[Cue] = field(default_factory=list)
    sentence: list[Pattern] = field(default_factory=list)
    pseudo: list[Pattern] = field(default_factory=list)
    breakers: list[Pattern] = field(default_factory=list)
    years_before_note: bool = False
    headings: frozenset[str] = frozenset()
    terminators: frozenset[str] | None = None
    backward_terminators: frozenset[str] | None = None
    comma_ends_clause: bool = True


@dataclass(slots=True)
class RoleResources:
    """Everything the rule tagger reads from the resource directory, compiled."""

    compiler: PatternCompiler
    rules: list[RoleRule]
    scopes: list[ScopeRule]
    terminators: frozenset[str]
    comma_continues_before: frozenset[str]
    backward_terminators: frozenset[str]
    assessment_headings: frozenset[str]
    section_score: float
    reason_headings: frozenset[str]
    reason_section_score: float
    placeholders: frozenset[str]
    placeholder_prefixes: tuple[str, ...] = ()
    placeholder_prefix_max_words: int = 0
    empty_field_roles: frozenset[str] = frozenset()
    empty_field_answers: frozenset[str] = frozenset()
    dated_plan_roles: frozenset[str] = frozenset()


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_YAML_LOADER) or {}
    if not isinstance(data, dict):
        raise PatternError(f"{path.name}: expected a mapping at the top")
    return data


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load_role_resources(directory: str | Path = RESOURCES_DIR, nlp: Language | None = None, compiler: PatternCompiler | None = None) -> RoleResources:
    """Read every role file in `directory` and compile it for `nlp` (default: the shared pipeline).

    Given a `compiler`, the rules are added to it and the caller compiles it (so that roles and
    the jargon lexicon share one pass of the phrase matchers over each doc).
    """
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PatternError(f"no role resources (*.yaml) in {directory}")
    documents = {path.name: _read_yaml(path) for path in files}
    own_compiler = compiler is None
    compiler = compiler or PatternCompiler()
    for name, data in documents.items():  # all word lists first: patterns may use any of them
        for list_name, spec in (data.get("lists") or {}).items():
            if isinstance(spec, dict):
                compiler.add_list(list_name, _as_list(spec.get("words")), _as_list(spec.get("exclude")))
            else:
                compiler.add_list(list_name, _as_list(spec))

    rules: list[RoleRule] = []
    scopes: list[ScopeRule] = []
    scope_file: dict[str, Any] = {}
    assessment: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for name, data in documents.items():
        if "empty_field_answers" in data:
            fields = data
        if "scopes" in data:
            scope_file = data
            scopes.extend(_scope_rule(spec, compiler, name) for spec in data["scopes"])
        if "assessment_headings" in data:
            assessment = data
        if "patterns" in data:
            if "role" not in data:
                raise PatternError(f"{name}: a file with patterns must name its `role`")
            rules.extend(_role_rule(spec, data, compiler, name) for spec in data["patterns"])

    clause = scope_file.get("clause") or {}
    if own_compiler:
        from pipeline.text import get_nlp  # the shared pipeline; imported late to keep this module light

        compiler.compile(nlp or get_nlp())
    return RoleResources(
        compiler=compiler,
        rules=rules,
        scopes=scopes,
        terminators=frozenset(_as_list(clause.get("terminators"))),
        comma_continues_before=frozenset(_as_list(clause.get("comma_continues_before"))),
        backward_terminators=frozenset(_as_list(clause.get("backward_terminators"))),
        assessment_headings=frozenset(h.lower() for h in _as_list(assessment.get("assessment_headings"))),
        section_score=float(assessment.get("section_score", 0.8)),
        reason_headings=frozenset(h.lower() for h in _as_list(assessment.get("reason_headings"))),
        reason_section_score=float(assessment.get("reason_section_score", 0.75)),
        placeholders=frozenset(_normalise_placeholder(p) for p in _as_list(assessment.get("placeholders"))),
        placeholder_prefixes=tuple(_normalise_placeholder(p) for p in _as_list(assessment.get("placeholder_prefixes"))),
        placeholder_prefix_max_words=int(assessment.get("placeholder_prefix_max_words", 0)),
        empty_field_roles=frozenset(_as_list(fields.get("empty_field_roles"))),
        empty_field_answers=frozenset(_normalise_placeholder(p) for p in _as_list(fields.get("empty_field_answers")))
        | frozenset(_normalise_placeholder(p) for p in _as_list(assessment.get("placeholders"))),
        dated_plan_roles=frozenset(_as_list(fields.get("dated_plan_roles"))),
    )


def _role_rule(spec: dict[str, Any], data: dict[str, Any], compiler: PatternCompiler, filename: str) -> RoleRule:
    rule_id = spec.get("id")
    if not rule_id:
        raise PatternError(f"{filename}: a pattern lacks an `id`")
    role = spec.get("role", data["role"])
    if role not in ROLES:
        raise PatternError(f"{filename}: pattern '{rule_id}' has unknown role '{role}'")
    concern_type = spec.get("type")
    if role == CONCERN and concern_type not in CONCERN_TYPES:
        raise PatternError(f"{filename}: concern pattern '{rule_id}' needs a `type` from {list(CONCERN_TYPES)}")
    owner = spec.get("owner")
    if owner is not None:
        bad = [v for v in owner.values() if v != "none" and v not in CONCERN_TYPES]
        if bad or not set(owner) <= {"parent", "child", "default"}:
            raise PatternError(f"{filename}: pattern '{rule_id}' has a bad `owner` {owner}")
    sources = _as_list(spec.get("match"))
    if not sources:
        raise PatternError(f"{filename}: pattern '{rule_id}' has no `match`")

    def compiled(kind: str, items: list[str]) -> tuple[Pattern, ...]:
        return tuple(compiler.add_pattern(f"{rule_id}:{kind}{i}", src) for i, src in enumerate(items))

    return RoleRule(
        id=rule_id,
        role=role,
        score=float(spec.get("score", data.get("default_score", 0.8))),
        patterns=compiled("m", sources),
        concern_type=concern_type,
        owner=dict(owner) if owner else None,
        unless=compiled("u", _as_list(spec.get("unless"))),
        requires=compiled("r", _as_list(spec.get("requires"))),
        scopes=frozenset(_as_list(spec["scopes"])) if "scopes" in spec else None,
    )


def _scope_rule(spec: dict[str, Any], compiler: PatternCompiler, filename: str) -> ScopeRule:
    kind = spec.get("kind")
    role = spec.get("role")
    if role not in SCOPE_ROLES:
        raise PatternError(f"{filename}: scope '{kind}' must have a role among {SCOPE_ROLES}")

    def cues(direction: str) -> list[Cue]:
        block = spec.get(direction) or {}
        default_window = int(block.get("window", 6))
        out = []
        for i, item in enumerate(_as_list(block.get("cues"))):
            source, window = (item["cue"], int(item.get("window", default_window))) if isinstance(item, dict) else (item, default_window)
            out.append(Cue(compiler.add_pattern(f"scope.{kind}.{direction}{i}", source), window))
        return out

    def patterns(key: str) -> list[Pattern]:
        return [compiler.add_pattern(f"scope.{kind}.{key}{i}", src) for i, src in enumerate(_as_list(spec.get(key)))]

    def optional_set(key: str) -> frozenset[str] | None:
        return frozenset(_as_list(spec[key])) if key in spec else None

    return ScopeRule(
        kind=kind,
        role=role,
        applies_to=frozenset(_as_list(spec.get("applies_to"))),
        forward=cues("forward"),
        backward=cues("backward"),
        both=cues("both"),
        sentence=patterns("sentence"),
        pseudo=patterns("pseudo"),
        breakers=patterns("breakers"),
        years_before_note=bool(spec.get("years_before_note", False)),
        headings=frozenset(h.lower() for h in _as_list(spec.get("headings"))),
        terminators=optional_set("terminators"),
        backward_terminators=optional_set("backward_terminators"),
        comma_ends_clause=bool(spec.get("comma_ends_clause", True)),
    )


def _normalise_placeholder(text: str) -> str:
    return " ".join(str(text).lower().split()).rstrip(".!:;, ").strip()


# --- tagging ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Sentence:
    index: int
    start: int  # token
    end: int
    start_char: int
    end_char: int
    heading: str | None
    heading_end: int  # token index after the heading's colon (== start when no heading)
    section: str | None
    section_empty: bool  # the sentence's template section holds only a placeholder


@dataclass(slots=True)
class _Found:
    rule: RoleRule
    match: PatternMatch
    concern_type: str | None


class RuleRoleTagger:
    """The rule implementation of `RoleTagger`: compiled patterns + scope rules."""

    def __init__(self, resources: RoleResources):
        self.resources = resources
        self._applies: dict[str, list[ScopeRule]] = {}
        for scope in resources.scopes:
            for role in scope.applies_to:
                self._applies.setdefault(role, []).append(scope)
        # rule -> the scopes that may take its matches, in file order (by id: a rule holds dicts)
        self._rule_scopes: dict[int, list[ScopeRule]] = {
            id(rule): self._scopes_for(rule) for rule in resources.rules
        }
        self._longest_placeholder = max((len(p) for p in resources.placeholders), default=0)
        parent_list = resources.compiler.lists.get(PARENT_LIST)
        self._parent_words = frozenset(
            p.lstrip("=").lower() for p in (parent_list.phrases if parent_list else ()) if " " not in p and "*" not in p
        )
        # anchor atom -> [(order, rule, pattern)]; `order` is the pattern's place in the rule
        # files, so that matches are weighed in file order whatever order a set of atoms has
        self._rule_patterns_by_atom: dict[str, list[tuple[int, RoleRule, Pattern]]] = {}
        order = 0
        for rule in resources.rules:
            for pattern in rule.patterns:
                self._rule_patterns_by_atom.setdefault(resources.compiler.anchor(pattern), []).append((order, rule, pattern))
                order += 1
        # per scope: first atom -> [(order, slot, pattern, window)]; slots 0-2 cues, 3 sentence, 4 breakers, 5 pseudo
        self._scope_patterns_by_atom: dict[str, dict[str, list[tuple[int, int, Pattern, int]]]] = {}
        for scope in resources.scopes:
            table: dict[str, list[tuple[int, int, Pattern, int]]] = {}
            entries = [(0, c.pattern, c.window) for c in scope.forward] + [(1, c.pattern, c.window) for c in scope.backward]
            entries += [(2, c.pattern, c.window) for c in scope.both] + [(3, p, 0) for p in scope.sentence]
            entries += [(4, p, 0) for p in scope.breakers] + [(5, p, 0) for p in scope.pseudo]
            for order, (slot, pattern, window) in enumerate(entries):
                table.setdefault(resources.compiler.anchor(pattern), []).append((order, slot, pattern, window))
            self._scope_patterns_by_atom[scope.kind] = table
        self._rule_anchors = frozenset(self._rule_patterns_by_atom)
        self._scope_anchors = {kind: frozenset(table) for kind, table in self._scope_patterns_by_atom.items()}

    @classmethod
    def from_resources(cls, directory: str | Path = RESOURCES_DIR, nlp: Language | None = None) -> "RuleRoleTagger":
        return cls(load_role_resources(directory, nlp))

    # -- the public call --

    def tag(self, doc: Doc, note_year: int | None = None, hits: Any = None, text: str | None = None,
            note_date: date | None = None) -> list[SentenceRoles]:
        """Roles per sentence. `note_date` (or just `note_year`) dates history ("i 2019") and
        plans ("børnesamtale 3/4" after the note is planned, before it a reference); `hits` may
        come from a compiler shared with the jargon reader (RulesModel), else they are found
        here; `text` is the note's text (== doc.text, which spaCy re-joins on every access)."""
        if note_date is not None:
            note_year = note_date.year
        res = self.resources
        compiler = res.compiler
        if hits is None:
            hits = compiler.find_hits(doc)
        if text is None:
            text = doc.text
        table = hits.table if isinstance(hits, HitMap) else TokenTable(doc)
        self._add_child_names(doc, hits, table)
        bounds = table.sentence_bounds  # the sentences' (start, end)
        sent_of: list[int] = []  # token -> sentence index
        for index, (a, b) in enumerate(bounds):
            sent_of += [index] * (b - a)
        sentences = self._sentences(doc, text, table, sent_of)

        found: list[list[_Found]] = [[] for _ in sentences]
        seen: set[tuple[str, int, int]] = set()
        by_atom = self._rule_patterns_by_atom
        keys = hits.keys()
        tried = [entry for atom in self._rule_anchors & keys for entry in by_atom[atom]]  # only patterns whose rarest word occurs
        tried.sort()  # in file order (the orders are unique): the first rule wins a tie between equal scores
        for _order, rule, pattern in tried:
            if pattern.later_atoms and not pattern.later_atoms <= keys:
                continue  # a word the pattern needs is not in the note
            for sent_idx, match in compiler.match_doc(pattern, hits, doc, sent_of, bounds):
                key = (rule.id, match.start, match.end)
                if key in seen:
                    continue
                seen.add(key)
                sent = sentences[sent_idx]
                if sent.section_empty and match.end <= sent.heading_end:
                    continue  # a heading's own words ("Børnesamtale:") with nothing filled in
                if not self._conditions_hold(rule, hits, doc, sent):
                    continue
                concern_type = rule.concern_type
                if rule.owner:
                    concern_type = self._owner_type(rule.owner, hits, match, sent)
                    if concern_type is None:
                        continue
                found[sent_idx].append(_Found(rule, match, concern_type))

        cues = _DocCues(self, doc, text, hits, sentences, sent_of, bounds, note_year)
        cues.note_date = note_date
        cues.table = table
        return [self._sentence_roles(doc, sent, found[sent.index], cues) for sent in sentences]

    def _add_child_names(self, doc: Doc, hits, table: TokenTable) -> None:
        """Names this note marks as the child's read as @child (pipeline/child_names.py)."""
        if CHILD_LIST not in self.resources.compiler.lists:
            return
        found = child_name_tokens(doc, self._parent_words, orths=table.orths, lowers=table.lowers, lemmas=table.lemmas)
        if found:
            spans = set(hits.get(CHILD_LIST, ()))
            spans.update((i, i + 1) for i in found)
            hits[CHILD_LIST] = sorted(spans)

    # -- sentences and sections --

    def _sentences(self, doc: Doc, text: str, table: TokenTable, sent_of: list[int]) -> list[_Sentence]:
        """The doc's sentences with their template heading and section.

        Built from the SENT_START array (doc.sents walks every token in Python). A section is
        empty when its whole content, heading excluded, is a placeholder ("Vurdering: -").
        """
        bounds = table.sentence_bounds
        out: list[_Sentence] = []
        headings = doc._.headings
        starts, ends = table.starts, table.ends
        if not headings:
            for i, (a, b) in enumerate(bounds):
                out.append(_Sentence(i, a, b, starts[a], ends[b - 1], None, a, None, False))
            return out

        longest = self._longest_placeholder
        heading_of_sentence: list[str | None] = []
        heading_ends: list[int] = []
        positions = [at for at, _heading in headings]
        holding = {sent_of[at] for at in positions if at < len(sent_of)}  # sentences with a heading inside

        def is_space(j: int) -> bool:
            return text[starts[j]:ends[j]].isspace()

        for i, (a, b) in enumerate(bounds):
            heading = heading_opening(headings, a, b, is_space, positions) if i in holding else None
            heading_of_sentence.append(heading)
            end = a
            if heading is not None:
                orths = table.orths
                for j in range(a, b):
                    if orths[j] == COLON_ID:
                        end = j + 1
                        break
            heading_ends.append(end)
        empty_section: dict[int, bool] = {}
        owner: int | None = None
        owners: list[int | None] = []
        for i, (a, b) in enumerate(bounds):
            if heading_of_sentence[i] is not None:
                owner = i
            owners.append(owner)
        for i, heading in enumerate(heading_of_sentence):
            if heading is None:
                continue
            last = i
            while last + 1 < len(bounds) and owners[last + 1] == i:
                last += 1
            start_char = table.starts[heading_ends[i]] if heading_ends[i] < len(doc) else len(text)
            end_char = table.ends[bounds[last][1] - 1]
            content = text[start_char:end_char] if end_char > start_char else ""
            empty_section[i] = self._is_placeholder(content, longest)
        for i, (a, b) in enumerate(bounds):
            o = owners[i]
            if o is None:
                out.append(_Sentence(i, a, b, starts[a], ends[b - 1], heading_of_sentence[i], heading_ends[i], None, False))
            else:
                out.append(_Sentence(i, a, b, starts[a], ends[b - 1], heading_of_sentence[i], heading_ends[i],
                                     heading_of_sentence[o], empty_section.get(o, False)))
        return out

    def _is_placeholder(self, content: str, longest: int) -> bool:
        """"-", "se ovenfor", or a short line that only parks the case ("afventer politiet")."""
        res = self.resources
        normal = _normalise_placeholder(content)
        if len(content) <= longest + 8 and normal in res.placeholders:
            return True
        return len(normal.split()) <= res.placeholder_prefix_max_words and normal.startswith(res.placeholder_prefixes) if res.placeholder_prefixes else False

    def _conditions_hold(self, rule: RoleRule, hits, doc: Doc, sent: _Sentence) -> bool:
        compiler = self.resources.compiler
        for pattern in rule.unless:
            if compiler.match(pattern, hits, doc, sent.start, sent.end):
                return False
        for pattern in rule.requires:
            if compiler.match(pattern, hits, doc, sent.start, sent.end):
                return True
        return not rule.requires

    def _owner_type(self, owner: dict[str, str], hits, match: PatternMatch, sent: _Sentence) -> str | None:
        """Whose is it? The nearest person named before the words in the sentence decides. A
        pronoun stands for the person named before it ("Laura fortæller, at hun har drukket");
        with no one named, the rule's default applies."""
        mentions: list[tuple[int, str]] = []
        for kind in ("child", "parent", "pronoun"):
            for a, b in hits.get(kind, ()):
                if a >= match.start:
                    break
                if sent.start <= a and b <= match.start:
                    mentions.append((b, kind))
        best_kind = "default"
        for _end, kind in sorted(mentions, reverse=True):
            if kind != "pronoun":
                best_kind = kind
                break
        concern_type = owner.get(best_kind, owner.get("default", "none"))
        return None if concern_type == "none" else concern_type

    # -- one sentence --

    def _sentence_roles(self, doc: Doc, sent: _Sentence, found: list[_Found], cues: "_DocCues") -> SentenceRoles:
        res = self.resources
        section = sent.section
        if not found and section not in res.assessment_headings:  # most sentences: nothing to weigh
            return SentenceRoles(index=sent.index, start=sent.start_char, end=sent.end_char, heading=sent.heading, section=section)
        roles: dict[str, RoleHit] = {}
        concerns: dict[str, RoleHit] = {}

        def keep(role: str, hit: RoleHit, table: dict[str, RoleHit] = roles, key: str | None = None) -> None:
            """The best score wins; the matched words of every hit are kept for the reviewer."""
            key = key or role
            old = table.get(key)
            if old is None:
                table[key] = hit
                return
            best, other = (hit, old) if hit.score > old.score else (old, hit)
            words = best.matched + tuple(w for w in other.matched if w not in best.matched)
            table[key] = RoleHit(
                best.score, words, best.concern_type, best.rule,
                _min_none(best.start, other.start), _max_none(best.end, other.end),
            )

        starts, ends, text = cues.table.starts, cues.table.ends, cues.text
        for item in found:
            rule, match = item.rule, item.match
            start, end = starts[match.start], ends[match.end - 1]
            words = tuple([text[starts[a]:ends[b - 1]] for a, b in match.spans])  # as written
            scoped = self._scope_of(doc, sent, rule, match, cues)
            if scoped is not None:
                scope, cue_words = scoped
                keep(scope.role, RoleHit(rule.score, cue_words + words, item.concern_type, f"{scope.kind}:{rule.id}", start, end))
                continue
            hit = RoleHit(rule.score, words, item.concern_type, rule.id, start, end)
            if rule.role == CONCERN:
                keep(CONCERN, hit, concerns, item.concern_type)
            keep(rule.role, hit)

        if section in res.assessment_headings:
            if sent.section_empty:
                if sent.heading is not None:
                    keep(PLACEHOLDER, RoleHit(0.9, (cues.text[sent.start_char:sent.end_char].strip(),), None, PLACEHOLDER_SECTION_RULE,
                                              sent.start_char, sent.end_char))
            elif sent.end > sent.heading_end and any(ch.isalnum() for ch in cues.text[cues.table.starts[sent.heading_end]:sent.end_char]):
                keep(ASSESSMENT, RoleHit(res.section_score, (section,), None, "assessment.section",
                                         sent.start_char, sent.end_char))
                if section in res.reason_headings:
                    keep(REASON, RoleHit(res.reason_section_score, (section,), None, "reason.section",
                                         sent.start_char, sent.end_char))
        return SentenceRoles(
            index=sent.index,
            start=sent.start_char,
            end=sent.end_char,
            heading=sent.heading,
            section=section,
            roles=roles,
            concerns=tuple(sorted(concerns.values(), key=lambda h: -h.score)),
        )

    def _scope_of(self, doc: Doc, sent: _Sentence, rule: RoleRule, match: PatternMatch, cues: "_DocCues"):
        """The first scope rule whose cue reaches the match: (scope, cue words) or None."""
        res = self.resources
        if rule.role in res.empty_field_roles:
            answer = self._empty_field_answer(doc, sent, match, cues)
            if answer is not None:
                return EMPTY_FIELD_SCOPE, (answer,)
        if rule.role in res.dated_plan_roles and cues.note_date is not None:
            planned = self._future_date_after(doc, sent, match, cues)
            if planned is not None:
                return DATED_PLAN_SCOPE, (planned,)
        scopes = self._rule_scopes.get(id(rule))
        if scopes is None:  # a rule from outside the resources
            scopes = self._scopes_for(rule)
        for scope in scopes:
            if sent.section in scope.headings:
                return scope, (sent.section,)
            here = cues.of(scope, sent.index)
            if here is _NO_CUES:
                continue  # most sentences: no cue of this scope at all
            cue_words = self._cue_reaching(sent, scope, match, cues, here)
            if cue_words is not None:
                return scope, cue_words
        return None

    def _scopes_for(self, rule: RoleRule) -> list[ScopeRule]:
        return [scope for scope in self._applies.get(rule.role, ()) if rule.scopes is None or scope.kind in rule.scopes]

    def _cue_reaching(self, sent: _Sentence, scope: ScopeRule, match: PatternMatch, cues: "_DocCues", here: tuple):
        """The words of the scope's first cue in the sentence (`here`: its cues, by direction)
        that reaches the match, or None."""
        res = self.resources
        t_start, t_end = match.start, match.end
        forward, backward, both, whole, breakers = here
        if not (forward or backward or both or whole):
            return None
        terminators = scope.terminators if scope.terminators is not None else res.terminators
        back_terms = scope.backward_terminators if scope.backward_terminators is not None else res.backward_terminators

        def inside(a: int, b: int) -> bool:
            return a < t_end and t_start < b

        def in_gap(a: int, b: int) -> bool:
            """A cue among the words a pattern's gap let through ("ryger ikke hash") negates;
            one the pattern itself names ("tør ikke gå hjem") is part of the meaning."""
            return t_start <= a and b <= t_end and not any(x < b and a < y for x, y in match.spans)

        if breakers and any(self._same_clause(cues.table.lowers, t_start, t_end, a, b, terminators, scope.comma_ends_clause) for a, b in breakers):
            return None
        for a, b, window in forward:
            if in_gap(a, b):
                return cues.words(a, b)
            if b <= t_start and t_start - b <= window and not inside(a, b) and self._open(cues.table.lowers, b, t_start, terminators, scope.comma_ends_clause):
                return cues.words(a, b)
        for a, b, window in backward:
            if a >= t_end and a - t_end <= window and self._open(cues.table.lowers, t_end, a, back_terms, scope.comma_ends_clause, allow_colon=True):
                return cues.words(a, b)
        for a, b, window in both:
            if inside(a, b):
                continue
            if b <= t_start and t_start - b <= window and self._open(cues.table.lowers, b, t_start, terminators, scope.comma_ends_clause):
                return cues.words(a, b)
            if a >= t_end and a - t_end <= window and self._open(cues.table.lowers, t_end, a, terminators, scope.comma_ends_clause):
                return cues.words(a, b)
        for a, b in whole:
            if not inside(a, b):
                return cues.words(a, b)
        return None

    def _empty_field_answer(self, doc: Doc, sent: _Sentence, match: PatternMatch, cues: "_DocCues") -> str | None:
        """A template field whose answer says nothing: "Børnesamtale: nej", "Barnets perspektiv: -"."""
        table = cues.table
        for j in range(match.end, min(match.end + 4, sent.end)):
            if table.orths[j] == COLON_ID:
                answer = cues.text[table.ends[j]:sent.end_char]
                if _normalise_placeholder(answer) in self.resources.empty_field_answers:
                    return answer.strip() or ":"
                return None
        return None

    def _future_date_after(self, doc: Doc, sent: _Sentence, match: PatternMatch, cues: "_DocCues") -> str | None:
        """A date after the note's own, close behind the words, in a sentence that reports
        nothing done: the step or conversation is planned ("Børnesamtale 3/4 i skolen")."""
        table, note_date = cues.table, cues.note_date
        last = min(match.end + 6, sent.end)
        if last <= match.end or "/" not in cues.text[table.starts[match.end]:table.ends[last - 1]]:
            return None  # most matches: no date behind the words
        for j in range(match.end, last):
            if table.lowers[j - 1] in EFFECT_IDS:
                continue  # "pr. 1/12", "til 31/12": a date of effect, not of a meeting
            word = cues.text[table.starts[j]:table.ends[j]]
            if "/" not in word:
                continue
            when = _day_month(word, note_date)
            if when is not None and when > note_date:
                if any(table.lowers[k] in DONE_IDS for k in range(sent.start, sent.end)):
                    return None
                return word
        return None

    def _open(self, lowers: list[int], start: int, end: int, terminators: frozenset[str], comma_ends: bool, allow_colon: bool = False) -> bool:
        """No clause boundary between tokens [start, end) (compared as LOWER ids)."""
        stops = _string_ids(terminators)
        continues = _string_ids(self.resources.comma_continues_before)
        for i in range(start, end):
            word = lowers[i]
            if word == COLON_ID and allow_colon:
                continue
            if word in stops:
                return False
            if word == COMMA_ID and comma_ends and not (i + 1 < len(lowers) and lowers[i + 1] in continues):
                return False
        return True

    def _same_clause(self, lowers: list[int], t_start: int, t_end: int, a: int, b: int, terminators, comma_ends) -> bool:
        if b <= t_start:
            return self._open(lowers, b, t_start, terminators, comma_ends)
        if a >= t_end:
            return self._open(lowers, t_end, a, terminators, comma_ends)
        return True


_NO_CUES: tuple = ((), (), (), (), ())
EMPTY_FIELD_SCOPE = ScopeRule(kind="empty_field", role=NEGATED, applies_to=frozenset())
DATED_PLAN_SCOPE = ScopeRule(kind="dated_plan", role=HYPOTHETICAL, applies_to=frozenset())
# words that report a conversation or step as done: a date in such a sentence is not a plan
DONE_WORDS = frozenset({"afholdt", "holdt", "gennemført", "talte", "talt", "fortalte", "sagde", "mødte", "besøgte",
                        "truffet", "besluttet", "bevilget", "iværksat", "fandt", "var"})
EFFECT_WORDS = frozenset({"pr.", "fra", "til", "indtil", "senest", "frem"})
COLON_ID, COMMA_ID = get_string_id(":"), get_string_id(",")
EFFECT_IDS = frozenset(get_string_id(w) for w in EFFECT_WORDS)
DONE_IDS = frozenset(get_string_id(w) for w in DONE_WORDS)


@lru_cache(maxsize=64)
def _string_ids(words: frozenset[str]) -> frozenset[int]:
    return frozenset(get_string_id(w) for w in words)
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:[-/.](\d{2}|\d{4}))?$")


def _day_month(text: str, note_date: date) -> date | None:
    """"3/4", "3/4-25", "12/11-2025" as a date near the note's (the year closest to it)."""
    m = _DAY_MONTH.match(text)
    if not m:
        return None
    day, month = int(m.group(1)), int(m.group(2))
    year = int(m.group(3)) if m.group(3) else note_date.year
    if year < 100:
        year += 2000
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    if not m.group(3):
        if (when - note_date).days > 180:
            when = when.replace(year=year - 1)
        elif (note_date - when).days > 180:
            try:
                when = when.replace(year=year + 1)
            except ValueError:
                return None
    return when


class _DocCues:
    """The scope cues of one doc, found once per scope (doc-wide, proportional to the hits)
    and handed out per sentence: (forward, backward, both, whole-sentence, breakers)."""

    def __init__(self, tagger: RuleRoleTagger, doc: Doc, text: str, hits, sentences, sent_of, bounds, note_year):
        self.tagger, self.doc, self.text, self.hits = tagger, doc, text, hits
        self.sentences, self.sent_of, self.bounds, self.note_year = sentences, sent_of, bounds, note_year
        self._by_scope: dict[str, dict[int, tuple]] = {}
        self.note_date: date | None = None
        self.table: TokenTable | None = None

    def words(self, start: int, end: int) -> tuple[str, ...]:
        """The words of tokens [start, end) as written."""
        return tuple(self.text[self.table.starts[start]:self.table.ends[end - 1]].split())

    def of(self, scope: ScopeRule, sent_index: int) -> tuple:
        table = self._by_scope.get(scope.kind)
        if table is None:
            table = self._by_scope[scope.kind] = self._find(scope)
        return table.get(sent_index, _NO_CUES)

    def _find(self, scope: ScopeRule) -> dict[int, tuple]:
        compiler = self.tagger.resources.compiler
        doc, hits, sent_of, bounds = self.doc, self.hits, self.sent_of, self.bounds
        by_atom = self.tagger._scope_patterns_by_atom[scope.kind]
        found: list[tuple[int, int, int, PatternMatch]] = []  # (slot, window, sentence, match)
        keys = hits.keys()
        tried = [entry for atom in self.tagger._scope_anchors[scope.kind] & keys for entry in by_atom[atom]]
        tried.sort()  # in the scope's own order (the orders are unique): the first cue that reaches a match names it
        for _order, slot, pattern, window in tried:
            if pattern.later_atoms and not pattern.later_atoms <= keys:
                continue
            for sent, m in compiler.match_doc(pattern, hits, doc, sent_of, bounds):
                found.append((slot, window, sent, m))
        pseudo = [(sent, m) for slot, _, sent, m in found if slot == 5]
        table: dict[int, tuple[list, list, list, list, list]] = {}

        def slot_of(sent: int) -> tuple[list, list, list, list, list]:
            if sent not in table:
                table[sent] = ([], [], [], [], [])
            return table[sent]

        for slot, window, sent, m in found:
            if slot <= 2:
                if not (pseudo and any(ps == sent and m.start < p.end and p.start < m.end for ps, p in pseudo)):
                    slot_of(sent)[slot].append((m.start, m.end, window))
            elif slot <= 4:
                slot_of(sent)[slot].append((m.start, m.end))
        if scope.years_before_note and self.note_year:
            window = scope.both[0].window if scope.both else 12
            starts, ends = self.table.starts, self.table.ends
            for m in YEAR_RE.finditer(self.text):
                if int(m.group(0)) >= self.note_year:
                    continue
                a, b = bisect_left(starts, m.start()), bisect_left(ends, m.end())
                if a < len(starts) and starts[a] == m.start() and b < len(ends) and ends[b] == m.end():  # whole tokens
                    slot_of(sent_of[a])[2].append((a, b + 1, window))
        return table


def _min_none(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _max_none(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
