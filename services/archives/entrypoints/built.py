"""Current archives built as messages, kept while the read model holds the same state of
them: an archive is read far more often than it changes, and building a big one costs more
than the rest of the call."""

from __future__ import annotations

from collections import OrderedDict

from archives.entrypoints import convert
from archives.readmodel.archive_rows import marker
from archives.readmodel.queries import ArchiveQueries, MemberRow
from vanguard.archives.v1 import archives_pb2 as pb

BUILT_ARCHIVES = 256


class BuiltArchives:
    def __init__(self, queries: ArchiveQueries, size: int = BUILT_ARCHIVES) -> None:
        self.queries = queries
        self.size = size
        self._built: OrderedDict[tuple[str, str], tuple[tuple[int, str], pb.Archive]] = (
            OrderedDict()
        )

    def current(self, school_id: str, member_id: str, row: MemberRow) -> pb.Archive:
        """The archive in the state `row` names (kept, or built now and kept)."""
        key = (school_id, member_id)
        kept = self._built.get(key)
        if kept is not None and kept[0] == row.marker:
            self._built.move_to_end(key)
            return kept[1]
        document = self.queries.archive(school_id, member_id)
        message = convert.archive(document)
        self._built[key] = (marker(document), message)  # the state actually read
        self._built.move_to_end(key)
        if len(self._built) > self.size:
            self._built.popitem(last=False)
        return message
