"""What a replay sends: only messages whose ids the evaluations topic does not hold."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

from scoring.adapters.emitted import EmittedLog, PublishedCloses, event_id_of
from scoring.scorer import Scorer
from unit.scoring.story import Story
from unit.scoring.test_amendments import published


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


class Broker:
    """Answers each send with the future of its acknowledgement, as faust's Topic.send does;
    refuses the first `refusals` of them."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.acknowledged: list[str] = []

    def send(self, event_id: str) -> Callable[[], Awaitable[asyncio.Future[None]]]:
        async def go() -> asyncio.Future[None]:
            ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if self.refusals:
                self.refusals -= 1
                ack.set_exception(RuntimeError("UnknownError"))
            else:
                self.acknowledged.append(event_id)
                ack.set_result(None)
            return ack

        return go


async def test_a_refused_send_is_sent_again_until_acknowledged() -> None:
    emitted, broker = EmittedLog(set, resend_after_s=0.01), Broker(refusals=2)
    emitted.reread(nothing)
    assert await emitted.send_new("a", broker.send("a"))
    await eventually(lambda: broker.acknowledged == ["a"])
    assert emitted.refused == 2
    assert not await emitted.send_new("a", broker.send("a"))  # counted once acknowledged
    assert broker.acknowledged == ["a"]


async def test_a_refused_send_already_sent_again_by_a_replay_goes_once() -> None:
    emitted, broker = EmittedLog(set, resend_after_s=0.05), Broker(refusals=1)
    emitted.reread(nothing)
    await emitted.send_new("a", broker.send("a"))  # refused
    await asyncio.sleep(0)
    assert await emitted.send_new("a", broker.send("a"))  # the replay computed it again
    await asyncio.sleep(0.2)  # past the re-send, which finds it sent
    assert broker.acknowledged == ["a"]


async def eventually(done: Callable[[], bool], timeout_s: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_junk_on_the_topic_has_no_event_id() -> None:
    assert event_id_of(b'{"event_id": "e-1"}') == "e-1"
    for junk in (b"\x00\xff", b"[1, 2]", b"7", b'"text"', None, b"{}"):
        assert event_id_of(junk) == ""


def test_the_closes_of_the_publications_on_the_topic_are_noted(
    story: Story, scorer: Scorer
) -> None:
    """What a replay knows closed before it applies anything: the close a publication names,
    as scoring's own Close of it (its time the publication envelope's)."""
    _, collection = published(story, scorer)
    closes = PublishedCloses()
    for value in (collection.issued.encode(), b"not json", b'{"event_type": "PublicationIssued"}'):
        closes.note(SimpleNamespace(value=value))
    close = collection.close
    assert closes.by_period == {f"{close.school_id}/{close.period}": close}
