"""The school and its branches: registered, branches established, periods closed."""

from __future__ import annotations

from archives import commands as c
from archives.domain.school import School
from archives.handlers.base import COMMITTEE, NAME_MAX, HandlerBase
from contracts.periods import parse_period
from kernel import validation as v
from kernel.auth import Principal, require_role
from kernel.commands import Decision
from kernel.store import AppendResult


class SchoolHandlers(HandlerBase):
    def register_school(
        self, principal: Principal, cmd: c.RegisterSchool, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school_id = v.identifier(cmd.school_id, "school_id")  # part of every stream id
            school = self.repository.load(School, school_id, school_id)
            school.register(v.line(cmd.name, "name", max_length=NAME_MAX))
            return Decision(school)

        return self._run("RegisterSchool", cmd, context, decide, key)

    def establish_branch(
        self, principal: Principal, cmd: c.EstablishBranch, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            school.establish_branch(
                v.identifier(cmd.branch_id, "branch_id"),
                v.line(cmd.name, "name", max_length=NAME_MAX),
            )
            return Decision(school, {"branch_id": cmd.branch_id})

        return self._run("EstablishBranch", cmd, context, decide, key)

    def close_period(self, principal: Principal, cmd: c.ClosePeriod, key: str = "") -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            period = parse_period(cmd.period)
            school.close_period(period, self.today())
            return Decision(school, {"period": period.id})

        return self._run("ClosePeriod", cmd, context, decide, key)
