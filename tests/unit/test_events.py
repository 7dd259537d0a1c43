"""The event kernel: registry, typed decoding, upcasting, JSON Schemas and the envelope."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, ValidationError

from kernel.envelope import Actor, Envelope, Role
from kernel.events import DomainEvent, EventRegistry, UnknownEventType, encode

CHINA = timezone(timedelta(hours=8))


def make_registry() -> EventRegistry:
    """A fresh registry per test: registration is what several tests are about."""
    return EventRegistry()


def envelope(event_type: str, version: int, data: dict[str, Any]) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=version,
        school_id="第一中学",
        stream_id="第一中学/member/党员-李",
        stream_version=1,
        partition_key="党员-李",
        occurred_at=datetime(2025, 7, 1, 9, 30, tzinfo=CHINA),
        recorded_at=datetime(2025, 7, 1, 1, 31, 2, 654321, tzinfo=UTC),
        actor=Actor(id="书记-王", role=Role.SECRETARY),
        correlation_id="关联-1",
        causation_id=None,
        position=7,
        data=data,
    )


def pledge_registry() -> EventRegistry:
    """`PledgeMade` at v3, readable from v1 and v2 through a chain of upcasters:
    v1 {"content"} → v2 {"text"} → v3 {"text", "points"}."""
    registry = make_registry()

    @registry.event("PledgeMade", version=3)
    class PledgeMade(DomainEvent):
        member_id: str
        text: str = Field(description="承诺内容")
        points: int

    @registry.upcaster("PledgeMade", from_version=1)
    def rename_content(data: dict[str, Any]) -> dict[str, Any]:
        data["text"] = data.pop("content")
        return data

    @registry.upcaster("PledgeMade", from_version=2)
    def default_points(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "points": 0}

    return registry


class TestRegistry:
    def test_registering_names_the_class_and_its_version(self) -> None:
        registry = make_registry()

        @registry.event("MemberJoined", version=2)
        class MemberJoined(DomainEvent):
            member_id: str

        assert (MemberJoined.event_type, MemberJoined.schema_version) == ("MemberJoined", 2)
        assert "MemberJoined" in registry
        assert "MemberLeft" not in registry

    def test_registered_types_iterate_by_name(self) -> None:
        registry = make_registry()
        for name in ("RecordVerified", "AppealFiled", "PledgeMade"):
            registry.event(name)(type(name, (DomainEvent,), {}))
        assert [cls.event_type for cls in registry] == [
            "AppealFiled",
            "PledgeMade",
            "RecordVerified",
        ]

    def test_a_name_cannot_be_taken_twice(self) -> None:
        registry = make_registry()
        registry.event("PledgeMade")(type("PledgeMade", (DomainEvent,), {}))
        with pytest.raises(ValueError, match="registered twice"):
            registry.event("PledgeMade")(type("PledgeMadeAgain", (DomainEvent,), {}))

    @pytest.mark.parametrize("version", [0, -1])
    def test_schema_versions_count_from_one(self, version: int) -> None:
        with pytest.raises(ValueError, match="count from 1"):
            make_registry().event("PledgeMade", version=version)

    def test_merged_registries_know_both_sets(self) -> None:
        pledges, archives = pledge_registry(), make_registry()
        archives.event("RecordVerified")(type("RecordVerified", (DomainEvent,), {}))
        merged = pledges.merge(archives)
        assert "PledgeMade" in merged and "RecordVerified" in merged
        decoded = merged.decode(envelope("PledgeMade", 1, {"member_id": "m", "content": "学"}))
        assert decoded.model_dump() == {"member_id": "m", "text": "学", "points": 0}


class TestEvents:
    def test_an_envelope_decodes_into_its_typed_event(self) -> None:
        registry = pledge_registry()
        data = {"member_id": "党员-李", "text": "带头学习", "points": 5}

        event = registry.decode(envelope("PledgeMade", 3, data))
        assert type(event).__name__ == "PledgeMade"
        assert event.model_dump() == data
        assert encode(event) == data

    def test_events_are_frozen(self) -> None:
        event = pledge_registry().decode(
            envelope("PledgeMade", 3, {"member_id": "m", "text": "t", "points": 1})
        )
        with pytest.raises(ValidationError, match="frozen"):
            event.text = "changed"  # type: ignore[attr-defined]

    def test_extra_fields_are_rejected(self) -> None:
        registry = pledge_registry()
        data = {"member_id": "m", "text": "t", "points": 1, "unexpected": True}
        with pytest.raises(ValidationError, match="unexpected"):
            registry.decode(envelope("PledgeMade", 3, data))

    def test_an_unknown_type_is_reported(self) -> None:
        with pytest.raises(UnknownEventType, match="MemberVanished"):
            pledge_registry().decode(envelope("MemberVanished", 1, {}))

    def test_encode_gives_json_ready_data(self) -> None:
        registry = make_registry()

        @registry.event("PeriodOpened")
        class PeriodOpened(DomainEvent):
            period_id: uuid.UUID
            starts: date

        period = uuid.uuid4()
        data = encode(PeriodOpened(period_id=period, starts=date(2025, 9, 1)))
        assert data == {"period_id": str(period), "starts": "2025-09-01"}
        assert json.loads(json.dumps(data)) == data


class TestUpcasting:
    @pytest.mark.parametrize(
        ("version", "data"),
        [
            (1, {"member_id": "m", "content": "按时参加组织生活"}),
            (2, {"member_id": "m", "text": "按时参加组织生活"}),
        ],
        ids=["from-v1", "from-v2"],
    )
    def test_an_older_version_comes_out_upgraded(self, version: int, data: dict[str, Any]) -> None:
        event = pledge_registry().decode(envelope("PledgeMade", version, data))
        assert event.model_dump() == {"member_id": "m", "text": "按时参加组织生活", "points": 0}

    def test_upcasting_leaves_the_stored_envelope_untouched(self) -> None:
        old = envelope("PledgeMade", 1, {"member_id": "m", "content": "学"})
        pledge_registry().decode(old)
        assert old.data == {"member_id": "m", "content": "学"}
        assert old.schema_version == 1

    def test_the_current_version_passes_unchanged(self) -> None:
        data = {"member_id": "m", "text": "t", "points": 9}
        assert pledge_registry().upcast("PledgeMade", 3, data) == data

    def test_a_newer_version_than_the_code_knows_is_an_error(self) -> None:
        data = {"member_id": "m", "text": "t", "points": 9, "badge": "红旗"}
        with pytest.raises(UnknownEventType, match="newer than this code"):
            pledge_registry().decode(envelope("PledgeMade", 4, data))

    def test_a_missing_step_in_the_chain_is_an_error(self) -> None:
        registry = make_registry()
        registry.event("PledgeMade", version=2)(type("PledgeMade", (DomainEvent,), {}))
        with pytest.raises(UnknownEventType, match="no upcaster for PledgeMade v1"):
            registry.decode(envelope("PledgeMade", 1, {}))


class TestSchemas:
    def test_one_json_schema_per_type_with_its_version(self, tmp_path: Path) -> None:
        registry = pledge_registry()
        registry.event("RecordVerified")(type("RecordVerified", (DomainEvent,), {}))

        written = registry.write_schemas(tmp_path / "events")
        assert [p.name for p in written] == ["PledgeMade.v3.json", "RecordVerified.v1.json"]
        assert sorted(p.name for p in (tmp_path / "events").iterdir()) == [p.name for p in written]

        schema = json.loads(written[0].read_text(encoding="utf-8"))
        assert schema["title"] == "PledgeMade"
        assert schema["x-schema-version"] == 3
        assert set(schema["properties"]) == {"member_id", "text", "points"}
        assert schema["additionalProperties"] is False
        assert "承诺内容" in written[0].read_text(encoding="utf-8")


class TestEnvelope:
    def test_json_round_trip_keeps_text_ids_and_times(self) -> None:
        original = envelope("PledgeMade", 3, {"text": "坚持“三会一课”", "points": 5})

        raw = original.to_json()
        back = Envelope.from_json(raw)
        assert back == original
        assert back.event_id == original.event_id and isinstance(back.event_id, uuid.UUID)
        assert back.occurred_at.utcoffset() == timedelta(hours=8)
        assert back.recorded_at == datetime(2025, 7, 1, 1, 31, 2, 654321, tzinfo=UTC)
        assert "坚持“三会一课”" in raw.decode("utf-8")
        assert Envelope.from_json(raw.decode("utf-8")) == original

    def test_an_envelope_read_from_json_gives_back_those_bytes(self) -> None:
        raw = json.dumps(json.loads(envelope("PledgeMade", 3, {"n": 1}).to_json()), indent=1)
        received = Envelope.from_json(raw.encode())
        assert received.to_json() == raw.encode()  # what a consumer stores: as received
        copy = received.model_copy(update={"position": 7})
        assert json.loads(copy.to_json())["position"] == 7  # a copy serialises itself
        assert received == Envelope.from_json(received.model_dump_json())

    def test_naive_times_are_rejected(self) -> None:
        raw = json.loads(envelope("PledgeMade", 3, {}).to_json())
        raw["occurred_at"] = "2025-07-01T09:30:00"
        with pytest.raises(ValidationError, match="occurred_at"):
            Envelope.from_json(json.dumps(raw))

    def test_envelopes_are_frozen(self) -> None:
        with pytest.raises(ValidationError, match="frozen"):
            envelope("PledgeMade", 3, {}).stream_version = 2  # type: ignore[misc]
