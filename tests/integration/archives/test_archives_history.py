"""The archive through time: `GetArchive(as_of)` reconstructs it from the log exactly as it
stood then, and a read model dropped and rebuilt from the log, or made by older code and so
rebuilt, is identical to the one kept live.
"""

from __future__ import annotations

import time

from archives_kit import (
    VISIBLE,
    ArchivesService,
    last_month,
    now_rfc3339,
    scores,
    this_month,
    today,
)

from kernel.database import ReadModelDatabase
from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as pb

REBUILD_S = 60.0


async def test_an_archive_as_of_a_time_is_the_archive_observed_then(
    archives: ArchivesService,
) -> None:
    await archives.found_school((("b-a", "语文支部"), ("b-b", "数学支部")))
    s, committee = archives.school, archives.committee
    observed: list[tuple[str, pb.Archive]] = []

    async def observe() -> None:
        """What a reader saw, and a moment after it and before anything else happened."""
        archive = await archives.archive("m-1")
        observed.append((now_rfc3339(), archive))

    # 1. 王小明 joins; a public report about him is filed.
    await archives.register("m-1", "王小明", "b-a")
    report = await archives.record("m-1", channel="public_report", points=4)
    await observe()
    # 2. The report is verified; he declares a study record and assesses himself.
    await archives.verify(report.id, 4)
    study = await archives.record(
        "m-1",
        caller=archives.member("m-1"),
        channel="self_declared",
        category="study_training",
        points=2,
    )
    await archives.call(
        "SubmitAssessment",
        pb.SubmitAssessmentRequest(
            school_id=s,
            member_id="m-1",
            period=this_month(),
            tier="self",
            scores=scores(80, 85, 90, 95),
            options=VISIBLE,
        ),
        archives.member("m-1"),
    )
    await observe()
    # 3. The report's points are corrected, the study record rejected; he moves branch.
    await archives.call(
        "CorrectRecord",
        pb.CorrectRecordRequest(
            school_id=s, record_id=report.id, awarded_points=3, reason="重复计分", options=VISIBLE
        ),
        committee,
    )
    await archives.call(
        "RejectRecord",
        pb.RejectRecordRequest(school_id=s, record_id=study.id, reason="学时不足", options=VISIBLE),
        committee,
    )
    await archives.call(
        "TransferMember",
        pb.TransferMemberRequest(school_id=s, member_id="m-1", to_branch_id="b-b", options=VISIBLE),
        committee,
    )
    await observe()
    # Later still: he leaves. The archive of now is none of the three.
    await archives.call(
        "RecordMemberLeft",
        pb.RecordMemberLeftRequest(
            school_id=s, member_id="m-1", left_on=today().isoformat(), options=VISIBLE
        ),
        committee,
    )
    now = await archives.archive("m-1")

    assert [a.events for _, a in observed] == [2, 5, 8]
    assert [a.verified_points for _, a in observed] == [0, 4, 3]
    assert [a.member.branch_id for _, a in observed] == ["b-a", "b-a", "b-b"]
    for moment, seen in observed:
        assert await archives.archive("m-1", as_of=moment) == seen, moment
        # As of the instant its last event was recorded, too (the bound is inclusive).
        assert await archives.archive("m-1", as_of=seen.as_of) == seen, seen.as_of
    assert now.events == 9 and not now.member.active
    assert all(now != seen for _, seen in observed)


