"""Reading a closed month's publication through archives' gRPC API, the suite running as
processes on the real (embedded) broker: the committee reads the whole document (every member
of the roster in a standing, the lists, the digest, the source event count); anyone reads the
公示 without a token, of a closed month only; a member is refused the document. What the
archive shows is what was published: an EvaluationUpdated for the month read after the
publication changes nothing; a PublicationAmended replaces the member's entry and marks it,
the issued version still readable. The CLI shows both views and verifies the digests against
the log, exiting 1 when a document on it does not match."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import grpc
import pytest
from kafka import KafkaProducer
from processes import Processes
from school import School, Stubs
from test_publication_standings import PERIOD, assess, complete_month, until

from contracts.digests import content_digest, verify_payload
from contracts.periods import periods_of
from contracts.registry import published
from contracts.topics import EVALUATIONS
from kernel.envelope import Envelope
from kernel.grpc.client import field_of
from kernel.relay import headers_of
from kernel.topic_reader import envelopes_on
from kernel.topics import ensure_topics
from vanguard.archives.v1 import archives_pb2 as apb

pytestmark = pytest.mark.timeout(300)

ROSTER = {"m01": "b1", "m02": "b1", "m03": "b1"}
OPEN_MONTH = periods_of(date.today())[0]
VANGUARD = str(Path(sys.executable).with_name("vanguard"))
REGISTRY = published()


@dataclass
class Closed:
    school: School
    issued: Envelope  # the PublicationIssued on the topic, as stored


def on_topic(kafka: str, school: str, event_type: str) -> list[Envelope]:
    return [
        e
        for e in envelopes_on(kafka, EVALUATIONS)
        if e.school_id == school and e.event_type == event_type
    ]


@pytest.fixture(scope="module")
def closed(processes: Processes, stubs: Stubs) -> Closed:
    """A month lived by three members (complete, provisional, no activity) and closed; the
    publication seen in every archive."""
    school = School(f"read-{uuid.uuid4().hex[:8]}", processes.secret, stubs).found(ROSTER)
    complete_month(school, "m01")
    assess(school, school.member("m02"), "m02", "self", 50)
    school.command("archives", "ClosePeriod", school.committee, period=PERIOD.id)
    [issued] = until(
        lambda: on_topic(processes.kafka, school.id, "PublicationIssued"),
        lambda found: len(found) == 1,
        "the publication on the topic",
    )
    until(
        lambda: [shown(school, m) for m in ROSTER],
        lambda found: all(e is not None and e.published for e in found),
        "the publication in every archive",
    )
    return Closed(school, issued)


def shown(school: School, member: str) -> apb.EvaluationEntry | None:
    month = [e for e in school.archive(member).evaluations if e.period == PERIOD.id]
    return month[0] if month else None


def publication(school: School, caller: Any = None, period: str = PERIOD.id) -> apb.Publication:
    request = apb.GetPublicationRequest(school_id=school.id, period=period)
    return school.stubs.archives.GetPublication(  # type: ignore[no-any-return]
        request, metadata=caller or school.committee, timeout=10
    )


def notice(school: School, period: str = PERIOD.id) -> apb.Notice:
    request = apb.PublicNoticeRequest(school_id=school.id, period=period)
    return school.stubs.archives.PublicNotice(request, timeout=10)  # type: ignore[no-any-return]


def refusal(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as refused:
        call()
    return refused.value


def publish(kafka: str, envelope: Envelope) -> None:
    """Put one envelope on the evaluations topic as scoring's producer would."""
    REGISTRY.decode(envelope)  # a valid event of the published language
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all")
    try:
        producer.send(
            EVALUATIONS,
            key=envelope.partition_key.encode(),
            value=envelope.model_dump_json().encode(),  # a copy: not the bytes it was read from
            headers=headers_of(envelope),
        ).get(timeout=10)
    finally:
        producer.close()


