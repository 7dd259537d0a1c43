"""Operator commands of the kernel: `python -m kernel up | token | schemas`."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from kernel.envelope import Role
from kernel.settings import Settings

# Every module that registers event types; `schemas` exports what they declare.
EVENT_MODULES: tuple[str, ...] = (
    "archives.domain.events",
    "pledges.domain.events",
    "scoring.domain.events",
)


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from kernel.supervisor import run

    return run(settings)


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from kernel.tokens import issue_token

    print(
        issue_token(
            settings.token_secret.get_secret_value(),
            subject=args.subject,
            role=Role(args.role),
            school=args.school,
            branch=args.branch,
            ttl_s=args.ttl or settings.token_ttl_seconds,
        )
    )
    return 0


def _schemas(args: argparse.Namespace, settings: Settings) -> int:
    from kernel.events import EventRegistry

    merged = EventRegistry()
    for name in EVENT_MODULES:
        merged = merged.merge(importlib.import_module(name).registry)
    for path in merged.write_schemas(Path(args.directory)):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the embedded broker and every service")
    token = commands.add_parser("token", help="print a signed development bearer token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--school", required=True)
    token.add_argument("--subject", default="dev")
    token.add_argument("--branch", default=None)
    token.add_argument("--ttl", type=int, default=None, help="seconds (default: settings)")
    schemas = commands.add_parser("schemas", help="write the JSON Schema of every event type")
    schemas.add_argument("directory", nargs="?", default="docs/events")
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    handlers = {"up": _up, "token": _token, "schemas": _schemas}
    return handlers[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
