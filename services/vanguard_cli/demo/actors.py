"""Who does what in the demo, and the seeded generator each member's numbers come from."""

from __future__ import annotations

import random

from kernel.envelope import Role
from vanguard_cli.demo.people import COMMITTEE, Teacher, secretary_of
from vanguard_cli.demo.steps import Actor

COMMITTEE_ACTOR = Actor(Role.COMMITTEE, COMMITTEE)


def member_actor(t: Teacher) -> Actor:
    return Actor(Role.MEMBER, t.member_id)


def leader_of(t: Teacher) -> Actor:
    """Who verifies a member's records and pledges: their secretary, or the committee for the
    secretary's own (nobody verifies their own)."""
    if t.secretary:
        return COMMITTEE_ACTOR
    return Actor(Role.SECRETARY, secretary_of(t.branch_id).member_id, t.branch_id)


def rng(t: Teacher, topic: str) -> random.Random:
    return random.Random(f"vanguard-demo/{t.member_id}/{topic}")
