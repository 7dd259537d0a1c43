"""Hypothesis through real gRPC on every RPC of archives, pledges and scoring: hostile
requests, malformed bytes, every kind of caller. Nothing may answer UNKNOWN or INTERNAL,
leak internals, hang, write for a refused command, or stop a service (see oracle.py).

`make test` runs the `ci` profile (a few derandomized examples per RPC), `make fuzz` the
`fuzz` profile (many more, shrunk, remembered). Every failure found is kept in examples.py.

The servers keep state between examples, so Hypothesis's replay of a failing example may pass
(a command accepted once is refused the second time): such a failure is reported as a
FlakyFailure whose first exception is the failure found."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz import profiles
from fuzz.examples import FIRST, LAST, Case
from fuzz.oracle import CALLERS, Rpc, all_rpcs, exercise, rpc_named
from fuzz.strategies import Requests, malformed, message_class
from fuzz.suite import Suite
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.pledges.v1 import pledges_pb2_grpc
from vanguard.scoring.v1 import scoring_pb2_grpc

IN_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # where the services run

RPCS = all_rpcs()
BUDGET = profiles.budget()
FINAL_GRACE_S = 5.0
_requests: dict[str, Requests] = {}


def requests_of(suite: Suite) -> Requests:
    """One strategy builder per seeded school (the module's)."""
    return _requests.setdefault(suite.seeded.school, Requests(suite.seeded))


@pytest_asyncio.fixture(loop_scope="module")
async def healthy_after(suite: Suite) -> AsyncIterator[Suite]:
    """After each batch of examples, the three services still answer health SERVING, scoring's
    process still runs, and no worker process of archives or pledges died (Suite.not_serving)."""
    yield suite
    await suite.settle()
    problems = await suite.not_serving()
    assert not problems, "after this batch: " + "; ".join(problems)


def test_every_rpc_of_the_three_services_is_fuzzed() -> None:
    """The fuzzed list is the descriptors'; it must be every method the servicers define."""
    servicers = {
        "ArchiveService": archives_pb2_grpc.ArchiveServiceServicer,
        "PledgeService": pledges_pb2_grpc.PledgeServiceServicer,
        "ScoringService": scoring_pb2_grpc.ScoringServiceServicer,
    }
    expected = {
        f"{service}.{name}"
        for service, servicer in servicers.items()
        for name in vars(servicer)
        if not name.startswith("_")
    }
    assert {str(rpc) for rpc in RPCS} == expected
    assert len(RPCS) == len(expected)


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


async def run_case(suite: Suite, case: Case) -> None:
    rpc = rpc_named(case.rpc)
    if case.raw is not None:
        request: Any = case.raw
    else:
        request = message_class(rpc.input)(**_fill(case.fields, suite.seeded.placeholders()))
    problems = await exercise(suite, rpc, request, case.who)
    # Scoring's crash on an accepted event shows in the health check after this case.
    await suite.settle(grace_s=case.settle_s)
    assert not problems, f"{case.found}\n" + "\n".join(problems)


@IN_MODULE_LOOP
@pytest.mark.parametrize("case", FIRST, ids=lambda case: case.id)
async def test_found_before(healthy_after: Suite, case: Case) -> None:
    """The seeds of every failure found so far, run every time, first: on the school as it
    was seeded, as when they were found."""
    await run_case(healthy_after, case)


@IN_MODULE_LOOP
@pytest.mark.parametrize("rpc", RPCS, ids=str)
@settings(max_examples=BUDGET.requests)
@given(data=st.data())
async def test_any_request(healthy_after: Suite, rpc: Rpc, data: st.DataObject) -> None:
    suite = healthy_after
    request = data.draw(requests_of(suite).request(rpc.input), label="request")
    who = data.draw(st.sampled_from(CALLERS), label="caller")
    problems = await exercise(suite, rpc, request, who)
    assert not problems, "\n".join(problems)


@IN_MODULE_LOOP
@pytest.mark.parametrize("rpc", RPCS, ids=str)
@settings(max_examples=BUDGET.malformed)
@given(data=st.data())
async def test_malformed_bytes(healthy_after: Suite, rpc: Rpc, data: st.DataObject) -> None:
    suite = healthy_after
    valid = requests_of(suite).request(rpc.input).map(lambda m: m.SerializeToString())
    raw = data.draw(malformed(valid), label="bytes")
    who = data.draw(st.sampled_from(("committee", "public")), label="caller")
    problems = await exercise(suite, rpc, raw, who)
    assert not problems, "\n".join(problems)


@IN_MODULE_LOOP
@pytest.mark.parametrize("case", LAST, ids=lambda case: case.id)
async def test_found_before_that_crashed_a_service(healthy_after: Suite, case: Case) -> None:
    """The seeds of failures that stopped a service, after every other call."""
    await run_case(healthy_after, case)


@IN_MODULE_LOOP
async def test_the_services_outlived_every_call(suite: Suite) -> None:
    """Last: whatever the batches wrote, once scoring has had time to take it all in, the
    three services still answer SERVING (a crash slower than a batch's grace shows here)."""
    suite.wrote = True
    await suite.settle(grace_s=FINAL_GRACE_S)
    problems = await suite.not_serving()
    assert not problems, "; ".join(problems)
