"""CLI verbs of the review queue: `queue load`, `queue export`, `serve`, `users add|list`.

    journaltjek queue load flags.jsonl --notes archive.csv [--db URL]
    journaltjek users add anna --role reviewer            # asks for the password
    journaltjek serve [--db URL] [--host 127.0.0.1] [--port 8000]
    journaltjek queue export --format csv -o koe.csv
    journaltjek queue export --format jsonl --labels -o labels.jsonl

`--db` takes a SQLAlchemy URL (`postgresql://user@host/db`) or a file path for SQLite; without
it, $JOURNALTJEK_DB or `journaltjek.db` in the current folder. Every verb brings the database
to the newest schema first. Passwords never come from the command line (shell history): they
are asked for, or read from stdin with --password-stdin, or generated with --generate-password.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import logging
import secrets
import sys
from pathlib import Path
from typing import Any

from review.defaults import DB_URL_ENV, DEFAULT_DB_URL, ROLES

log = logging.getLogger(__name__)


def _usage_error(message: str) -> Exception:
    from pipeline.cli import UsageError

    return UsageError(message)


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL",
        help=f"database: a SQLAlchemy URL or a SQLite file path (default: ${DB_URL_ENV} or {DEFAULT_DB_URL})",
    )


def register(subparsers: Any) -> None:
    queue = subparsers.add_parser("queue", help="load flags into the review queue, or export it")
    queue_verbs = queue.add_subparsers(dest="queue_command", metavar="ACTION")
    queue_verbs.required = True

    load = queue_verbs.add_parser("load", help="load a scan's flags and the notes they came from (idempotent)")
    load.add_argument("flags", metavar="FLAGS", help="flag file written by `journaltjek scan` (JSONL)")
    load.add_argument(
        "--notes", metavar="INPUT", action="append", required=True,
        help="the archive the scan read (CSV, JSONL, Parquet); repeat for several files",
    )
    load.add_argument("--columns", metavar="MAP", help="column mapping for the archive, as for scan: note_id=ID,text=Body")
    _add_db_option(load)
    load.set_defaults(handler=run_queue_load)

    export = queue_verbs.add_parser("export", help="export items and decisions, or decisions as training labels")
    export.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default="jsonl", help="file format (default jsonl)")
    export.add_argument("--labels", action="store_true", help="reviewer decisions as gold-format labels (JSONL only)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout; required for xlsx)")
    _add_db_option(export)
    export.set_defaults(handler=run_queue_export)

    serve = subparsers.add_parser("serve", help="run the review web app")
    _add_db_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--insecure-cookies", action="store_true",
        help="send the session cookie over plain http too (local demos only; behind TLS leave this off)",
    )
    serve.set_defaults(handler=run_serve)

    users = subparsers.add_parser("users", help="manage review queue users")
    user_verbs = users.add_subparsers(dest="users_command", metavar="ACTION")
    user_verbs.required = True
    add = user_verbs.add_parser("add", help="create a user")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=ROLES, required=True, help="reviewer decides; researcher exports labels; admin manages users")
    source = add.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    source.add_argument("--generate-password", action="store_true", help="make a random password and print it once")
    _add_db_option(add)
    add.set_defaults(handler=run_users_add)
    listing = user_verbs.add_parser("list", help="list users and roles")
    _add_db_option(listing)
    listing.set_defaults(handler=run_users_list)


def _open(args: argparse.Namespace) -> Any:
    from review.store import open_store, safe_url

    try:
        return open_store(args.db)
    except FileNotFoundError as exc:
        raise _usage_error(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any connection problem is "could not run"
        raise _usage_error(f"cannot open the database {safe_url(_resolved(args.db))}: {type(exc).__name__}") from None


def safe_url(url: str) -> str:
    from review.store import safe_url as mask

    return mask(url)


def _resolved(url: str | None) -> str:
    from review.store import resolve_db_url

    return resolve_db_url(url)


# --- queue load -------------------------------------------------------------------------------------


def run_queue_load(args: argparse.Namespace) -> int:
    from pipeline.columns import parse_column_spec
    from pipeline.errors import UsageError as PipelineUsageError
    from review import audit
    from review.loading import FlagFileError, load_scan

    try:
        columns = parse_column_spec(args.columns)
    except PipelineUsageError as exc:
        raise _usage_error(str(exc)) from None
    for path in args.notes:
        if not Path(path).is_file():
            raise _usage_error(f"{path}: no such notes file")
    store = _open(args)
    try:
        report = load_scan(store, args.flags, args.notes, columns)
        with store.write_session() as session, session.begin():
            audit.record(session, user=None, user_name=f"cli:{getpass.getuser()}"[:80], action="load",
                         detail={"flags": Path(args.flags).name[:120], "new": report.items_new,
                                 "changed": report.items_changed, "errors": report.errors})
    except (FlagFileError, PipelineUsageError) as exc:
        raise _usage_error(str(exc)) from None
    finally:
        store.dispose()
    for line in report.summary_lines():
        print(line, file=sys.stderr)
    print(f"loaded into {safe_url(store.url)}", file=sys.stderr)
    return 1 if report.errors else 0


# --- queue export ----------------------------------------------------------------------------------


def run_queue_export(args: argparse.Namespace) -> int:
    from review import audit
    from review.exports import export_queue
    from review.labels_export import iter_review_labels_from_store, write_review_labels

    if args.labels and args.format != "jsonl":
        raise _usage_error("--labels writes gold-format JSONL; use --format jsonl")
    if args.format == "xlsx" and not args.output:
        raise _usage_error("--format xlsx needs -o FILE.xlsx (an Excel file cannot go to the terminal)")
    store = _open(args)
    try:
        with store.write_session() as session, session.begin():
            if args.labels:
                out, close = _open_output(args.output, binary=False)
                try:
                    count = write_review_labels(iter_review_labels_from_store(session), out)
                finally:
                    close()
            else:
                content, count = export_queue(session, args.format)
                out, close = _open_output(args.output, binary=True)
                try:
                    out.write(content)
                finally:
                    close()
            audit.record(session, user=None, user_name=f"cli:{getpass.getuser()}"[:80], action="export",
                         detail={"what": "labels" if args.labels else "queue", "format": args.format, "rows": count})
    finally:
        store.dispose()
    what = "notes with reviewed labels" if args.labels else "queue items"
    print(f"exported {count} {what}" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def _open_output(path: str | None, binary: bool) -> tuple[Any, Any]:
    if not path or path == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        return stream, stream.flush
    try:
        fh = open(path, "wb" if binary else "w", encoding=None if binary else "utf-8")
    except OSError as exc:
        raise _usage_error(f"{path}: cannot write ({exc.strerror})") from None
    return fh, fh.close


# --- users -------------------------------------------------------------------------------------------


def read_new_password(args: argparse.Namespace) -> str:
    if args.generate_password:
        return secrets.token_urlsafe(12)
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _usage_error("no terminal to ask for the password: use --password-stdin or --generate-password")
    first = getpass.getpass("Adgangskode: ")
    second = getpass.getpass("Gentag adgangskoden: ")
    if first != second:
        raise _usage_error("the two passwords differ")
    return first


def run_users_add(args: argparse.Namespace) -> int:
    from review import audit
    from review.users import UserError, add_user

    password = read_new_password(args)
    store = _open(args)
    try:
        with store.write_session() as session, session.begin():
            try:
                user = add_user(session, args.name, args.role, password)
            except UserError as exc:
                raise _usage_error(str(exc)) from None
            audit.record(session, user=None, user_name=f"cli:{getpass.getuser()}"[:80], action="user_add",
                         detail={"user_id": user.id, "role": args.role})
    finally:
        store.dispose()
    print(f"created {args.role} {args.name}", file=sys.stderr)
    if args.generate_password:
        print(f"password: {password}")
    return 0


def run_users_list(args: argparse.Namespace) -> int:
    from review.users import list_users

    store = _open(args)
    try:
        with store.session() as session:
            rows = [{"name": u.name, "role": u.role, "active": u.active} for u in list_users(session)]
    finally:
        store.dispose()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    return 0


# --- serve -------------------------------------------------------------------------------------------

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},  # replaced by journaltjek.access
        "journaltjek": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from review.app import create_app

    if not 1 <= args.port <= 65535:
        raise _usage_error(f"--port {args.port} is not a port number")
    if not is_loopback(args.host):
        print(
            f"journaltjek: warning: listening on {args.host}, reachable from other machines; "
            "put it behind HTTPS (a reverse proxy) before real case data is used",
            file=sys.stderr,
        )
    store = _open(args)
    app = create_app(store=store, cookie_secure=not args.insecure_cookies)
    print(f"journaltjek review queue on http://{args.host}:{args.port}/ (database {safe_url(store.url)})", file=sys.stderr)
    try:
        uvicorn.run(
            app, host=args.host, port=args.port, access_log=False, log_config=LOG_CONFIG,
            server_header=False, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
        )
    finally:
        store.dispose()
    return 0