async def school_year(archives: ArchivesService) -> None:
    """A term of a small school: every kind of event that shapes an archive."""
    s, committee = archives.school, archives.committee
    await archives.found_school((("b-a", "语文支部"), ("b-b", "数学支部")))
    names = {"m-1": "王小明", "m-2": "李红", "m-3": "欧阳·娜娜", "m-4": "张伟", "m-5": "赵敏"}
    for n, (member, name) in enumerate(names.items()):
        await archives.register(member, name, "b-a" if n < 3 else "b-b")
    for n, member in enumerate(names, start=1):
        kept = await archives.record(member, points=n)
        await archives.verify(kept.id, n)
        dropped = await archives.record(member, channel="public_report", points=1)
        await archives.call(
            "RejectRecord",
            pb.RejectRecordRequest(
                school_id=s, record_id=dropped.id, reason="不属实", options=VISIBLE
            ),
            committee,
        )
        await archives.record(
            member,
            caller=archives.member(member),
            channel="self_declared",
            category="study_training",
            points=2,
        )
    await archives.call(
        "CorrectRecord",
        pb.CorrectRecordRequest(
            school_id=s,
            record_id=(await archives.archive("m-1")).records[0].record_id,
            awarded_points=9,
            reason="补录",
            options=VISIBLE,
        ),
        committee,
    )
    post = await archives.call(
        "EstablishModelPost",
        pb.EstablishModelPostRequest(
            school_id=s, name="党员班主任示范岗", kind="head_teacher", options=VISIBLE
        ),
        committee,
    )
    for member in ("m-1", "m-4"):
        await archives.call(
            "AssignMemberToPost",
            pb.AssignMemberToPostRequest(
                school_id=s,
                post_id=post.id,
                member_id=member,
                assigned_on=today().isoformat(),
                options=VISIBLE,
            ),
            committee,
        )
    await archives.call(
        "ReviewModelPost",
        pb.ReviewModelPostRequest(
            school_id=s,
            post_id=post.id,
            member_id="m-1",
            period=this_month(),
            score=93,
            options=VISIBLE,
        ),
        committee,
    )
    await archives.call(
        "ReleaseMemberFromPost",
        pb.ReleaseMemberFromPostRequest(
            school_id=s,
            post_id=post.id,
            member_id="m-4",
            released_on=today().isoformat(),
            options=VISIBLE,
        ),
        committee,
    )
    for reviewer in ("m-2", "m-3"):
        await archives.call(
            "SubmitAssessment",
            pb.SubmitAssessmentRequest(
                school_id=s,
                member_id="m-1",
                period=this_month(),
                tier="peer",
                scores=scores(88, 88, 88, 88),
                options=VISIBLE,
            ),
            archives.member(reviewer),
        )
    await archives.call(
        "SubmitAssessment",
        pb.SubmitAssessmentRequest(
            school_id=s,
            member_id="m-1",
            period=this_month(),
            tier="public",
            scores=scores(95, 95, 95, 95),
            options=VISIBLE,
        ),
        archives.caller("parent", Role.PUBLIC, "parent-1"),
    )
    await archives.call(
        "SubmitAssessment",
        pb.SubmitAssessmentRequest(
            school_id=s,
            member_id="m-1",
            period=this_month(),
            tier="committee",
            scores=scores(90, 91, 92, 93),
            options=VISIBLE,
        ),
        committee,
    )
    await archives.call(  # an evaluation is appealed once its period is closed
        "ClosePeriod",
        pb.ClosePeriodRequest(school_id=s, period=last_month(), options=VISIBLE),
        committee,
    )
    appeal = await archives.call(
        "FileAppeal",
        pb.FileAppealRequest(
            school_id=s,
            member_id="m-2",
            subject="evaluation",
            subject_id=last_month(),
            reason="申请复核",
            options=VISIBLE,
        ),
        archives.member("m-2"),
    )
    await archives.call(
        "ResolveAppeal",
        pb.ResolveAppealRequest(
            school_id=s, appeal_id=appeal.id, outcome="dismissed", reason="维持", options=VISIBLE
        ),
        committee,
    )
    await archives.call(
        "TransferMember",
        pb.TransferMemberRequest(school_id=s, member_id="m-3", to_branch_id="b-b", options=VISIBLE),
        committee,
    )
    await archives.call(
        "RecordMemberLeft",
        pb.RecordMemberLeftRequest(
            school_id=s, member_id="m-5", left_on=today().isoformat(), options=VISIBLE
        ),
        committee,
    )