def test_the_committee_reads_every_roster_member_the_lists_and_the_digest(
    closed: Closed,
) -> None:
    read = publication(closed.school)
    data = closed.issued.data
    [version] = read.versions
    assert read.current == version
    assert (version.event_id, version.event_type, version.version) == (
        str(closed.issued.event_id),
        "PublicationIssued",
        1,
    )
    assert (version.period, version.kind, version.publication) == (
        PERIOD.id,
        "month",
        "monthly_publication",
    )
    assert [(e.member_id, e.name, e.branch_id, e.standing) for e in version.entries] == [
        ("m01", "教师m01", "b1", "complete"),
        ("m02", "教师m02", "b1", "provisional"),
        ("m03", "教师m03", "b1", "no_activity"),
    ]
    m01, m02, m03 = version.entries
    assert (m01.composite, m01.stars) == (100.0, 5)
    assert (m02.composite, m02.HasField("stars"), list(m02.missing)) == (
        10.0,
        False,
        ["peer_public", "committee"],
    )
    assert not m03.HasField("composite") and not m03.HasField("stars")
    assert list(version.commendations) == ["m01"]
    assert [(f.member_id, f.name, f.reason) for f in version.follow_up] == [
        ("m03", "教师m03", "no_activity")
    ]
    assert (version.digest, version.inputs_digest, version.input_events) == (
        data["digest"],
        data["inputs_digest"],
        data["input_events"],
    )
    assert version.input_events > 0 and verify_payload(data)
    assert version.rules_version == data["rules_version"]


def test_only_the_committee_reads_the_document_of_a_published_period(closed: Closed) -> None:
    school = closed.school
    for caller in (school.member("m01"), school.secretary("m01")):
        denied = refusal(lambda caller=caller: publication(school, caller))
        assert denied.code() is grpc.StatusCode.PERMISSION_DENIED
    malformed = refusal(lambda: publication(school, period="2026-13"))
    assert (malformed.code(), field_of(malformed)) == (grpc.StatusCode.INVALID_ARGUMENT, "period")
    unpublished = refusal(lambda: publication(school, period=OPEN_MONTH.id))
    assert (unpublished.code(), field_of(unpublished)) == (grpc.StatusCode.NOT_FOUND, "period")


def test_anyone_reads_the_notice_of_a_closed_month_without_a_token(closed: Closed) -> None:
    shown_notice = notice(closed.school)
    assert (shown_notice.period, shown_notice.digest, shown_notice.event_id) == (
        PERIOD.id,
        closed.issued.data["digest"],
        str(closed.issued.event_id),
    )
    assert [
        (e.name, e.branch_name, e.standing, e.stars if e.HasField("stars") else None, e.commended)
        for e in shown_notice.entries
    ] == [
        ("教师m01", "语文教研室党支部", "complete", 5, True),
        ("教师m02", "语文教研室党支部", "provisional", None, False),
        ("教师m03", "语文教研室党支部", "no_activity", None, False),
    ]
    still_open = refusal(lambda: notice(closed.school, OPEN_MONTH.id))
    assert (still_open.code(), field_of(still_open)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "period",
    )
    quarter = refusal(lambda: notice(closed.school, f"{PERIOD.start.year}-Q1"))
    assert (quarter.code(), field_of(quarter)) == (grpc.StatusCode.INVALID_ARGUMENT, "period")


def test_an_evaluation_read_after_the_publication_changes_nothing_shown(
    processes: Processes, closed: Closed
) -> None:
    """Whether scoring still sends one (a late fact) or one sent before the close is read
    after it: the archive shows the published 100.0 / 5★, not the update's 57.0 / 0★."""
    school = closed.school
    last = max(
        (
            e
            for e in on_topic(processes.kafka, school.id, "EvaluationUpdated")
            if e.data["member_id"] == "m01" and e.data["period"] == PERIOD.id
        ),
        key=lambda e: e.stream_version,
    )
    late = last.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "stream_version": last.stream_version + 1,  # the stream's next: applied in order
            "data": {**last.data, "composite": 57.0, "stars": 0, "follow_up": True},
        }
    )
    events_before = school.archive("m01").events
    publish(processes.kafka, late)
    until(lambda: school.archive("m01").events, lambda n: n > events_before, "the late update")
    after = shown(school, "m01")
    assert after is not None
    assert (after.standing, after.composite, after.stars, after.published, after.amended) == (
        "complete",
        100.0,
        5,
        True,
        False,
    )
    assert publication(school).current.entries[0].composite == 100.0


