"""Where the CLI writes: rich tables for people, JSON for scripts, one line for errors."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import typer
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from rich.console import Console
from rich.progress import Progress

console = Console(soft_wrap=False)
# Held while a line is printed and while a progress bar starts or stops: rich's print decides
# whether to redraw a running bar below its line before it locks the console, so a line
# printed from another thread while the bar stopped came out glued to the bar's last drawing.
_drawing = threading.RLock()


def line(text: str) -> None:
    """One line as written (no markup, highlighting or wrapping), from any thread; above a
    running progress bar (`showing`). How `vanguard up` prints the supervisor's lines."""
    with _drawing:
        console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)


@contextlib.contextmanager
def showing(progress: Progress) -> Iterator[Progress]:
    """A progress bar on the console while other threads print with `line`."""
    with _drawing:
        progress.start()
    try:
        yield progress
    finally:
        with _drawing:
            progress.stop()


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
