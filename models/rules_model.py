"""The rule model: sentence roles from pattern files, the four markers over them.

`RulesModel` is the `backend: rules` implementation of `JournalModel`. Its directory
(models/default/ ships one) holds config.yaml with thresholds, marker settings, the case
window and references to (or copies of) the role patterns and the jargon lexicon.

The compiled rules are shared by every instance in a process that uses the same resource
files, so loading a model twice (a scan and an explain) compiles once.
"""

from __future__ import annotations

import gc
import shutil
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml
from spacy.tokens import Doc

from models.base import JournalModel, NoteAnalysis
from pipeline.jargon import LEXICON_PATH, JargonReader, JargonReport, read_lexicon
from pipeline.markers import NoteMarkers, mark_note
from pipeline.role_patterns import PatternCompiler
from pipeline.roles import RESOURCES_DIR, RuleRoleTagger, SentenceRoles, load_role_resources
from pipeline.schema import MARKERS, Note, NoteFlags

BATCH_SIZE = 128
REQUIRED_SETTINGS: dict[str, tuple[str, ...]] = {
    "missing_assessment": ("role_min_score", "info_min_score", "assessment_min_score", "reason_min_score", "reason_window",
                           "decision_rules",
                           "score_no_assessment", "score_unreasoned", "score_placeholder", "score_parked",
                           "score_reasoned", "score_not_needed"),
    "missing_child_conversation": ("step_min_score", "contact_min_score", "omission_min_score", "abuse_types",
                                   "abuse_concern_min_score", "abuse_handling_min_score", "abuse_assessment_min_score",
                                   "abuse_step_score", "score_no_step", "score_heard"),
    "authority_jargon": ("min_items", "lix_dense", "nominal_share_dense", "passives_per_sentence_dense",
                         "min_words_dense", "dense_sentence_words"),
    "unhandled_concern": ("concern_min_score", "handling_min_score", "cleared_score", "restating_assessment_min_score",
                          "restating_step_min_score", "restating_sections"),
}


class ModelConfigError(ValueError):
    """A model directory whose config.yaml lacks or misstates a setting; names the file and key."""


@dataclass(slots=True)
class NoteExplanation:
    """Everything `journaltjek explain` shows for one note."""

    note: Note
    doc: Doc
    sentences: list[SentenceRoles]
    jargon: JargonReport
    markers: NoteMarkers


@lru_cache(maxsize=4)
def _engine(roles_dir: str, lexicon_path: str) -> tuple[RuleRoleTagger, JargonReader, PatternCompiler]:
    """Roles and jargon compiled onto one PatternCompiler: one matcher pass per note serves both."""
    from pipeline.text import get_nlp

    compiler = PatternCompiler()
    resources = load_role_resources(roles_dir, compiler=compiler)
    reader = JargonReader(read_lexicon(lexicon_path), compiler=compiler)
    compiler.compile(get_nlp())
    engine = RuleRoleTagger(resources), reader, compiler
    # The compiled rules (hundreds of thousands of small objects) live as long as the process.
    # Moving them out of the collector's view keeps every full collection from walking them
    # again, about a fifth of the tagging time in a long scan.
    gc.collect()
    gc.freeze()
    return engine


