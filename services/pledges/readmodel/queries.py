"""Queries over the pledges read model: one pledge, filtered pages of pledges and feedback,
the public board, and the candidates of the overdue sweep."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from kernel.errors import NotFound
from kernel.projection import ReadModelQueries
from pledges.readmodel.documents import Document
from pledges.readmodel.projection import load

PUBLIC_STATUSES = ("published", "closed")


@dataclass(frozen=True)
class Page:
    size: int
    after: str = ""  # the last id of the previous page


def _page(rows: list[tuple[str]], size: int, key: str) -> tuple[list[Document], str]:
    documents = [json.loads(raw) for (raw,) in rows]
    more = len(documents) > size
    documents = documents[:size]
    return documents, documents[-1][key] if more else ""


class PledgesQueries(ReadModelQueries):
    read_model = "pledges read model"

    def pledge(self, school_id: str, pledge_id: str) -> Document:
        document = load(self.conn, "pledges", "pledge_id", school_id, pledge_id)
        if document is None:
            raise NotFound(f"pledge {pledge_id} does not exist", field="pledge_id")
        return document

    def feedback(self, school_id: str, feedback_id: str) -> Document:
        document = load(self.conn, "feedback", "feedback_id", school_id, feedback_id)
        if document is None:
            raise NotFound(f"feedback {feedback_id} does not exist", field="feedback_id")
        return document

    def pledges(
        self, school_id: str, filters: dict[str, str], page: Page, *, public: bool = False
    ) -> tuple[list[Document], str]:
        """Pledges of a school matching every non-empty filter (column = value)."""
        sql = "SELECT document FROM pledges WHERE school_id = ? AND pledge_id > ?"
        args: list[Any] = [school_id, page.after]
        for column, value in filters.items():
            if value:
                sql += f" AND {column} = ?"
                args.append(value)
        if public:
            sql += f" AND status IN ({', '.join('?' * len(PUBLIC_STATUSES))})"
            args.extend(PUBLIC_STATUSES)
        rows = self.conn.execute(sql + " ORDER BY pledge_id LIMIT ?", (*args, page.size + 1))
        return _page(rows.fetchall(), page.size, "pledge_id")

    def feedback_page(
        self, school_id: str, filters: dict[str, str], page: Page
    ) -> tuple[list[Document], str]:
        sql = "SELECT document FROM feedback WHERE school_id = ? AND feedback_id > ?"
        args: list[Any] = [school_id, page.after]
        for column, value in filters.items():
            if value:
                sql += f" AND {column} = ?"
                args.append(value)
        rows = self.conn.execute(sql + " ORDER BY feedback_id LIMIT ?", (*args, page.size + 1))
        return _page(rows.fetchall(), page.size, "feedback_id")

    def overdue_candidates(self, today: date) -> list[tuple[str, str]]:
        """Published pledges past their last due date, not flagged yet (the aggregate has the
        last word: the read model may lag)."""
        if not self.ready:
            return []
        rows = self.conn.execute(
            "SELECT school_id, pledge_id FROM pledges "
            "WHERE status = 'published' AND overdue = 0 AND last_due_on < ?",
            (today.isoformat(),),
        )
        return [(str(school), str(pledge)) for school, pledge in rows.fetchall()]
