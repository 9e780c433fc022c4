"""Map archive columns to `Note` fields: Danish export names on their own, anything else by hand.

`--columns note_id=ID,text=Body` names the archive column for a field; it wins over the
automatic names. `time` is the one extra field: a separate time-of-day column joined to the date.
"""

from __future__ import annotations

from pipeline.errors import ArchiveError, UsageError
from pipeline.schema import NOTE_FIELDS, REQUIRED_NOTE_FIELDS

TIME_FIELD = "time"
MAPPABLE_FIELDS: tuple[str, ...] = NOTE_FIELDS + (TIME_FIELD,)

# field -> archive column names recognised without --columns (compared lower-cased, trimmed)
AUTO_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "note_id": ("note_id", "notat_id", "notatid", "notat-id", "notatnr", "journal_id", "id"),
    "case_id": ("case_id", "sagsnr", "sagsnummer", "sags_id", "sagsid", "sag", "sag_id"),
    "written_at": ("written_at", "dato", "oprettet", "notatdato", "dato_tid", "tid_dato", "date", "datetime"),
    TIME_FIELD: ("tidspunkt", "klokkeslæt", "kl", "time_of_day"),
    "text": ("text", "tekst", "notat", "notattekst", "journaltekst", "indhold", "body"),
    "title": ("title", "overskrift", "titel", "emne"),
    "note_type": ("note_type", "notattype", "type", "dokumenttype"),
    "team": ("team", "afdeling", "enhed"),
    "author_id": ("author_id", "forfatter", "sagsbehandler", "initialer", "oprettet_af", "author"),
    "child_age": ("child_age", "alder", "barnets_alder", "barn_alder"),
}


def parse_column_spec(spec: str | None) -> dict[str, str]:
    """`note_id=ID,text=Body` -> {"note_id": "ID", "text": "Body"}."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise UsageError(f"--columns: '{part}' is not FIELD=COLUMN")
        field, column = (s.strip() for s in part.split("=", 1))
        if field not in MAPPABLE_FIELDS:
            raise UsageError(f"--columns: unknown field '{field}'; fields are {', '.join(MAPPABLE_FIELDS)}")
        if not column:
            raise UsageError(f"--columns: no column given for '{field}'")
        mapping[field] = column
    return mapping


def resolve_columns(header: list[str], explicit: dict[str, str], source: str) -> dict[str, str]:
    """Return field -> archive column for this header, or stop with the columns found."""
    normalised = {h.strip().lstrip("\ufeff").lower(): h for h in header}
    mapping: dict[str, str] = {}
    for field, column in explicit.items():
        if column in header:
            mapping[field] = column
        elif column.strip().lower() in normalised:
            mapping[field] = normalised[column.strip().lower()]
        else:
            raise ArchiveError(
                f"{source}: --columns names '{column}' for {field}, but the file has no such column; "
                f"columns found: {', '.join(header) or '(none)'}"
            )
    taken = set(mapping.values())
    for field, names in AUTO_COLUMN_NAMES.items():
        if field in mapping:
            continue
        for name in names:
            column = normalised.get(name)
            if column is not None and column not in taken:
                mapping[field] = column
                taken.add(column)
                break
    missing = [f for f in REQUIRED_NOTE_FIELDS if f not in mapping]
    if missing:
        hints = "; ".join(f"{f} (looked for {', '.join(AUTO_COLUMN_NAMES[f])})" for f in missing)
        raise ArchiveError(
            f"{source}: missing required column for {hints}. Columns found: {', '.join(header) or '(none)'}. "
            f"Map them with --columns, e.g. --columns note_id=ID,text=Body"
        )
    return mapping