class RulesModel(JournalModel):
    backend = "rules"

    def __init__(
        self,
        name: str = "default",
        version: str = "0.1.0",
        thresholds: dict[str, float] | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
        case_window_hours: float = 24.0,
        roles_dir: str | Path | None = None,
        lexicon_path: str | Path | None = None,
    ):
        super().__init__(name=name, version=version, thresholds=thresholds)
        self.settings = settings if settings is not None else _default_settings()
        self.case_window_hours = float(case_window_hours)
        self.roles_dir = Path(roles_dir) if roles_dir else RESOURCES_DIR
        self.lexicon_path = Path(lexicon_path) if lexicon_path else LEXICON_PATH
        _check_settings(self.settings, self.thresholds, where="RulesModel")

    @property
    def case_window(self) -> timedelta:
        """The 24-hour rule's window (pipeline.cases.resolve_unhandled's `window`)."""
        return timedelta(hours=self.case_window_hours)

    @property
    def tagger(self) -> RuleRoleTagger:
        return _engine(str(self.roles_dir), str(self.lexicon_path))[0]

    @property
    def jargon_reader(self) -> JargonReader:
        return _engine(str(self.roles_dir), str(self.lexicon_path))[1]

    # -- analysis --

    def analyse(self, notes: Sequence[Note]) -> list[NoteAnalysis]:
        return [self._analysis(x.note, x.markers) for x in self.explain_many(notes)]

    def explain_many(self, notes: Sequence[Note]) -> Iterable[NoteExplanation]:
        """Roles, jargon and marker results per note (`analyse` keeps only the flags)."""
        from pipeline.text import get_nlp

        tagger, reader, compiler = _engine(str(self.roles_dir), str(self.lexicon_path))
        docs = get_nlp().pipe((n.text for n in notes), batch_size=BATCH_SIZE)
        for note, doc in zip(notes, docs):
            hits = compiler.find_hits(doc)
            sentences = tagger.tag(doc, hits=hits, text=note.text, note_date=note.written_at.date())
            jargon = reader.read(doc, hits=hits, text=note.text)
            markers = mark_note(note.text, sentences, jargon, self.settings, self.thresholds)
            yield NoteExplanation(note, doc, sentences, jargon, markers)

    def _analysis(self, note: Note, markers: NoteMarkers) -> NoteAnalysis:
        flags = NoteFlags(note_id=note.note_id, case_id=note.case_id, model=self.label, markers=markers.results)
        return NoteAnalysis(flags=flags, written_at=note.written_at, handling=markers.handling)

    # -- the model directory --

    def to_disk(self, path: str | Path) -> None:
        """Write config.yaml and copies of the pattern and lexicon files: the directory is complete."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        resources = path / "resources"
        if self.roles_dir.resolve() != (resources / "roles").resolve():
            if (resources / "roles").exists():
                shutil.rmtree(resources / "roles")
            shutil.copytree(self.roles_dir, resources / "roles")
        lexicon_copy = resources / "jargon_lexicon.yaml"
        if self.lexicon_path.resolve() != lexicon_copy.resolve():
            shutil.copyfile(self.lexicon_path, lexicon_copy)
        config = {
            "backend": self.backend,
            "name": self.name,
            "version": self.version,
            "thresholds": {m: float(self.thresholds[m]) for m in MARKERS},
            "case_window_hours": self.case_window_hours,
            "resources": {"roles": "resources/roles", "jargon_lexicon": "resources/jargon_lexicon.yaml"},
            "markers": self.settings,
        }
        with open(path / "config.yaml", "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh, allow_unicode=True, sort_keys=False)

    @classmethod
    def from_disk(cls, path: str | Path) -> "RulesModel":
        path = Path(path)
        config_path = path / "config.yaml"
        with open(config_path, encoding="utf-8") as fh:
            config = yaml.safe_load(fh) or {}
        if config.get("backend") != cls.backend:
            raise ModelConfigError(f"{config_path}: backend is '{config.get('backend')}', expected '{cls.backend}'")
        resources = config.get("resources") or {}

        def resource(key: str) -> Path | None:
            value = resources.get(key)
            if value is None:
                return None
            found = (path / value) if not Path(value).is_absolute() else Path(value)
            if not found.exists():
                raise ModelConfigError(f"{config_path}: resources.{key} points at {found}, which does not exist")
            return found

        try:
            return cls(
                name=str(config.get("name", path.name)),
                version=str(config.get("version", "0.0.0")),
                thresholds=config.get("thresholds"),
                settings=config.get("markers"),
                case_window_hours=float(config.get("case_window_hours", 24)),
                roles_dir=resource("roles"),
                lexicon_path=resource("jargon_lexicon"),
            )
        except ModelConfigError as exc:
            raise ModelConfigError(f"{config_path}: {exc}") from None


# The shipped rules model directories, in the order their settings are taken for RulesModel()
# (the named rules model first: `default` may be a learned model that reads notes with rules).
SETTINGS_DIRS = ("rules", "default")


def _default_settings() -> dict[str, dict[str, Any]]:
    """The marker settings a RulesModel gets when none are given: those of the shipped rules
    model (models/rules/, or models/default/ while that is the rules model)."""
    package = Path(__file__).resolve().parent
    for name in SETTINGS_DIRS:
        path = package / name / "config.yaml"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as fh:
            config = yaml.safe_load(fh) or {}
        if config.get("backend") == "rules" and isinstance(config.get("markers"), dict):
            return config["markers"]
    raise ModelConfigError(f"no shipped rules model ({', '.join(f'models/{n}' for n in SETTINGS_DIRS)}) with a `markers:` block")


def _check_settings(settings: Any, thresholds: dict[str, float], where: str) -> None:
    if not isinstance(settings, dict):
        raise ModelConfigError(f"{where}: `markers` must map each marker to its settings")
    for marker, keys in REQUIRED_SETTINGS.items():
        block = settings.get(marker)
        if not isinstance(block, dict):
            raise ModelConfigError(f"{where}: markers.{marker} is missing")
        missing = [k for k in keys if k not in block]
        if missing:
            raise ModelConfigError(f"{where}: markers.{marker} lacks {missing}")
    bad = [m for m in MARKERS if not isinstance(thresholds.get(m), (int, float)) or not 0.0 <= thresholds[m] <= 1.0]
    if bad:
        raise ModelConfigError(f"{where}: thresholds for {bad} must be numbers in [0, 1]")
