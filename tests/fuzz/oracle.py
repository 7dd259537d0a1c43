"""Every RPC of the three APIs, read from the generated descriptors, one call to any of them
(a message, or raw bytes through a generic multicallable), and what must hold of its answer.

What must hold, whatever was sent:
- the status is never UNKNOWN or INTERNAL (a handler that met input it cannot take);
- a unary call ends within CALL_S (a server stream is cut by our own short deadline);
- the message is at most MESSAGE_MAX characters and names no Python internals;
- RESOURCE_EXHAUSTED comes only from the rate limiter of the public methods, which is told
  by its `retry-after-ms` trailer (kernel/grpc/errors.py adds it to RateLimited alone);
- a command (its request has `options`) that is refused writes nothing: the head positions of
  the archives and pledges event stores (GetStatus) are where they were before the call;
- a command that is accepted carried no control or bidi-override character in any of its
  texts and ids, and the id it answers has no surrounding whitespace (issue 15: ids and texts
  are trimmed or refused)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import grpc
from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, MethodDescriptor
from google.protobuf.message import Message

from fuzz.strategies import message_class
from fuzz.suite import ARCHIVES, PLEDGES, SCORING, Suite
from kernel.grpc.metadata import RETRY_AFTER
from vanguard.archives.v1 import archives_pb2
from vanguard.common.v1 import command_pb2
from vanguard.pledges.v1 import pledges_pb2
from vanguard.scoring.v1 import scoring_pb2

CALL_S = 30.0  # a unary call still unanswered after this is a hang
STREAM_S = 0.5  # a server stream: read at most one message within this, then cut it
MESSAGE_MAX = 500
INTERNALS = ("Traceback", "Error(", "Exception(", "<class '", ".py", 'File "', "object at 0x")
RATE_LIMITED = frozenset(
    {"PledgeService.GiveFeedback", "PledgeService.PublicBoard", "ArchiveService.PublicNotice"}
)
# C0 controls but tab, newline and carriage return (multi-line texts), DEL, and the bidi
# embeddings, overrides and isolates.
FORBIDDEN = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
    + ["\x7f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
)
NOT_CHECKED = frozenset({"idempotency_key"})  # stored hashed, never shown
NEVER = frozenset({grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL})
MODULES: dict[str, ModuleType] = {
    ARCHIVES: archives_pb2,
    PLEDGES: pledges_pb2,
    SCORING: scoring_pb2,
}
# Who calls: drawn per call, so a call reaches validation, not only PERMISSION_DENIED.
CALLERS = (
    "committee",
    "secretary",
    "other_secretary",
    "subject",
    "other_member",
    "public",
    "service",
    "other_school",
    "forged",
)


@dataclass(frozen=True)
class Rpc:
    service: str  # archives, pledges or scoring: which server answers it
    method: MethodDescriptor

    def __str__(self) -> str:
        return f"{self.method.containing_service.name}.{self.method.name}"

    def __repr__(self) -> str:
        return f"Rpc({self})"

    @property
    def path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def input(self) -> Descriptor:
        return self.method.input_type

    @property
    def streaming(self) -> bool:
        return self.method.server_streaming

    @property
    def command(self) -> bool:
        options = self.input.fields_by_name.get("options")
        return (
            options is not None
            and options.message_type is not None
            and options.message_type.full_name == command_pb2.CommandOptions.DESCRIPTOR.full_name
        )


def all_rpcs() -> list[Rpc]:
    return [
        Rpc(service, method)
        for service, module in MODULES.items()
        for descriptor in module.DESCRIPTOR.services_by_name.values()
        for method in descriptor.methods
    ]


def rpc_named(name: str) -> Rpc:
    """`ArchiveService.GetArchive` and the like."""
    for rpc in all_rpcs():
        if str(rpc) == name:
            return rpc
    raise KeyError(name)


@dataclass(frozen=True)
class Outcome:
    code: grpc.StatusCode
    details: str
    trailers: tuple[tuple[str, Any], ...]
    reply: Any = None  # the message a unary call answered

    def __str__(self) -> str:
        shown = self.details if len(self.details) <= 200 else f"{self.details[:200]}…"
        return f"{self.code.name} ({len(self.details)} chars): {shown!r}"


async def invoke(
    suite: Suite, rpc: Rpc, request: Message | bytes, metadata: tuple[tuple[str, str], ...]
) -> Outcome:
    """One call, a message serialized as its type or bytes sent as they are."""
    channel = suite.channels[rpc.service]
    raw = isinstance(request, bytes)
    serializer = None if raw else message_class(rpc.input).SerializeToString
    deserializer = None if raw else message_class(rpc.method.output_type).FromString
    try:
        if rpc.streaming:
            stream = channel.unary_stream(
                rpc.path, request_serializer=serializer, response_deserializer=deserializer
            )(request, metadata=metadata, timeout=STREAM_S)
            try:
                await stream.read()  # one message, or EOF: either way it answered
            finally:
                stream.cancel()
            return Outcome(grpc.StatusCode.OK, "", ())
        call = channel.unary_unary(
            rpc.path, request_serializer=serializer, response_deserializer=deserializer
        )(request, metadata=metadata, timeout=CALL_S)
        reply = await call
        return Outcome(grpc.StatusCode.OK, "", pairs(await call.trailing_metadata()), reply)
    except grpc.aio.AioRpcError as error:
        return Outcome(error.code(), error.details() or "", pairs(error.trailing_metadata()))


def pairs(metadata: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((str(key), value) for key, value in (metadata or ()))


def problems_of(rpc: Rpc, outcome: Outcome) -> list[str]:
    """What is wrong with an answer, whatever the request was."""
    found: list[str] = []
    if outcome.code in NEVER:
        found.append(f"{outcome.code.name}: the server met input it cannot take")
    if outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and not rpc.streaming:
        found.append(f"no answer within {CALL_S} s")
    if len(outcome.details) > MESSAGE_MAX:
        found.append(f"a message of {len(outcome.details)} characters (> {MESSAGE_MAX})")
    named = [marker for marker in INTERNALS if marker in outcome.details]
    if named:
        found.append(f"the message names Python internals ({', '.join(named)})")
    if outcome.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        limited = any(key == RETRY_AFTER for key, _ in outcome.trailers)
        if str(rpc) not in RATE_LIMITED or not limited:
            found.append("RESOURCE_EXHAUSTED, not from the rate limiter (no retry-after-ms)")
    return found


def texts_of(message: Message) -> list[tuple[str, str]]:
    """Every string field set in a message, nested ones too, as (field name, value)."""
    found: list[tuple[str, str]] = []
    for descriptor, value in message.ListFields():
        values = value if descriptor.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                found += texts_of(item)
            elif isinstance(item, str):
                found.append((descriptor.name, item))
    return found


def accepted_problems(request: Message | bytes, outcome: Outcome) -> list[str]:
    """What an accepted command must not have let in."""
    found: list[str] = []
    if isinstance(request, Message):
        for name, value in texts_of(request):
            bad = sorted({f"U+{ord(c):04X}" for c in value if c in FORBIDDEN})
            if bad and name not in NOT_CHECKED:
                found.append(f"accepted {name} with {', '.join(bad)}")
    reply_id = getattr(outcome.reply, "id", "")
    if isinstance(reply_id, str) and reply_id != reply_id.strip():
        found.append(f"answered an id with surrounding whitespace: {reply_id!r}")
    return found


def describe(request: Message | bytes) -> str:
    """A request on one line, long runs of one character shortened (`x×10000`)."""
    if isinstance(request, bytes):
        text = repr(request if len(request) <= 80 else request[:80] + b"...")
    else:
        text = "{" + text_format.MessageToString(request, as_one_line=True) + "}"
    return re.sub(r"(.)\1{19,}", lambda run: f"{run[1]}×{len(run[0])}", text)


async def exercise(suite: Suite, rpc: Rpc, request: Message | bytes, who: str) -> list[str]:
    """Call `rpc` as `who` and return every property the answer breaks, each naming the
    answer (empty: all hold)."""
    member = getattr(request, "member_id", None) if isinstance(request, Message) else None
    caller = suite.caller(who, member)
    before = await suite.heads() if rpc.command else None
    outcome = await invoke(suite, rpc, request, caller.metadata)
    found = problems_of(rpc, outcome)
    if rpc.command and outcome.code == grpc.StatusCode.OK:
        suite.wrote = True
        found += accepted_problems(request, outcome)
    if before is not None and outcome.code != grpc.StatusCode.OK:
        after = await suite.heads()
        if after != before:
            found.append(
                f"refused, yet written: store heads (archives, pledges) {before} -> {after}"
            )
    return [f"{rpc} {describe(request)} as {who} -> {outcome}: {problem}" for problem in found]
