"""Nothing a command needs arrives as a silent default (docs/design.md#errors-on-the-wire).

proto3 sends a field left at its zero value as nothing at all, so a server can tell "unset"
from 0 or "" only when the field has presence. The published vocabulary (a tier, a lead, a
category…) travels as strings none of whose words is empty, so "" is refused as missing by
`kernel.validation.choice`. Numbers are where it bit: a lead score left unset arrived as 0,
a valid score. So every number a command takes is declared `optional` in the protos (unset is
missing: INVALID_ARGUMENT naming it), unless its zero lies outside its range and is refused as
such (a rating of 1–5, a target counted from 1).

This module walks the descriptors of all three services and lists, per command, the fields
that must be refused when left unset; the archives and pledges integration suites clear each
of them in turn over gRPC (scoring takes no command: its requests name ids and periods).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor, ServiceDescriptor

from vanguard.archives.v1 import archives_pb2
from vanguard.pledges.v1 import pledges_pb2
from vanguard.scoring.v1 import scoring_pb2

SERVICES = {
    "archives": archives_pb2.DESCRIPTOR.services_by_name["ArchiveService"],
    "pledges": pledges_pb2.DESCRIPTOR.services_by_name["PledgeService"],
    "scoring": scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"],
}
COMMAND_REPLY = "vanguard.common.v1.CommandReply"
# Fields whose value is a word of the published vocabulary (contracts/vocabulary.py).
VOCABULARY = frozenset(
    {"roles", "category", "channel", "kind", "tier", "subject", "outcome", "verdict", "lead"}
    | {"reviewer_kind"}
)
# Numbers without presence whose zero is outside their range, so unset is refused anyway.
ZERO_OUT_OF_RANGE = {
    "vanguard.pledges.v1.GiveFeedbackRequest.rating": "ratings are 1–5",
    "vanguard.pledges.v1.TargetProgress.target": "targets count from 1",
}
# Optional by design: absent means "do not check the version".
NEVER_NEEDED = frozenset({"expected_version"})
NUMBERS = frozenset(
    {
        FieldDescriptor.TYPE_DOUBLE,
        FieldDescriptor.TYPE_FLOAT,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
    }
)


@dataclass(frozen=True)
class Needed:
    """A field of a command's request that must be refused, naming `path`, when unset."""

    method: str
    path: str  # as errors name it: `scores.study`, `progress[0].percent`
    field: FieldDescriptor


def commands(service: ServiceDescriptor) -> dict[str, Any]:
    """Method name -> request descriptor of every command (a method answering CommandReply)."""
    return {
        m.name: m.input_type for m in service.methods if m.output_type.full_name == COMMAND_REPLY
    }


def leaves(descriptor: Any, prefix: str = "") -> Iterator[tuple[str, FieldDescriptor]]:
    """Every scalar field of a request, sub-messages included (the first element of a
    repeated one), with its path; the command options aside."""
    for field in descriptor.fields:
        if field.name == "options" or field.name in NEVER_NEEDED:
            continue
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            index = "[0]" if field.is_repeated else ""
            yield from leaves(field.message_type, f"{prefix}{field.name}{index}.")
        else:
            yield f"{prefix}{field.name}", field


def is_number(field: FieldDescriptor) -> bool:
    return field.type in NUMBERS


def needed(service: ServiceDescriptor) -> list[Needed]:
    """What each command must refuse when left unset: its vocabulary words and its numbers."""
    return [
        Needed(method, path, field)
        for method, request in commands(service).items()
        for path, field in leaves(request)
        if is_number(field) or field.name in VOCABULARY
    ]


def cleared(request: Any, path: str) -> Any:
    """A copy of `request` with the field at `path` (`roles`, `scores.study`,
    `progress[0].percent`) cleared, as a client that never set it would send it."""
    copy = type(request)()
    copy.CopyFrom(request)
    *parents, name = path.split(".")
    message = copy
    for part in parents:
        message = getattr(message, part.removesuffix("[0]"))
        message = message[0] if part.endswith("[0]") else message
    if message.DESCRIPTOR.fields_by_name[name].is_repeated:
        del getattr(message, name)[:]
    else:
        message.ClearField(name)
    return copy


@pytest.mark.parametrize("service", SERVICES)
def test_every_number_a_command_takes_has_presence_or_a_zero_outside_its_range(
    service: str,
) -> None:
    silent = sorted(
        f"{n.method}: {n.path}"
        for n in needed(SERVICES[service])
        if is_number(n.field)
        and not n.field.has_presence
        and n.field.full_name not in ZERO_OUT_OF_RANGE
    )
    assert not silent, "numbers that arrive as 0 when left unset:\n" + "\n".join(silent)


def test_every_field_said_to_refuse_zero_is_a_number_a_command_takes() -> None:
    numbers = {
        n.field.full_name for s in SERVICES.values() for n in needed(s) if is_number(n.field)
    }
    assert set(ZERO_OUT_OF_RANGE) <= numbers


def test_every_vocabulary_field_is_a_string_of_some_command() -> None:
    words = {n.field.name for s in SERVICES.values() for n in needed(s) if not is_number(n.field)}
    assert words == VOCABULARY
    strings = {n.field.type for s in SERVICES.values() for n in needed(s) if not is_number(n.field)}
    assert strings == {FieldDescriptor.TYPE_STRING}


def test_scoring_takes_no_command() -> None:
    """So nothing of scoring's can arrive as a default: its requests hold ids, periods and a
    rules text, each refused when empty (tests/integration/scoring)."""
    assert not commands(SERVICES["scoring"])
