"""The CLI verbs: `queue load`, `users add|list`, `serve` defaults, and their exit codes."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from pipeline.cli import build_parser, main
from review import auth
from review.commands import is_loopback
from review.store import Item, User, open_store
from review_fixtures import EXPECTED_ORDER, NOTES, make_flags, write_archive, write_flags


@pytest.fixture
def scan_files(tmp_path):
    return write_flags(tmp_path / "flags.jsonl", make_flags()), write_archive(tmp_path / "notes.jsonl")


def count_items(url: str) -> int:
    store = open_store(url)
    try:
        with store.session() as session:
            return len(session.execute(select(Item.id)).all())
    finally:
        store.dispose()


def test_queue_load_fills_the_queue_and_a_second_load_changes_nothing(db_url, scan_files, capsys):
    flags, notes = scan_files
    assert main(["queue", "load", str(flags), "--notes", str(notes), "--db", db_url]) == 0
    first = capsys.readouterr().err
    assert f"queue items: {len(EXPECTED_ORDER)} new" in first
    assert main(["queue", "load", str(flags), "--notes", str(notes), "--db", db_url]) == 0
    second = capsys.readouterr().err
    assert "queue items: 0 new, 0 changed" in second and "loaded before; nothing was duplicated" in second
    assert count_items(db_url) == len(EXPECTED_ORDER)


def test_queue_load_with_bad_records_loads_the_rest_and_exits_1(sqlite_url, tmp_path, capsys):
    flags = write_flags(tmp_path / "flags.jsonl", make_flags())
    notes = write_archive(tmp_path / "notes.jsonl", [n for n in NOTES if n.note_id != "N-1"])
    assert main(["queue", "load", str(flags), "--notes", str(notes), "--db", sqlite_url]) == 1
    err = capsys.readouterr().err
    assert "flags.jsonl line 1 (note N-1): the note is not in the notes archive" in err
    assert count_items(sqlite_url) == len(EXPECTED_ORDER) - 2


def test_queue_load_without_its_files_cannot_run(sqlite_url, scan_files, tmp_path, capsys):
    flags, notes = scan_files
    assert main(["queue", "load", str(tmp_path / "nope.jsonl"), "--notes", str(notes), "--db", sqlite_url]) == 2
    assert "no such flag file" in capsys.readouterr().err
    assert main(["queue", "load", str(flags), "--notes", str(tmp_path / "nope.csv"), "--db", sqlite_url]) == 2
    assert "no such notes file" in capsys.readouterr().err


def test_a_database_that_cannot_be_reached_is_exit_2_without_its_password(scan_files, capsys):
    flags, notes = scan_files
    url = "postgresql://someone:hemmeligt@127.0.0.1:1/none"
    assert main(["queue", "load", str(flags), "--notes", str(notes), "--db", url]) == 2
    err = capsys.readouterr().err
    assert "cannot open the database" in err and "hemmeligt" not in err


def test_users_add_reads_the_password_from_stdin_never_from_the_arguments(db_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("en-rigtig-lang-kode\n"))
    assert main(["users", "add", "anna", "--role", "reviewer", "--password-stdin", "--db", db_url]) == 0
    store = open_store(db_url)
    try:
        with store.session() as session:
            anna = session.execute(select(User).where(User.name == "anna")).scalar_one()
        assert anna.role == "reviewer" and auth.verify_password(anna.password_hash, "en-rigtig-lang-kode")
    finally:
        store.dispose()
    add = build_parser()._subparsers._group_actions[0].choices["users"]._subparsers._group_actions[0].choices["add"]
    assert not any(a.dest == "password" for a in add._actions)


def test_users_add_can_generate_and_print_a_password(sqlite_url, capsys):
    assert main(["users", "add", "demo", "--role", "reviewer", "--generate-password", "--db", sqlite_url]) == 0
    password = capsys.readouterr().out.strip().removeprefix("password: ")
    assert len(password) >= 12
    store = open_store(sqlite_url)
    try:
        with store.session() as session:
            assert auth.verify_password(session.execute(select(User.password_hash)).scalar_one(), password)
    finally:
        store.dispose()


def test_users_add_refuses_short_passwords_and_existing_names(sqlite_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert main(["users", "add", "anna", "--role", "admin", "--password-stdin", "--db", sqlite_url]) == 2
    assert "mindst 10 tegn" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("en-rigtig-lang-kode\n"))
    assert main(["users", "add", "anna", "--role", "admin", "--password-stdin", "--db", sqlite_url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("en-rigtig-lang-kode\n"))
    assert main(["users", "add", "Anna", "--role", "admin", "--password-stdin", "--db", sqlite_url]) == 2
    assert "exists already" in capsys.readouterr().err


def test_users_add_without_a_terminal_or_stdin_flag_cannot_ask(sqlite_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "anna", "--role", "admin", "--db", sqlite_url]) == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_users_list_prints_names_and_roles(sqlite_url, capsys):
    main(["users", "add", "demo", "--role", "researcher", "--generate-password", "--db", sqlite_url])
    capsys.readouterr()
    assert main(["users", "list", "--db", sqlite_url]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [{"name": "demo", "role": "researcher", "active": True}]


def test_serve_listens_on_this_machine_only_unless_told_otherwise():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.insecure_cookies) == ("127.0.0.1", 8000, False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")
