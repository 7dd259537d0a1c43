"""The roster as scoring learns it from the archives events it already reads: each member's
MemberRegistered, MemberTransferred and MemberLeft, per school.

It answers two questions. Which branch a member is in now, to let a secretary read the
evaluations of their own branch (docs/design.md#security). And who is on the roster of a
period's close, which a publication lists in full: a member registered by an archives event
the close admits (store position below the close's) and not left before the period's first day
(a member who left during the period stays on it), in the branch those events last put them
in. A later registration (a member who came back) puts a member who left on the roster again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts import archives
from kernel.envelope import Envelope

ROSTER_EVENTS = frozenset({"MemberRegistered", "MemberTransferred", "MemberLeft"})


@dataclass(frozen=True, slots=True)
class RosterEvent:
    """One roster event, trimmed to what scoring reads."""

    event_id: str
    event_type: str
    position: int  # archives store position: what a close admits
    branch_id: str  # the member's branch after the event
    left_on: date | None = None  # MemberLeft: the day they left


@dataclass(frozen=True, slots=True)
class Membership:
    """A member on the roster of one close: their branch then, and the events that say so."""

    member_id: str
    branch_id: str
    event_ids: tuple[str, ...]


@dataclass(frozen=True)
class MemberRoster:
    """One member's roster events in one school, in store order, each once."""

    school_id: str
    member_id: str
    events: tuple[RosterEvent, ...] = ()

    def with_event(self, event: RosterEvent) -> MemberRoster:
        """This roster with `event` (a redelivered one changes nothing)."""
        if any(known.event_id == event.event_id for known in self.events):
            return self
        events = sorted((*self.events, event), key=lambda e: (e.position, e.event_id))
        return MemberRoster(self.school_id, self.member_id, tuple(events))

    @property
    def branch(self) -> str | None:
        """The branch the member is in now; None before any roster event was seen."""
        return self.events[-1].branch_id if self.events else None

    def on_roster(self, before_position: int, period_start: date) -> Membership | None:
        """The member's place on the roster of a close at `before_position` for a period
        starting `period_start`; None when they are not on it."""
        registered, branch, left_on, ids = False, "", None, []
        for event in self.events:
            if event.position >= before_position:
                break
            ids.append(event.event_id)
            branch = event.branch_id
            if event.event_type == "MemberRegistered":
                registered, left_on = True, None
            elif event.event_type == "MemberLeft":
                left_on = event.left_on
        if not registered or (left_on is not None and left_on < period_start):
            return None
        return Membership(self.member_id, branch, tuple(sorted(ids)))


def roster_event_of(envelope: Envelope) -> RosterEvent | None:
    """The roster event an envelope carries, or None when it is none. One whose data does not
    read as its contract says raises (the event goes to the dead letters)."""
    if envelope.event_type not in ROSTER_EVENTS:
        return None
    event = archives.registry.decode(envelope)
    event_id, position = str(envelope.event_id), envelope.position or 0
    if isinstance(event, archives.MemberRegistered):
        return RosterEvent(event_id, envelope.event_type, position, event.branch_id)
    if isinstance(event, archives.MemberTransferred):
        return RosterEvent(event_id, envelope.event_type, position, event.to_branch_id)
    assert isinstance(event, archives.MemberLeft)
    return RosterEvent(event_id, envelope.event_type, position, event.branch_id, event.left_on)
