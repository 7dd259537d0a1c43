"""The gRPC bootstrap over real sockets: authentication, the error table, correlation,
health, reflection, streaming and graceful shutdown.

Two services are served: the generated ArchiveService (only GetStatus implemented, public
here) and a test-only Probe, built from generic handlers so unary and streaming methods can
misbehave on request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import grpc
import pytest
from google.protobuf.wrappers_pb2 import StringValue
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from kernel import errors
from kernel.auth import current_principal, require_school
from kernel.envelope import Role
from kernel.grpc.client import bearer, channel, correlation_id_of, field_of
from kernel.grpc.server import (
    Health,
    ServiceRegistration,
    create_server,
    serve_until_signalled,
)
from kernel.tokens import TokenVerifier, issue_token
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import status_pb2

SECRET = "integration-test-secret-long-enough!!"
ARCHIVES = "vanguard.archives.v1.ArchiveService"
PROBE = "vanguard.test.v1.Probe"
GET_STATUS = f"/{ARCHIVES}/GetStatus"
SCHOOL = "school-1"


# -- the services under test ----------------------------------------------------------------


class Archives(archives_pb2_grpc.ArchiveServiceServicer):
    async def GetStatus(
        self, request: status_pb2.GetStatusRequest, context: Any
    ) -> status_pb2.ServiceStatus:
        return status_pb2.ServiceStatus(service="archives", version=current_principal().subject)


@dataclass
class Probe:
    """Each method shows one behaviour; `slow_started` lets a test catch a call in flight."""

    slow_started: asyncio.Event = field(default_factory=asyncio.Event)

    async def Whoami(self, request: StringValue, context: Any) -> StringValue:
        require_school(current_principal(), request.value)
        return StringValue(value=current_principal().subject)

    async def Fail(self, request: StringValue, context: Any) -> StringValue:
        if request.value == "Crash":
            raise RuntimeError("password=hunter2 in /srv/secret.db")
        kind, _, field_name = request.value.partition(":")
        raise getattr(errors, kind)("is not acceptable", field=field_name or None)

    async def Slow(self, request: StringValue, context: Any) -> StringValue:
        self.slow_started.set()
        await asyncio.sleep(float(request.value))
        return StringValue(value="done")

    async def Count(self, request: StringValue, context: Any) -> AsyncIterator[StringValue]:
        require_school(current_principal(), request.value)
        for number in ("1", "2", "3"):
            yield StringValue(value=number)

    async def FailMidStream(self, request: StringValue, context: Any) -> AsyncIterator[StringValue]:
        yield StringValue(value="first")
        raise errors.NotFound("no such member", field="member_id")


UNARY = ("Whoami", "Fail", "Slow")
STREAMING = ("Count", "FailMidStream")


def archives_registration() -> ServiceRegistration:
    return ServiceRegistration(
        ARCHIVES, archives_pb2_grpc.add_ArchiveServiceServicer_to_server, Archives()
    )


def add_probe(probe: Probe, server: grpc.aio.Server) -> None:
    codec: dict[str, Any] = {
        "request_deserializer": StringValue.FromString,
        "response_serializer": StringValue.SerializeToString,
    }
    factories = {
        **dict.fromkeys(UNARY, grpc.unary_unary_rpc_method_handler),
        **dict.fromkeys(STREAMING, grpc.unary_stream_rpc_method_handler),
    }
    handlers = {name: make(getattr(probe, name), **codec) for name, make in factories.items()}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(PROBE, handlers),))


@dataclass
class Served:
    server: grpc.aio.Server
    health: Health
    probe: Probe
    channel: grpc.aio.Channel

    def unary(self, method: str) -> grpc.aio.UnaryUnaryMultiCallable:
        return self.channel.unary_unary(
            f"/{PROBE}/{method}",
            request_serializer=StringValue.SerializeToString,
            response_deserializer=StringValue.FromString,
        )

    def streaming(self, method: str) -> grpc.aio.UnaryStreamMultiCallable:
        return self.channel.unary_stream(
            f"/{PROBE}/{method}",
            request_serializer=StringValue.SerializeToString,
            response_deserializer=StringValue.FromString,
        )


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    probe = Probe()
    server, port, health = await create_server(
        "127.0.0.1:0",
        [
            archives_registration(),
            ServiceRegistration(PROBE, add_probe, probe),
        ],
        verifier=TokenVerifier(SECRET),
        public_methods=frozenset({GET_STATUS}),
    )
    await server.start()
    async with channel(f"127.0.0.1:{port}") as client:
        yield Served(server, health, probe, client)
    await server.stop(None)


def token(school: str = SCHOOL, *, ttl_s: int = 60, secret: str = SECRET) -> str:
    return issue_token(secret, subject="sec-1", role=Role.SECRETARY, school=school, ttl_s=ttl_s)


async def failure(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


# -- authentication and authorization -------------------------------------------------------


async def test_a_valid_token_reaches_the_servicer_as_its_principal(served: Served) -> None:
    reply = await served.unary("Whoami")(StringValue(value=SCHOOL), metadata=bearer(token()))

    assert reply.value == "sec-1"


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ((), "needs a token"),
        (bearer(token(secret="a-forger-secret-long-enough-for-hs256")), "signature"),
        (bearer(token(ttl_s=-60)), "expired"),
        ((("authorization", "Basic c2VjOnB3"),), "Bearer <token>"),
    ],
    ids=["missing", "forged", "expired", "not-bearer"],
)
async def test_no_valid_token_is_unauthenticated(
    served: Served, metadata: tuple[tuple[str, str], ...], reason: str
) -> None:
    error = await failure(served.unary("Whoami")(StringValue(value=SCHOOL), metadata=metadata))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert reason in (error.details() or "")


async def test_a_token_for_another_school_is_permission_denied(served: Served) -> None:
    error = await failure(
        served.unary("Whoami")(StringValue(value=SCHOOL), metadata=bearer(token("school-2")))
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "school-2" in (error.details() or "")


async def test_a_public_method_admits_anonymous_callers(served: Served) -> None:
    archives = archives_pb2_grpc.ArchiveServiceStub(served.channel)

    anonymous = await archives.GetStatus(status_pb2.GetStatusRequest())
    named = await archives.GetStatus(status_pb2.GetStatusRequest(), metadata=bearer(token()))

    assert (anonymous.version, named.version) == ("anonymous", "sec-1")


async def test_a_public_method_still_rejects_a_bad_token(served: Served) -> None:
    archives = archives_pb2_grpc.ArchiveServiceStub(served.channel)

    error = await failure(
        archives.GetStatus(status_pb2.GetStatusRequest(), metadata=bearer(token(ttl_s=-60)))
    )

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_misspelt_public_method_stops_the_server_from_being_built() -> None:
    with pytest.raises(ValueError, match="GetStatsu"):
        await create_server(
            "127.0.0.1:0",
            [
                ServiceRegistration(
                    ARCHIVES, archives_pb2_grpc.add_ArchiveServiceServicer_to_server, Archives()
                )
            ],
            verifier=TokenVerifier(SECRET),
            public_methods=frozenset({f"/{ARCHIVES}/GetStatsu"}),
        )


# -- domain errors on the wire ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("InvalidArgument", grpc.StatusCode.INVALID_ARGUMENT),
        ("NotFound", grpc.StatusCode.NOT_FOUND),
        ("PreconditionFailed", grpc.StatusCode.FAILED_PRECONDITION),
        ("ConcurrencyConflict", grpc.StatusCode.ABORTED),
        ("Unauthenticated", grpc.StatusCode.UNAUTHENTICATED),
        ("PermissionDenied", grpc.StatusCode.PERMISSION_DENIED),
        ("Unavailable", grpc.StatusCode.UNAVAILABLE),
    ],
)
async def test_each_domain_error_has_its_status_code_and_names_the_field(
    served: Served, kind: str, code: grpc.StatusCode
) -> None:
    error = await failure(
        served.unary("Fail")(StringValue(value=f"{kind}:pledge.text"), metadata=bearer(token()))
    )

    assert error.code() == code
    assert error.details() == "pledge.text: is not acceptable"
    assert field_of(error) == "pledge.text"
    assert correlation_id_of(error.trailing_metadata())  # the echo survives the abort


async def test_the_field_is_a_bad_request_violation_in_the_rich_status(served: Served) -> None:
    error = await failure(
        served.unary("Fail")(StringValue(value="InvalidArgument:period"), metadata=bearer(token()))
    )

    # from_call also checks that code and message agree with the call's; an AioRpcError
    # offers the same synchronous accessors as the grpc.Call it is typed for.
    status = rpc_status.from_call(cast(grpc.Call, error))
    bad_request = error_details_pb2.BadRequest()
    assert status is not None and status.details[0].Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("period", "is not acceptable")
    ]


async def test_an_error_without_a_field_blames_none(served: Served) -> None:
    error = await failure(
        served.unary("Fail")(StringValue(value="PreconditionFailed"), metadata=bearer(token()))
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_of(error) is None


async def test_an_unexpected_exception_is_internal_and_leaks_nothing(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vanguard.grpc")
    correlation_id = f"crash-{uuid.uuid4()}"

    error = await failure(
        served.unary("Fail")(
            StringValue(value="Crash"), metadata=bearer(token(), correlation_id=correlation_id)
        )
    )

    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == f"internal error (correlation id {correlation_id})"
    [logged] = [r for r in caplog.records if r.exc_info and correlation_id in r.getMessage()]
    assert logged.exc_info is not None and "hunter2" in str(logged.exc_info[1])


# -- correlation ---------------------------------------------------------------------------


async def logged_line(caplog: pytest.LogCaptureFixture, needle: str) -> str:
    """The one call-log line naming `needle`. An aborted call sends its status before the
    server logs it, so the client may see the failure first: wait a little for the line."""
    for _ in range(100):
        lines = [r.getMessage() for r in caplog.records if r.name == "vanguard.grpc"]
        found = [line for line in lines if needle in line]
        if found:
            [line] = found
            return line
        await asyncio.sleep(0.01)
    raise AssertionError(f"no call-log line names {needle}")


async def test_the_callers_correlation_id_is_echoed_and_logged(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vanguard.grpc")
    correlation_id = f"corr-{uuid.uuid4()}"

    call = served.unary("Whoami")(
        StringValue(value=SCHOOL), metadata=bearer(token(), correlation_id=correlation_id)
    )
    await call

    assert correlation_id_of(await call.trailing_metadata()) == correlation_id
    line = await logged_line(caplog, correlation_id)
    assert line.startswith(f"/{PROBE}/Whoami OK ")
    assert line.endswith(f"correlation_id={correlation_id} subject=sec-1")


async def test_a_call_without_correlation_id_gets_a_new_one_even_when_it_fails(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vanguard.grpc")
    call = served.unary("Whoami")(StringValue(value=SCHOOL))

    await failure(call)

    correlation_id = correlation_id_of(await call.trailing_metadata())
    assert correlation_id is not None and uuid.UUID(correlation_id)
    line = await logged_line(caplog, correlation_id)
    assert " UNAUTHENTICATED " in line and line.endswith("subject=anonymous")


# -- streaming -----------------------------------------------------------------------------


async def test_a_streaming_method_is_authenticated_and_authorized(served: Served) -> None:
    count = served.streaming("Count")

    missing = await failure(_collect(count(StringValue(value=SCHOOL))))
    foreign = await failure(
        _collect(count(StringValue(value=SCHOOL), metadata=bearer(token("school-2"))))
    )
    call = count(StringValue(value=SCHOOL), metadata=bearer(token(), correlation_id="stream-1"))

    assert missing.code() == grpc.StatusCode.UNAUTHENTICATED
    assert foreign.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await _collect(call) == ["1", "2", "3"]
    assert correlation_id_of(await call.initial_metadata()) == "stream-1"


async def test_a_domain_error_mid_stream_ends_it_with_its_code_and_field(served: Served) -> None:
    call = served.streaming("FailMidStream")(StringValue(), metadata=bearer(token()))
    received = []

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for message in call:
            received.append(message.value)

    assert received == ["first"]
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert field_of(caught.value) == "member_id"


async def _collect(call: Any) -> list[str]:
    return [message.value async for message in call]


# -- health and reflection -----------------------------------------------------------------


async def test_health_starts_not_serving_and_turns_serving(served: Served) -> None:
    health = health_pb2_grpc.HealthStub(served.channel)
    watch = health.Watch(health_pb2.HealthCheckRequest(service=ARCHIVES))

    async def status_of(service: str) -> int:
        return (await health.Check(health_pb2.HealthCheckRequest(service=service))).status

    assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
    assert await status_of("") == health_pb2.HealthCheckResponse.NOT_SERVING
    await served.health.set_serving(True)

    assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
    for service in ("", ARCHIVES, PROBE):
        assert await status_of(service) == health_pb2.HealthCheckResponse.SERVING
    watch.cancel()


async def test_reflection_lists_and_describes_the_services(served: Served) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(served.channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=ARCHIVES),
    ]

    listed, described = [reply async for reply in reflection.ServerReflectionInfo(iter(requests))]

    names = {service.name for service in listed.list_services_response.service}
    assert {ARCHIVES, PROBE, "grpc.health.v1.Health"} <= names
    assert described.file_descriptor_response.file_descriptor_proto  # descriptors resolve


# -- graceful shutdown ---------------------------------------------------------------------


async def test_sigterm_drains_an_in_flight_call_before_the_server_stops(served: Served) -> None:
    await served.health.set_serving(True)
    serving = asyncio.create_task(serve_until_signalled(served.server, served.health, grace_s=5))
    slow = asyncio.ensure_future(
        served.unary("Slow")(StringValue(value="0.5"), metadata=bearer(token()))
    )
    await served.probe.slow_started.wait()

    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(0.2)  # the signal is handled; shutdown is in progress

    assert not served.health.serving
    assert not serving.done() and not slow.done()
    assert (await slow).value == "done"
    await asyncio.wait_for(serving, timeout=5)
