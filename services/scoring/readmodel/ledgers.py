"""The ledgers and roster tables seen as a LedgerSource (what the gRPC API reads), and
this worker's status for GetStatus."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from scoring.adapters.dead_letters import DeadLetterBox
from scoring.domain.facts import Fact
from scoring.domain.ledger import MemberLedger
from scoring.handlers.state import Tables
from vanguard.common.v1 import status_pb2


@dataclass
class TableLedgers:
    tables: Tables

    def ledger(self, school_id: str, member_id: str) -> MemberLedger | None:
        return (self.tables.ledgers_by_member.get(member_id) or {}).get(school_id)

    def branch(self, school_id: str, member_id: str) -> str | None:
        roster = (self.tables.roster_by_member.get(member_id) or {}).get(school_id)
        return None if roster is None else roster.branch

    def frozen(self, school_id: str, period: str) -> Callable[[Fact], bool] | None:
        collection = self.tables.publications_by_period.get(f"{school_id}/{period}")
        if collection is None:
            return None
        close, appealed = collection.close, set(collection.appealed)
        return lambda fact: close.admits(fact) or fact.event_id in appealed

    def ledgers(self, school_id: str) -> Iterable[MemberLedger]:
        for ledgers in list(self.tables.ledgers_by_member.values()):
            ledger = ledgers.get(school_id)
            if ledger is not None:
                yield ledger


@dataclass
class WorkerStatus:
    tables: Tables
    dead_letters: DeadLetterBox

    async def status(self) -> status_pb2.ServiceStatus:
        members = len(list(self.tables.ledgers_by_member.keys()))
        return status_pb2.ServiceStatus(
            service="scoring",
            version="0.1.0",
            projections=[
                status_pb2.ProjectionStatus(
                    name="ledgers_by_member",
                    applied_events=members,
                    dead_lettered=self.dead_letters.count,  # distinct events set aside
                )
            ],
        )
