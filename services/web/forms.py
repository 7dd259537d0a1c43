"""Reading a posted form: the CSRF check first, then the fields as text."""

from __future__ import annotations

from starlette.responses import Response

from vanguard.common.v1.command_pb2 import CommandOptions
from web.core import Visit


async def checked_form(visit: Visit) -> tuple[dict[str, str], Response | None]:
    """The form's fields, or a refusal when its CSRF token is missing or not this
    session's (nothing is done then)."""
    posted = await visit.request.form()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    if not visit.web.csrf.valid(visit.request, form.pop("csrf", "")):
        t = visit.render(
            "error.html",
            403,
            error={
                "status": visit.t("已拒绝", "refused"),
                "code": "CSRF",
                "field": "csrf",
                "message": "the form's security token does not belong to this session; "
                "reload the page and send it again",
            },
        )
        return form, t
    return form, None


def number(text: str) -> int:
    """An integer field; what is not one is sent as 0, which the service refuses by name."""
    try:
        return int(text.strip())
    except ValueError:
        return 0


def decimal(text: str) -> float | None:
    """A decimal field; empty or not a number: None (the service says it is required)."""
    try:
        return float(text.strip())
    except ValueError:
        return None


def items(text: str) -> list[str]:
    """A list field written one per line or comma-separated."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def visible(form: dict[str, str]) -> CommandOptions:
    """Every command the pages send waits until the service's read model shows it (the page
    after the redirect sees the change) and carries the form's idempotency key, so a form
    sent twice (a double click, a resent POST) is applied once."""
    return CommandOptions(wait_visible=True, idempotency_key=form.get("key", "")[:128])
