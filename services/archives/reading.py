"""Who reads what of the archive read model: a member their own archive, a secretary their
branch's members, the committee (and services) the school's. Each method checks the caller,
then asks the queries."""

from __future__ import annotations

from typing import Any

from archives.readmodel.archive import Archive
from archives.readmodel.queries import ArchiveQueries, MemberRow
from contracts.periods import PeriodKind, parse_period
from kernel import validation as v
from kernel.auth import (
    Principal,
    require_branch,
    require_member_reader,
    require_role,
    require_school,
)
from kernel.envelope import Role
from kernel.errors import InvalidArgument, NotFound, PermissionDenied, PreconditionFailed

BRANCH_LEADERS = (Role.SECRETARY, Role.COMMITTEE)


class ArchivesReader:
    def __init__(self, queries: ArchiveQueries) -> None:
        self.queries = queries

    def readable(self, principal: Principal, school_id: str, member_id: str) -> MemberRow:
        """The member's row, when the member exists and the caller may read their archive."""
        require_school(principal, v.identifier(school_id, "school_id"))
        row = self.queries.reader_row(school_id, v.identifier(member_id, "member_id"))
        require_member_reader(principal, school_id, member_id, row.branch_id)
        return row

    def member(self, principal: Principal, school_id: str, member_id: str) -> dict[str, Any]:
        self.readable(principal, school_id, member_id)
        return self.queries.member(school_id, member_id)

    def archive(self, principal: Principal, school_id: str, member_id: str) -> Archive:
        self.readable(principal, school_id, member_id)
        return self.queries.archive(school_id, member_id)

    def members(
        self, principal: Principal, school_id: str, branch_id: str, page_size: int, token: str
    ) -> tuple[list[dict[str, Any]], str]:
        """A page of the school's members (a secretary: of their own branch)."""
        require_school(principal, school_id)
        require_role(principal, *BRANCH_LEADERS, Role.SERVICE)
        if principal.role is Role.SECRETARY:
            if not branch_id:
                raise PermissionDenied("a secretary lists their own branch: give branch_id")
            require_branch(principal, branch_id)
        v.optional_identifier(branch_id, "branch_id")
        return self.queries.list_members(school_id, branch_id, v.page_size(page_size), token)

    def branch_summary(
        self, principal: Principal, school_id: str, branch_id: str, period: str
    ) -> dict[str, Any]:
        require_school(principal, school_id)
        require_role(principal, *BRANCH_LEADERS)
        require_branch(principal, branch_id)
        v.identifier(branch_id, "branch_id")
        return self.queries.summary(school_id, branch_id, parse_period(period) if period else None)

    def school_summary(self, principal: Principal, school_id: str, period: str) -> dict[str, Any]:
        require_school(principal, school_id)
        require_role(principal, Role.COMMITTEE)
        return self.queries.summary(school_id, "", parse_period(period) if period else None)

    def publication(self, principal: Principal, school_id: str, period: str) -> dict[str, Any]:
        """The whole publication of a period with every version of it: the committee's."""
        require_school(principal, school_id)
        require_role(principal, Role.COMMITTEE)
        asked = parse_period(period).id
        found = self.queries.publication(school_id, asked)
        if not found["versions"]:
            raise NotFound(f"period {asked} has no publication", field="period")
        return found

    def public_notice(self, principal: Principal, school_id: str, period: str) -> dict[str, Any]:
        """The 公示 of a closed month: anyone, without a token too; a token's school must be
        the one asked for. A quarter's report and a year's commendation are the committee's."""
        v.identifier(school_id, "school_id")
        if principal.school_id is not None:
            require_school(principal, school_id)
        asked = parse_period(period)
        if asked.kind is not PeriodKind.MONTH:
            raise InvalidArgument(
                f"a public notice (公示) is of a month; {asked.id} is a {asked.kind.value}",
                field="period",
            )
        found = self.queries.publication(school_id, asked.id)
        if not found["versions"]:
            raise PreconditionFailed(
                f"month {asked.id} has no publication: it is open, or its close is still "
                "being published",
                field="period",
            )
        return found

    def watch_start(
        self,
        principal: Principal,
        school_id: str,
        member_id: str,
        branch_id: str,
        after_event_id: str,
    ) -> int:
        """Checks a watch of one member's archive or one branch's, and returns the archive log
        position it starts after: the change it resumes after, or now."""
        require_school(principal, school_id)
        if bool(member_id) == bool(branch_id):
            raise InvalidArgument("give exactly one of member_id or branch_id", field="member_id")
        if member_id:
            self.readable(principal, school_id, member_id)
        else:
            require_role(principal, *BRANCH_LEADERS)
            require_branch(principal, branch_id)
            v.identifier(branch_id, "branch_id")
            self.queries.branch_name(school_id, branch_id)
        if not after_event_id:
            return self.queries.last_seq()
        after = v.identifier(after_event_id, "after_event_id")
        seq = self.queries.seq_of(school_id, after, member_id)
        if seq is None:
            raise NotFound(f"no archive change {after} to resume after", field="after_event_id")
        return seq
