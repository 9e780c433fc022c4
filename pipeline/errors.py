"""Errors in one place. Messages say what went wrong and what to do; they never quote note text."""

from __future__ import annotations


class UsageError(Exception):
    """The command cannot run: bad arguments, unreadable input, missing columns (exit code 2)."""


class ArchiveError(UsageError):
    """An input archive as a whole cannot be read (e.g. a required column is missing)."""


class RowError(ValueError):
    """One input row is unusable; the batch run writes it to OUT.errors.jsonl and goes on."""
