"""What survives: checkpoints, a restart (a new store over the same storage), text in any
script."""

from __future__ import annotations

from contract.event_store.base import (
    OpenStore,
    PledgeMade,
    StoreContract,
    append,
    pledge,
    pledges,
)
from kernel.envelope import Actor, CommandContext, Envelope, Role
from kernel.store import EventStore, PendingEvent, StoredCommand

CHINESE = CommandContext(
    school_id="第一中学",
    actor=Actor(id="书记-王", role=Role.SECRETARY),
    correlation_id="关联-1",
    causation_id="原因-1",
)


class DurabilityContract(StoreContract):
    def test_checkpoints_are_kept_and_overwritten(self, store: EventStore) -> None:
        assert store.get_checkpoint("relay") is None
        store.put_checkpoint("relay", "7")
        store.put_checkpoint("projection", "3")
        store.put_checkpoint("relay", "12")

        assert store.get_checkpoint("relay") == "12"
        assert store.get_checkpoint("projection") == "3"

    def test_a_checkpoint_is_seen_by_another_store(self, open_store: OpenStore) -> None:
        first, second = open_store(), open_store()
        first.put_checkpoint("relay", "5")
        assert second.get_checkpoint("relay") == "5"

    def test_a_reopened_store_sees_everything(self, open_store: OpenStore) -> None:
        before = open_store()
        appended = append(before, "school-1/pledge/a", 0, pledges(2)).envelopes
        keyed = StoredCommand("key-1", "fingerprint", {"id": "a"})
        append(before, "school-1/pledge/b", 0, [pledge()], command=keyed)
        before.put_checkpoint("relay", "2")
        everything = before.read_all()
        before.close()

        after = open_store()
        assert after.read_all() == everything
        assert list(appended) == everything[:2]
        assert after.stream_version("school-1/pledge/a") == 2
        assert after.head_position() == 3
        assert after.recall("key-1", "fingerprint") == keyed
        assert after.get_checkpoint("relay") == "2"
        assert append(after, "school-1/pledge/a", None, [pledge()], command=keyed).replayed
        result = append(after, "school-1/pledge/a", 2, [pledge()])
        assert [(e.stream_version, e.position) for e in result.envelopes] == [(3, 4)]

    def test_chinese_text_round_trips(self, open_store: OpenStore) -> None:
        event = PledgeMade(member_id="党员-李", text="坚持“三会一课”,带头学习 ✓")
        stream = "第一中学/承诺/党员-李"
        writer = open_store()
        (written,) = append(
            writer, stream, 0, [PendingEvent(event)], context=CHINESE, partition_key="党员-李"
        ).envelopes
        writer.close()

        (read,) = open_store().read_stream(stream)
        assert read == written
        assert read.data == {"member_id": "党员-李", "text": "坚持“三会一课”,带头学习 ✓"}
        assert (read.school_id, read.actor.id, read.partition_key) == (
            "第一中学",
            "书记-王",
            "党员-李",
        )
        assert (read.correlation_id, read.causation_id) == ("关联-1", "原因-1")
        assert Envelope.from_json(read.to_json()) == read
