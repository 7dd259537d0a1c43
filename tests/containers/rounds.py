"""One fault round, shared by the container suite (test_faults.py), the process-level
publication tests (tests/integration/faults) and `make soak` (soak.py).

A fault-free school lives a seeded story and closes its month; a second school lives the same
story and closes the month while one part of the suite (a service or the broker) is SIGKILLed
at a seeded point and started again 0.5–3 s later:

- `load`: before a seeded command of the story;
- `before_close`: after the story, just before the close is requested (so the close is
  requested while the part is down: through a retried command if it is archives);
- `during_close`: 0–1 s after the close was acknowledged, while the publication is collected;
- `after_close`: once the publication is on the topic.

Then, once the suite has settled (bounded waits), the round counts what went wrong:
acknowledged records, pledges and assessments missing from the archive (`lost`) or in it more
than once (`duplicated`); evaluations unlike the fault-free school's; and publications: the
close must end with exactly one distinct PublicationIssued event id on the topic (`missing`
when none, `extra` for every other id), its content that of the fault-free close.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import grpc
from kafka import KafkaConsumer, TopicPartition
from school import MEMBERS, MONTH, School, Stubs, comparable

from contracts.scoring import PublicationIssued, registry
from contracts.topics import EVALUATIONS
from kernel.envelope import Envelope
from scoring.domain.publication import verify_digest
from vanguard.scoring.v1 import scoring_pb2 as spb

POINTS = ("load", "before_close", "during_close", "after_close")
LOAD_MEMBERS = 3  # members whose whole story is the load of one round (~70 commands)
SETTLE_S = 90.0  # a healthy round settles in under 30 s
PUBLISHED_S = 90.0  # how long a close may take to be published after the suite is back
PARTITIONS = 3
READ_S = 20.0  # the longest one read of the evaluations topic takes


class Parts(Protocol):
    """What a round needs of the suite: containers (suite.Suite) or processes."""

    @property
    def kafka(self) -> str: ...

    secret: str

    def kill(self, name: str) -> None: ...

    def start_again(self, name: str) -> None: ...

    def wait_ready(self, name: str) -> None: ...


@dataclass
class Tally:
    """What went wrong, summed over rounds; every field must stay 0."""

    lost: int = 0
    duplicated: int = 0
    wrong_evaluations: int = 0
    missing_publications: int = 0
    extra_publications: int = 0
    wrong_publications: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def clean(self) -> bool:
        return all(getattr(self, f.name) == 0 for f in fields(self))

    def __str__(self) -> str:
        return ", ".join(
            f"{f.name.replace('_', ' ')} {getattr(self, f.name)}" for f in fields(self)
        )


@dataclass
class Round:
    target: str
    point: str
    seed: int
    school_id: str = ""  # the faulted school
    tally: Tally = field(default_factory=Tally)
    problems: list[str] = field(default_factory=list)
    summary: str = ""


class Fault:
    """Kills `target` (now, or before load command `at`) and starts it again `down_s` later,
    from a thread, while the round goes on and retries."""

    def __init__(self, parts: Parts, target: str, down_s: float, at: int | None = None) -> None:
        self.parts, self.target, self.down_s, self.at = parts, target, down_s, at
        self.restarted: threading.Timer | None = None

    def __call__(self, n: int) -> None:
        if n == self.at:
            self.now()

    def now(self) -> None:
        if self.restarted is not None:
            return
        self.parts.kill(self.target)
        self.restarted = threading.Timer(self.down_s, self.parts.start_again, [self.target])
        self.restarted.start()

    def recovered(self) -> None:
        assert self.restarted is not None, f"the round ended before the fault ({self.at})"
        self.restarted.join()
        self.parts.wait_ready(self.target)


def fault_after(founded: int, fault: Fault) -> Callable[[int], None]:
    """Number the load's commands from 1 (the founding commands before it do not count)."""
    return lambda n: fault(n - founded + 1)


def evaluation_of(school: School, member: str) -> spb.Evaluation | None:
    """The member's evaluation, comparable; None while scoring has no event of the member yet
    (rebuilding after the broker lost everything, it answers NOT_FOUND until it has)."""
    try:
        return comparable(school.evaluation(member))
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return None


