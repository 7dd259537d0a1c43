"""`python -m contracts schemas [DIRECTORY]`: write the JSON Schema of every published event
type (docs/events by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contracts.registry import published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts")
    commands = parser.add_subparsers(dest="command", required=True)
    schemas = commands.add_parser("schemas", help="write the JSON Schema of every event type")
    schemas.add_argument("directory", nargs="?", default="docs/events")
    args = parser.parse_args(argv)
    for path in published().write_schemas(Path(args.directory)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
