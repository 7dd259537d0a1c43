"""Which branch a member is in, learnt from the archives events scoring already reads:
MemberRegistered names the branch, MemberTransferred the new one. Scoring needs it only to let
a secretary read the evaluations of their own branch (docs/design.md#security)."""

from __future__ import annotations

from kernel.envelope import Envelope

BRANCH_FIELD = {"MemberRegistered": "branch_id", "MemberTransferred": "to_branch_id"}


def branch_after(envelope: Envelope) -> tuple[str, str] | None:
    """(member, branch) when the event places a member in a branch, else None."""
    name = BRANCH_FIELD.get(envelope.event_type)
    if name is None:
        return None
    member_id, branch_id = envelope.data.get("member_id"), envelope.data.get(name)
    if not isinstance(member_id, str) or not isinstance(branch_id, str) or not branch_id:
        return None
    return member_id, branch_id
