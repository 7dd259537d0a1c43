"""Where the CLI writes: rich tables for people, JSON for scripts, one line for errors."""

from __future__ import annotations

import json
from typing import Any

import typer
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from rich.console import Console

console = Console(soft_wrap=False)


def as_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def emit_json(data: Any) -> None:
    """JSON on stdout, Chinese as it is (not \\u escapes)."""
    if isinstance(data, Message):
        data = as_dict(data)
    elif isinstance(data, list):
        data = [as_dict(item) if isinstance(item, Message) else item for item in data]
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line to stderr; the caller raises what this returns."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