def amendment_of(issued: Envelope, appeal_id: str) -> Envelope:
    """What scoring issues for an upheld appeal about m02: their entry recomputed (here:
    complete, 80.0 / 3★), every other entry as issued, linked to the issued version."""
    data = dict(issued.data)
    entries = [dict(e) for e in data["entries"]]
    entries[1] = {**entries[1], "standing": "complete", "composite": 80.0, "stars": 3}
    entries[1]["missing"] = []
    fields = {
        **{k: v for k, v in data.items() if k != "digest"},
        "entries": entries,
        "amends": str(issued.event_id),
        "amends_digest": data["digest"],
        "appeal_id": "appeal-1",
        "member_id": "m02",
    }
    return issued.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "event_type": "PublicationAmended",
            "schema_version": 1,
            "stream_version": issued.stream_version + 1,
            "partition_key": "m02",
            "data": {**fields, "digest": content_digest(fields)},
        }
    )


def test_an_amendment_replaces_the_members_entry_and_the_issued_one_stays_readable(
    processes: Processes, closed: Closed
) -> None:
    school = closed.school
    amendment = amendment_of(closed.issued, "appeal-1")
    publish(processes.kafka, amendment)
    corrected = until(
        lambda: shown(school, "m02"),
        lambda e: e is not None and e.amended,
        "the amendment in the archive",
    )
    assert corrected is not None
    assert (corrected.standing, corrected.composite, corrected.stars, corrected.appeal_id) == (
        "complete",
        80.0,
        3,
        "appeal-1",
    )
    read = publication(school)
    issued, amended = read.versions
    assert read.current == amended
    assert (amended.event_type, amended.amends, amended.appeal_id, amended.member_id) == (
        "PublicationAmended",
        str(closed.issued.event_id),
        "appeal-1",
        "m02",
    )
    assert amended.digest == amendment.data["digest"] != issued.digest
    m02_then, m02_now = issued.entries[1], amended.entries[1]
    assert (m02_then.standing, m02_then.amended) == ("provisional", False)
    assert (m02_now.standing, m02_now.stars, m02_now.amended, m02_now.appeal_id) == (
        "complete",
        3,
        True,
        "appeal-1",
    )
    assert [e.amended for e in notice(school).entries] == [False, True, False]


# -- the CLI -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli(processes: Processes, closed: Closed) -> Iterator[Any]:
    env = {**processes.environment(), "VANGUARD_SCHOOL": closed.school.id, "COLUMNS": "240"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VANGUARD, *args], env=env, capture_output=True, text=True, timeout=60
        )

    yield run


def test_the_cli_shows_the_publication_and_the_notice_and_verifies_the_log(
    processes: Processes, closed: Closed, cli: Any
) -> None:
    shown_doc = cli("publication", "show", PERIOD.id)
    assert shown_doc.returncode == 0, shown_doc.stderr
    read = publication(closed.school)
    assert all(v.digest in shown_doc.stdout for v in read.versions)
    assert "教师m03" in shown_doc.stdout
    public = cli("publication", "notice", PERIOD.id, "--json")
    assert public.returncode == 0, public.stderr
    assert "composite" not in public.stdout and "教师m01" in public.stdout
    refused = cli("publication", "notice", OPEN_MONTH.id)
    assert refused.returncode == 9 and "period" in refused.stderr  # FAILED_PRECONDITION

    verified = cli("publication", "verify", PERIOD.id)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    lines = verified.stdout.splitlines()
    assert lines and all(line.startswith("match") for line in lines)
    assert str(closed.issued.event_id) in verified.stdout


def test_verify_exits_1_when_a_document_on_the_log_does_not_match(
    processes: Processes, closed: Closed, cli: Any
) -> None:
    """A copy of the log where the issued publication says 99.0 for m01 under the digest of
    100.0: the inspector's command says which document and exits 1."""
    topic = f"tampered-{uuid.uuid4().hex[:8]}"
    ensure_topics(processes.kafka, (topic,), partitions=1)
    data = dict(closed.issued.data)
    data["entries"] = [{**data["entries"][0], "composite": 99.0}, *data["entries"][1:]]
    tampered = closed.issued.model_copy(update={"data": data})
    producer = KafkaProducer(bootstrap_servers=processes.kafka, acks="all")
    try:
        producer.send(topic, key=b"m01", value=tampered.model_dump_json().encode()).get(10)
    finally:
        producer.close()
    verified = cli("publication", "verify", PERIOD.id, "--topic", topic)
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert verified.stdout.startswith("MISMATCH") and str(closed.issued.event_id) in verified.stdout
