"""Months as the pages offer them."""

from __future__ import annotations

from datetime import date


def month(today: date, back: int = 0) -> str:
    """`YYYY-MM` of the month `back` months before today's."""
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def recent_months(today: date, count: int = 6) -> list[str]:
    """The months before the current one, latest first: those a committee may have closed."""
    return [month(today, back) for back in range(1, count + 1)]