def publications(kafka: str, school: str, topic: str = EVALUATIONS) -> list[PublicationIssued]:
    """Every PublicationIssued of `school` on the log, as an inspector reads it (a
    redelivered one appears again, with the same event id)."""
    return [registry.decode(e) for e in publication_envelopes(kafka, school, topic)]  # type: ignore[misc]


def publication_envelopes(
    kafka: str,
    school: str,
    topic: str = EVALUATIONS,
    event_types: tuple[str, ...] = ("PublicationIssued",),
) -> list[Envelope]:
    """Read to the fetch highwater of every partition (never ListOffsets: Tansu answers the
    start of the last batch); none while the broker is down or the topic is being made. The
    school's envelopes of `event_types` (amendments and evaluation updates on request)."""
    consumer = KafkaConsumer(
        bootstrap_servers=kafka,
        fetch_max_wait_ms=20,
        request_timeout_ms=5000,
        allow_auto_create_topics=False,  # a lost topic is scoring's to make, with its count
    )
    found: list[Envelope] = []
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        deadline = time.monotonic() + READ_S
        while time.monotonic() < deadline and not all(
            (end := consumer.highwater(tp)) is not None and consumer.position(tp) >= end
            for tp in tps
        ):
            for records in consumer.poll(timeout_ms=100).values():
                found += [Envelope.from_json(record.value) for record in records]
    except Exception:  # the broker down or the topic being made again: none seen yet
        return []
    finally:
        consumer.close()
    return [e for e in found if e.school_id == school and e.event_type in event_types]


def wait_for(check: Callable[[], list[str]], timeout_s: float) -> list[str]:
    """Poll `check` (a list of problems) until it is empty or the time is up; the problems
    left (empty when settled)."""
    deadline = time.monotonic() + timeout_s
    while problems := check():
        if time.monotonic() > deadline:
            return problems
        time.sleep(1.0)
    return []


def published_once(kafka: str, school: str, timeout_s: float = PUBLISHED_S) -> list[Envelope]:
    """The school's publications once at least one is on the topic (or none, at the deadline),
    read again after a moment, so that one issued twice has had the time to show."""
    wait_for(lambda: [] if publication_envelopes(kafka, school) else ["none"], timeout_s)
    time.sleep(1.0)
    return publication_envelopes(kafka, school)


def close_month(school: School) -> None:
    school.command("archives", "ClosePeriod", school.committee, period=MONTH.id)


def _content(publication: PublicationIssued) -> dict[str, Any]:
    """What two schools that lived the same story must agree on (ids and digests differ)."""
    return publication.model_dump(
        exclude={"school_id", "closed_by", "close_position", "inputs_digest", "digest"}
    )


def play(
    parts: Parts,
    stubs: Stubs,
    target: str,
    point: str,
    seed: int,
    load_members: int = LOAD_MEMBERS,
) -> Round:
    rng = random.Random(f"{target}-{point}-{seed}")
    members = sorted(rng.sample(list(MEMBERS), load_members))
    story_seed = rng.randrange(1 << 30)
    played = Round(target, point, seed)
    started = time.monotonic()

    reference = School(f"sc-{uuid.uuid4().hex[:8]}", parts.secret, stubs).found()
    reference.story(members, random.Random(story_seed))
    close_month(reference)
    faulted = School(f"sc-{uuid.uuid4().hex[:8]}", parts.secret, stubs).found()
    played.school_id = faulted.id
    fault = Fault(parts, target, down_s=rng.uniform(0.5, 3.0))
    if point == "load":
        fault.at = rng.randint(1, 15 * load_members)
        faulted.before_command = fault_after(faulted.acknowledged.commands, fault)
    faulted.story(members, random.Random(story_seed))
    faulted.before_command = lambda n: None
    if point == "before_close":
        fault.now()
    close_month(faulted)  # retried while archives is down: requested while it is
    if point == "during_close":
        time.sleep(rng.uniform(0.0, 1.0))
        fault.now()
    if point == "after_close":
        published_once(parts.kafka, faulted.id)
        fault.now()
    if fault.restarted is None:  # the load ended before the seeded command: kill now
        fault.now()
    fault.recovered()

    played.problems = check(parts.kafka, reference, faulted, members, played.tally)
    ack = faulted.acknowledged
    played.summary = (
        f"{target:<8} {point:<12} seed {seed}: down {fault.down_s:.1f}s"
        + (f" from command {fault.at}" if point == "load" else "")
        + f"; {ack.commands} commands ({faulted.retries} retries), {len(members)} members, "
        f"{time.monotonic() - started:.0f}s"
    )
    return played


