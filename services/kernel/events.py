"""Event types: frozen pydantic models, a registry by (type, schema version), upcasters.

A service declares each event once:

    @registry.event("MemberRegistered", version=2)
    class MemberRegistered(DomainEvent): ...

    @registry.upcaster("MemberRegistered", from_version=1)
    def _v1_to_v2(data: dict) -> dict: ...

Old events are never rewritten: an old payload read by newer code is upgraded on the way in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from kernel.envelope import Envelope

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
E = TypeVar("E", bound="DomainEvent")


class DomainEvent(BaseModel):
    """Base of every event body. Subclasses are registered with a name and a schema version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1


class UnknownEventType(LookupError):
    """The registry has no class for this event type (or cannot upcast to it)."""


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def event(self, name: str, *, version: int = 1) -> Callable[[type[E]], type[E]]:
        if version < 1:
            raise ValueError(f"schema versions count from 1, not {version}")

        def register(cls: type[E]) -> type[E]:
            if name in self._types and self._types[name] is not cls:
                raise ValueError(f"event type {name!r} registered twice")
            cls.event_type = name
            cls.schema_version = version
            self._types[name] = cls
            return cls

        return register

    def upcaster(self, name: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function that turns version `from_version` data into the next version."""

        def register(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return register

    def __contains__(self, name: str) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[type[DomainEvent]]:
        return iter(sorted(self._types.values(), key=lambda cls: cls.event_type))

    def merge(self, other: EventRegistry) -> EventRegistry:
        """A registry that knows both sets of types (a consumer reading several topics)."""
        merged = EventRegistry()
        for source in (self, other):
            merged._types.update(source._types)
            merged._upcasters.update(source._upcasters)
        return merged

    def upcast(self, name: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
        cls = self._types.get(name)
        if cls is None:
            raise UnknownEventType(f"unknown event type {name!r}")
        if version > cls.schema_version:
            raise UnknownEventType(
                f"{name} v{version} is newer than this code understands (v{cls.schema_version})"
            )
        while version < cls.schema_version:
            step = self._upcasters.get((name, version))
            if step is None:
                raise UnknownEventType(f"no upcaster for {name} v{version}")
            data = step(dict(data))
            version += 1
        return data

    def decode(self, envelope: Envelope) -> DomainEvent:
        data = self.upcast(envelope.event_type, envelope.schema_version, envelope.data)
        return self._types[envelope.event_type].model_validate(data)

    def write_schemas(self, directory: Path) -> list[Path]:
        """Write `<EventType>.v<N>.json` (JSON Schema) for every registered type."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for cls in self:
            schema = cls.model_json_schema()
            schema["title"] = cls.event_type
            schema["x-schema-version"] = cls.schema_version
            path = directory / f"{cls.event_type}.v{cls.schema_version}.json"
            path.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
            written.append(path)
        return written


ADDED_LATER = "x-added-later"  # JSON Schema mark of a field `added_later` made


def added_later(default: Any = "") -> Any:
    """An optional field added to an event type after it was published (same schema version):
    written only when it differs from `default`, so an event that does not use it is stored
    with the very payload it had before the field existed."""
    return Field(default=default, json_schema_extra={ADDED_LATER: True})


def _added_later(cls: type[DomainEvent]) -> dict[str, Any]:
    """The fields of `cls` added later, with their defaults (found once per class)."""
    found = _ADDED_LATER_FIELDS.get(cls)
    if found is None:
        found = _ADDED_LATER_FIELDS[cls] = {
            name: info.default
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(ADDED_LATER)
        }
    return found


_ADDED_LATER_FIELDS: dict[type, dict[str, Any]] = {}


def encode(event: DomainEvent) -> dict[str, Any]:
    """The JSON-able body of an event, as it goes into `Envelope.data`."""
    data = event.model_dump(mode="json")
    for name, default in _added_later(type(event)).items():
        if data.get(name) == default:
            del data[name]
    return data
