"""The `journaltjek` command line: one verb per user task.

Each verb lives in the package that owns it and registers itself through a
`register(subparsers)` function; this module only wires them together.
Exit codes: 0 all rows fine, 1 some rows ended as errors, 2 could not run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

EXIT_OK = 0
EXIT_ROW_ERRORS = 1
EXIT_CANNOT_RUN = 2

# Modules that define `register(subparsers)`; each adds its verbs.
COMMAND_MODULES: tuple[str, ...] = (
    "pipeline.scan_command",
    "pipeline.explain_command",
    "pipeline.show_command",
    "evaluation.commands",
    "review.commands",
    "annotations.synth.commands",
    "models.commands",
)


from pipeline.errors import UsageError  # noqa: E402  (re-exported for command modules)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journaltjek",
        description="Flag quality markers in Danish child-welfare journal notes.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details (never note text)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or EXIT_OK)
    except UsageError as exc:
        print(f"journaltjek: error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("journaltjek: interrupted", file=sys.stderr)
        return EXIT_CANNOT_RUN


if __name__ == "__main__":
    sys.exit(main())