def check(
    kafka: str, reference: School, faulted: School, members: list[str], tally: Tally
) -> list[str]:
    """Wait (bounded) for the faulted school to agree with what was acknowledged and with the
    fault-free school, then count what does not; the problems found (empty: a clean round)."""
    problems = wait_for(lambda: faulted.archive_mismatches(members), SETTLE_S)
    problems += wait_for(
        lambda: [
            f"{m}: {faulted.archive(m).events} events, fault-free {reference.archive(m).events}"
            for m in members
            if faulted.archive(m).events != reference.archive(m).events
        ],
        SETTLE_S,
    )
    wrong = wait_for(
        lambda: [
            f"{m}: evaluation {theirs} != fault-free {ours}"
            for m in members
            if (theirs := evaluation_of(faulted, m)) != (ours := evaluation_of(reference, m))
        ],
        SETTLE_S,
    )
    problems += wrong
    tally.wrong_evaluations += len(wrong)
    count_archive(faulted, reference, members, tally)
    problems += count_publications(kafka, reference, faulted, tally)
    return problems


def count_archive(faulted: School, reference: School, members: list[str], tally: Tally) -> None:
    """Acknowledged items missing from the archive (or with another status: a change lost),
    or there more than once; and archive events beyond or short of the fault-free school's."""
    ack = faulted.acknowledged
    for member in members:
        archive = faulted.archive(member)
        records = Counter((r.record_id, r.status) for r in archive.records)
        pledges = Counter((p.pledge_id, p.status) for p in archive.pledges)
        for shown, wanted in (
            (records, {(i, s) for i, (m, s) in ack.records.items() if m == member}),
            (pledges, {(i, s) for i, (m, s) in ack.pledges.items() if m == member}),
        ):
            tally.lost += len(wanted - set(shown))
            tally.duplicated += sum(n - 1 for n in shown.values() if n > 1)
        month = [a for a in archive.assessments if a.period == MONTH.id]
        shown_counts = (
            (int(month[0].has_self), month[0].peer_reviews, month[0].public_reviews,
             int(month[0].has_committee)) if month else (0, 0, 0, 0)
        )  # fmt: skip
        wanted_counts = tuple(
            ack.assessments.get((member, tier), 0)
            for tier in ("self", "peer", "public", "committee")
        )
        for shown_n, wanted_n in zip(shown_counts, wanted_counts, strict=True):
            tally.lost += max(0, wanted_n - shown_n)
            tally.duplicated += max(0, shown_n - wanted_n)
        events, fault_free = archive.events, reference.archive(member).events
        tally.lost += max(0, fault_free - events)
        tally.duplicated += max(0, events - fault_free)


def count_publications(kafka: str, reference: School, faulted: School, tally: Tally) -> list[str]:
    """The close ends with exactly one distinct PublicationIssued id, with the fault-free
    close's content and a digest that verifies."""
    ours = {e.event_id: e for e in published_once(kafka, reference.id)}
    theirs = {e.event_id: e for e in published_once(kafka, faulted.id)}
    problems = []
    if len(ours) != 1:
        problems.append(f"the fault-free close has {len(ours)} distinct publications")
    if not theirs:
        tally.missing_publications += 1
        return [*problems, f"no publication of {faulted.id}'s close"]
    if len(theirs) > 1:
        tally.extra_publications += len(theirs) - 1
        problems.append(f"{len(theirs)} distinct publications of one close: {sorted(theirs)}")
    decoded = [registry.decode(e) for e in theirs.values()]
    reference_content = [_content(registry.decode(e)) for e in ours.values()]  # type: ignore[arg-type]
    for publication in decoded:
        assert isinstance(publication, PublicationIssued)
        if not verify_digest(publication) or _content(publication) not in reference_content:
            tally.wrong_publications += 1
            problems.append(f"publication {publication.digest[:12]} differs from the fault-free")
    return problems
