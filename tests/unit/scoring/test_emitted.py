"""What a replay sends: only messages whose ids the evaluations topic does not hold."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from scoring.domain.roster import branch_after
from scoring.stream.emitted import EmittedLog
from unit.scoring.story import Story


async def nothing() -> None:
    return None


class Sender:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, event_id: str) -> Callable[[], Awaitable[None]]:
        async def go() -> None:
            self.sent.append(event_id)

        return go


async def test_a_replay_sends_only_what_the_topic_lacks() -> None:
    emitted, sender = EmittedLog(lambda: {"a", "b"}), Sender()
    emitted.reread(nothing)
    for event_id in ("a", "b", "c", "c"):  # c is new, then recomputed again (a redelivery)
        await emitted.send_new(event_id, sender.send(event_id))
    assert sender.sent == ["c"]


async def test_a_topic_that_cannot_be_read_gets_everything_again() -> None:
    def unreadable() -> set[str]:
        raise ConnectionError("broker down")

    emitted, sender = EmittedLog(unreadable), Sender()
    emitted.reread(nothing)
    assert await emitted.send_new("a", sender.send("a"))
    assert sender.sent == ["a"]


async def test_each_assignment_reads_the_topic_again() -> None:
    on_topic: set[str] = set()
    emitted, sender = EmittedLog(lambda: set(on_topic)), Sender()
    emitted.reread(nothing)
    await emitted.send_new("a", sender.send("a"))
    on_topic.clear()  # the broker lost its data (an in-memory broker restarted)
    emitted.reread(nothing)
    await emitted.send_new("a", sender.send("a"))
    assert sender.sent == ["a", "a"]


def test_the_branch_comes_from_registration_then_transfer() -> None:
    story = Story()
    assert branch_after(story.register("m1", "b1")) == ("m1", "b1")
    assert branch_after(story.transfer("m1", "b1", "b2")) == ("m1", "b2")
    assert branch_after(story.assess("m1", "self", 70)) is None