async def until_rebuilt(archives: ArchivesService) -> None:
    """Wait (bounded) until the projection holds every stream of the store at its last
    version: the rebuild has caught up with the whole log."""
    runtime = archives.runtime
    assert runtime is not None and runtime.store is not None
    heads: dict[str, int] = {}
    for envelope in runtime.store.read_all(limit=100_000):
        heads[envelope.stream_id] = envelope.stream_version
    deadline = time.monotonic() + REBUILD_S
    for stream_id, version in heads.items():
        remaining = deadline - time.monotonic()
        assert await runtime.wait_visible(stream_id, version, max(remaining, 0.0)), (
            f"{stream_id} v{version} not rebuilt within {REBUILD_S}s"
        )


async def test_a_dropped_read_model_rebuilt_from_the_log_is_identical(
    archives: ArchivesService,
) -> None:
    await school_year(archives)
    members = [m.member_id for m in await archives.all_members(page_size=2)]
    before = {m: await archives.export(m) for m in members}
    summary_before = await archives.call(
        "SchoolSummary", pb.SchoolSummaryRequest(school_id=archives.school), archives.committee
    )
    moment = now_rfc3339()  # nothing happens from here on
    m1_then = await archives.archive("m-1", as_of=moment)
    assert archives.read_model().exists()

    await archives.restart(drop_read_model=True)
    await until_rebuilt(archives)

    members_after = [m.member_id for m in await archives.all_members(page_size=2)]
    after = {m: await archives.export(m) for m in members_after}
    summary_after = await archives.call(
        "SchoolSummary", pb.SchoolSummaryRequest(school_id=archives.school), archives.committee
    )
    assert members_after == members == ["m-1", "m-2", "m-3", "m-4", "m-5"]
    for member in members:
        assert after[member].json == before[member].json, member
        assert after[member].event_ids == before[member].event_ids, member
    assert summary_after == summary_before
    assert await archives.archive("m-1", as_of=moment) == m1_then  # the history came back too
    # Rebuilt, not resumed: since the restart the projection applied the whole log again.
    runtime = archives.runtime
    assert runtime is not None and runtime.store is not None
    status = await runtime.status()
    assert sum(p.applied_events for p in status.projections) >= runtime.store.head_position()


def older_read_model(database: ReadModelDatabase) -> None:
    """Turn the archive read model into one as the code of one JSON document per archive
    made it: every stream marked applied, each member's archive a document (here a wrong
    one). Opened by today's code, it must be rebuilt from the log, not read."""
    conn = database.connect()
    try:
        conn.execute(database.begin())
        for table in database.tables(conn):
            if table != "applied_streams":
                database.drop_table(conn, table)
        conn.execute(
            "CREATE TABLE members (school_id TEXT NOT NULL, member_id TEXT NOT NULL, "
            "branch_id TEXT NOT NULL, name TEXT NOT NULL, active INTEGER NOT NULL, "
            "verified_points REAL NOT NULL, archive TEXT NOT NULL, "
            "events INTEGER NOT NULL DEFAULT 0, last_event_id TEXT NOT NULL DEFAULT '', "
            "PRIMARY KEY (school_id, member_id))"
        )
        conn.execute(
            "INSERT INTO members SELECT DISTINCT 's', 'm-1', 'b-a', 'x', 1, 0, '{}', 0, '' "
            "FROM applied_streams"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_a_read_model_made_by_older_code_is_rebuilt_from_the_log(
    archives: ArchivesService,
) -> None:
    await school_year(archives)
    moment = now_rfc3339()
    members = [m.member_id for m in await archives.all_members()]
    before = {m: await archives.export(m) for m in members}
    for member in members:  # the rows hold what the fold makes of the log
        assert await archives.archive(member) == await archives.archive(member, moment), member

    await archives.restart(while_stopped=lambda _: older_read_model(archives.read_model()))
    await until_rebuilt(archives)

    assert [m.member_id for m in await archives.all_members()] == members
    for member in members:
        after = await archives.export(member)
        assert (after.json, after.event_ids) == (before[member].json, before[member].event_ids)
