"""A client nobody here wrote reads the suite's topics: Debian's kcat (librdkafka) against
Apache Kafka, after some archives commands and a close. Each record's key is the member the
event concerns, its headers name the event type and schema version (on the evaluations topic
too, which scoring writes), and its value is the JSON envelope those headers describe.
(kcat cannot read Tansu: its first ApiVersions request fails there.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest
from processes import Processes
from rounds import published_once
from school import School, Stubs
from test_publication_standings import PERIOD, complete_month

from contracts.topics import ARCHIVES, EVALUATIONS

pytestmark = [pytest.mark.apache_kafka, pytest.mark.timeout(300)]

ROSTER = {"m01": "b1", "m02": "b1"}


def kcat(servers: str, topic: str) -> list[dict[str, Any]]:
    """Every record of `topic` as kcat's JSON (-J): key, headers (a flat name, value list),
    payload; it exits at the end of the topic (-e)."""
    binary = shutil.which("kcat")
    assert binary is not None, "kcat is missing: `make kafka` installs Debian's kcat"
    done = subprocess.run(
        [binary, "-C", "-b", servers, "-t", topic, "-o", "beginning", "-e", "-J", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def headers(record: dict[str, Any]) -> dict[str, str]:
    flat = record.get("headers") or []
    return dict(zip(flat[::2], flat[1::2], strict=True))


def check(record: dict[str, Any]) -> dict[str, Any]:
    """The record's envelope, once its key and headers agree with it."""
    envelope = json.loads(record["payload"])
    named = headers(record)
    assert record["key"] == envelope["partition_key"], record
    assert named["event_type"] == envelope["event_type"], record
    assert named["schema_version"] == str(envelope["schema_version"]), record
    assert named["event_id"] == envelope["event_id"], record
    assert named["stream_id"] == envelope["stream_id"], record
    assert {"school_id", "stream_version", "occurred_at", "recorded_at", "actor", "data"} <= set(
        envelope
    )
    return envelope


def test_kcat_reads_keys_headers_and_envelopes_of_archives_and_evaluations(
    processes: Processes, stubs: Stubs
) -> None:
    school = School(f"kcat-{uuid.uuid4().hex[:8]}", processes.secret, stubs).found(ROSTER)
    complete_month(school, "m01")
    school.command("archives", "ClosePeriod", school.committee, period=PERIOD.id)
    [issued] = {e.event_id: e for e in published_once(processes.kafka, school.id)}.values()

    archives = [check(r) for r in kcat(processes.kafka, ARCHIVES)]
    ours = [e for e in archives if e["school_id"] == school.id]
    recorded = [e for e in ours if e["event_type"] == "PerformanceRecorded"]
    assert len(recorded) == 4 and {e["partition_key"] for e in recorded} == {"m01"}
    assert all(e["data"]["member_id"] == "m01" for e in recorded)
    assert any(e["event_type"] == "PeriodClosed" for e in ours)

    evaluations = [check(r) for r in kcat(processes.kafka, EVALUATIONS)]
    ours = [e for e in evaluations if e["school_id"] == school.id]
    assert str(issued.event_id) in {e["event_id"] for e in ours}
    updated = [e for e in ours if e["event_type"] == "EvaluationUpdated"]
    assert updated and {e["partition_key"] for e in updated} <= set(ROSTER)
