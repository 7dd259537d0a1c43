"""The three services running for real for the fuzz suite, and the school they are fuzzed in.

Archives and pledges run in the test module's event loop as the pledges integration kit
starts them; scoring is `python -m scoring` as the scoring kit starts it. All three share a
broker of the module's own: scoring waits for every archives store position it sees, so it
must not see another test's archives."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from integration.pledges.pledges_kit import (
    CALL_S,
    VISIBLE,
    Caller,
    School,
)
from integration.scoring.scoring_kit import ScoringProcess

from fuzz.strategies import Seeded
from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.common.v1 import status_pb2
from vanguard.pledges.v1 import pledges_pb2 as ppb

HEALTH_WAIT_S = 10.0  # how long a service may take to say SERVING again after a batch
RELAY_WAIT_S = 10.0  # how long the relays may take to publish what a batch wrote
# After the relays published, how long scoring gets to take the events in before its health
# is asked: a crash on an event shows in the batch that wrote it, not in a later one. A crash
# slower than this shows in a later batch (or the last one), never not at all.
SCORING_GRACE_S = 1.0
ARCHIVES, PLEDGES, SCORING = "archives", "pledges", "scoring"
SPARE_MEMBER = "m-spare"


@dataclass
class Suite:
    """Channels to the three services (by service name), the seeded school and its callers."""

    school: School
    scoring: ScoringProcess
    scoring_channel: grpc.aio.Channel
    seeded: Seeded = field(init=False)
    wrote: bool = False  # a command was accepted since the last health check
    down: set[str] = field(default_factory=set)  # found not serving: asked once, not waited for
    # The worker process (relay, projections) of archives and pledges, as last seen: the
    # server replaces one that died within a second, so a changed id is how a crash shows.
    workers: dict[str, int | None] = field(default_factory=dict)

    def __repr__(self) -> str:  # hypothesis prints it with every failing example
        return f"Suite(school={self.school.id!r})"

    @property
    def channels(self) -> Mapping[str, grpc.aio.Channel]:
        return {
            ARCHIVES: self.school.archives.channel,
            PLEDGES: self.school.pledges.channel,
            SCORING: self.scoring_channel,
        }

    # -- who calls -------------------------------------------------------------------------

    def caller(self, who: str, member: str | None = None) -> Caller:
        """A principal by the fuzz's name for it. `member`: the member a request concerns,
        who is the subject of the `subject` caller."""
        school = self.school
        members = self.seeded.members
        if who == "committee":
            return school.committee
        if who == "secretary":  # of the first branch; member m-chen as well
            return school.secretary(self.seeded.branches[0])
        if who == "other_secretary":
            return school.secretary(self.seeded.branches[1])
        if who == "subject":
            known = member in members or member == self.seeded.spare[0]
            return school.member(member if member and known else members[0])
        if who == "other_member":
            return school.member(members[-1])
        if who == "service":
            return school.caller(Role.SERVICE, "fuzz-service")
        if who == "other_school":
            return school.caller(Role.COMMITTEE, "committee-1", school="school-elsewhere")
        if who == "forged":
            return Caller("forged", Role.COMMITTEE, "x", (("authorization", "Bearer not.a.jwt"),))
        if who == "public":
            return school.anonymous
        raise ValueError(f"no caller named {who!r}")

    # -- what the services say about themselves ---------------------------------------------

    async def statuses(self) -> tuple[status_pb2.ServiceStatus, status_pb2.ServiceStatus]:
        """GetStatus of archives and pledges, the services with event stores."""
        committee = self.school.committee.metadata
        answers: list[status_pb2.ServiceStatus] = []
        for name, service in ((ARCHIVES, "ArchiveService"), (PLEDGES, "PledgeService")):
            answers.append(
                await self.channels[name].unary_unary(
                    f"/vanguard.{name}.v1.{service}/GetStatus",
                    request_serializer=status_pb2.GetStatusRequest.SerializeToString,
                    response_deserializer=status_pb2.ServiceStatus.FromString,
                )(status_pb2.GetStatusRequest(), metadata=committee, timeout=CALL_S)
            )
        return answers[0], answers[1]

    async def heads(self) -> tuple[int, int]:
        """The last positions of the archives and pledges event stores."""
        archives, pledges = await self.statuses()
        return archives.head_position, pledges.head_position

    async def settle(self, grace_s: float = SCORING_GRACE_S) -> None:
        """If a command was accepted since the last call: wait until both relays have
        published everything (or RELAY_WAIT_S passed), then give scoring `grace_s`."""
        if not self.wrote:
            return
        self.wrote = False
        deadline = asyncio.get_running_loop().time() + RELAY_WAIT_S
        while asyncio.get_running_loop().time() < deadline:
            statuses = await self.statuses()
            if all(s.published_position >= s.head_position for s in statuses):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(grace_s)

    async def not_serving(self) -> list[str]:
        """What is wrong with the services: health not SERVING within HEALTH_WAIT_S, scoring's
        process gone, a worker process of archives or pledges replaced, a projection unhealthy."""
        problems: list[str] = []
        for name, channel in self.channels.items():
            if name == SCORING and self.scoring.process is not None:
                code = self.scoring.process.poll()
                if code is not None:
                    self.down.add(name)
                    problems.append(f"scoring exited with code {code}: {self.scoring_log_tail()}")
                    continue
            answer = await _health(channel, 0.0 if name in self.down else HEALTH_WAIT_S)
            if answer != "SERVING":
                self.down.add(name)
                log = f"; its log ends:\n{self.scoring_log_tail()}" if name == SCORING else ""
                problems.append(f"{name}: {answer}{log}")
        if not {ARCHIVES, PLEDGES} & self.down:
            problems += await self.workers_problems()
        return problems

    def worker_pids(self) -> dict[str, int | None]:
        pids: dict[str, int | None] = {}
        for name, running in ((ARCHIVES, self.school.archives), (PLEDGES, self.school.pledges)):
            workers = running.runtime.workers
            pids[name] = workers.pid if workers is not None else None
        return pids

    async def workers_problems(self) -> list[str]:
        """Worker processes that died since the last look, and projections that do not say
        healthy (their last poll worked, they hold a stable share) within HEALTH_WAIT_S."""
        problems: list[str] = []
        now = self.worker_pids()
        for name, pid in now.items():
            if pid != self.workers.get(name):
                problems.append(
                    f"{name}'s worker process died (pid {self.workers.get(name)} replaced by {pid})"
                )
        self.workers = now
        deadline = asyncio.get_running_loop().time() + HEALTH_WAIT_S
        while True:
            unhealthy = [
                f"{status.service} projection {projection.name}"
                for status in await self.statuses()
                for projection in status.projections
                if not projection.healthy
            ]
            if not unhealthy or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        problems += [f"{what} is not healthy" for what in unhealthy]
        return problems

    def scoring_log_tail(self, lines: int = 15) -> str:
        try:
            text = self.scoring.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- the seeded school -------------------------------------------------------------------

    async def seed(self) -> Seeded:
        """Beyond the kit's school (two branches, five members, one of whom left): a pending
        and a verified record, a model post held, an appeal, an assessment, a submitted, a
        published and a reported pledge, and feedback awaiting review."""
        school = self.school
        committee = school.committee
        archives = school.archives_stub

        async def record(member: str, description: str) -> str:
            reply = await archives.RecordPerformance(
                apb.RecordPerformanceRequest(
                    school_id=school.id,
                    member_id=member,
                    category="duty_performance",
                    channel="branch_investigation",
                    occurred_on=date.today().isoformat(),
                    description=description,
                    evidence=["doc-2026-117"],
                    claimed_points=5.0,
                    options=VISIBLE,
                ),
                metadata=committee.metadata,
                timeout=CALL_S,
            )
            return str(reply.id)

        pending = await record("m-wang", "公开课《荷塘月色》获校级一等奖")
        verified = await record("m-zhao", "指导学生竞赛获奖")
        await archives.VerifyRecord(
            apb.VerifyRecordRequest(
                school_id=school.id, record_id=verified, awarded_points=4.0, options=VISIBLE
            ),
            metadata=committee.metadata,
            timeout=CALL_S,
        )

        async def post_held_by(member: str) -> str:
            post = await archives.EstablishModelPost(
                apb.EstablishModelPostRequest(
                    school_id=school.id,
                    name="党员班主任示范岗",
                    kind="head_teacher",
                    criteria="班级管理",
                    options=VISIBLE,
                ),
                metadata=committee.metadata,
                timeout=CALL_S,
            )
            await archives.AssignMemberToPost(
                apb.AssignMemberToPostRequest(
                    school_id=school.id,
                    post_id=post.id,
                    member_id=member,
                    assigned_on="2025-09-01",
                    options=VISIBLE,
                ),
                metadata=committee.metadata,
                timeout=CALL_S,
            )
            return str(post.id)

        post = await post_held_by("m-wang")
        # The spare member (and their post) is left to the explicit cases: the fuzz draws
        # neither, so what it did before cannot change what a case meets.
        await archives.RegisterMember(
            apb.RegisterMemberRequest(
                school_id=school.id,
                member_id=SPARE_MEMBER,
                name="孙备",
                branch_id="b-maths",
                roles=["teacher"],
                joined_party_on="2012-07-01",
                options=VISIBLE,
            ),
            metadata=committee.metadata,
            timeout=CALL_S,
        )
        spare_post = await post_held_by(SPARE_MEMBER)
        appeal = await archives.FileAppeal(
            apb.FileAppealRequest(
                school_id=school.id,
                member_id="m-wang",
                subject="record",
                subject_id=pending,
                reason="请复核",
                options=VISIBLE,
            ),
            metadata=school.member("m-wang").metadata,
            timeout=CALL_S,
        )
        submitted = (await school.make("m-zhao")).id
        published = await school.published("m-wang")
        reported = await school.reported(member_id="m-li")
        report = (await school.get(reported)).reports[0].report_id
        feedback = await school.stub.GiveFeedback(
            ppb.GiveFeedbackRequest(
                school_id=school.id,
                pledge_id=published,
                rating=4,
                text="老师很负责",
                reviewer_kind="parent",
                options=VISIBLE,
            ),
            timeout=CALL_S,
        )
        self.seeded = Seeded(
            school=school.id,
            members=("m-wang", "m-li", "m-chen", "m-zhao", "m-left"),
            branches=("b-chinese", "b-maths"),
            pledges=(published, reported, submitted),
            records=(pending, verified),
            reports=(report,),
            posts=(post,),
            appeals=(str(appeal.id),),
            feedback=(str(feedback.id),),
            spare=(SPARE_MEMBER, spare_post),
        )
        self.workers = self.worker_pids()
        return self.seeded


async def _health(channel: grpc.aio.Channel, wait_s: float) -> str:
    """SERVING, or the last answer (a status name or an error code) after `wait_s`."""
    stub = health_pb2_grpc.HealthStub(channel)
    deadline = asyncio.get_running_loop().time() + wait_s
    answer = "no answer"
    while True:
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2.0)
            answer = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        except grpc.aio.AioRpcError as error:
            answer = error.code().name
        if answer == "SERVING" or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.2)
