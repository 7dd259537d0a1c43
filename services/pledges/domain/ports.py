"""What the pledges service needs from outside its domain, as small ports: the member roll
(kept by archives) and the contact book (kept apart from the event log)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MemberOnRoll:
    """A member as the archives roll has them now."""

    member_id: str
    name: str
    branch_id: str
    active: bool


class MemberRoll(Protocol):
    async def member(self, school_id: str, member_id: str) -> MemberOnRoll:
        """The member, or NotFound (field `member_id`); Unavailable when the roll cannot be
        asked right now."""
        ...


class ContactBook(Protocol):
    """Contacts of feedback givers: personal data, so never in an event (events are kept
    forever and copied to every consumer). Forgotten once the feedback is decided."""

    def keep(self, school_id: str, feedback_id: str, contact: str) -> None: ...

    def contact_of(self, school_id: str, feedback_id: str) -> str: ...

    def forget(self, school_id: str, feedback_id: str) -> None: ...
