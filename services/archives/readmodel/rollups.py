"""Roll-ups of a branch or the whole school (比业绩): counts and points of the active members,
computed in SQL over the member rows and the record and post entries, and members shown in
bands, never as individual ranks.

The bands of a period rank the objective points scoring published for it (`EvaluationUpdated`:
weighted by channel, capped, with pledges, feedback and post reviews), not raw points; a member
scoring published nothing for counts 0. Without a period, or before scoring has published
anything for the period's members, they fall back to verified points (as awarded, unweighted
and uncapped); `bands_by` says which.
"""

from __future__ import annotations

from typing import Any

from contracts.periods import Period
from kernel.database import Connection

BAND_LABELS = ("top quarter", "second quarter", "third quarter", "bottom quarter")

# `{members}` is the condition that picks the active members rolled up (alias `m`).
RECORD_COUNTS = """
SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.status = 'verified' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END), 0)
FROM members m JOIN member_records r USING (school_id, member_id)
WHERE {members}
"""
POSTS_HELD = """
SELECT COUNT(*) FROM members m JOIN member_posts p USING (school_id, member_id)
WHERE {members} AND p.released_on = ''
"""
# A member's verified points are on their row; within a period, they are the points of the
# verified records that occurred in it (`occurred_on` is ISO text: text order is date order).
POINTS = "SELECT m.branch_id, m.verified_points FROM members m WHERE {members}"
POINTS_IN_PERIOD = """
SELECT m.branch_id, COALESCE(SUM(r.awarded_points), 0) + 0.0
FROM members m LEFT JOIN member_records r
  ON r.school_id = m.school_id AND r.member_id = m.member_id AND r.status = 'verified'
  AND r.occurred_on >= ? AND r.occurred_on < ?
WHERE {members}
GROUP BY m.school_id, m.member_id, m.branch_id
"""
# Scoring's objective points of each member for one period; NULL where it published none.
OBJECTIVE_IN_PERIOD = """
SELECT o.points
FROM members m LEFT JOIN objective_points o
  ON o.school_id = m.school_id AND o.member_id = m.member_id AND o.period = ?
WHERE {members}
"""
BY_OBJECTIVE, BY_VERIFIED = "objective_points", "verified_points"


def bands(points: list[float]) -> list[dict[str, Any]]:
    """Members in four bands by points (比业绩 shown as bands, never as individual ranks)."""
    ordered = sorted(points, reverse=True)
    if not ordered:
        return []
    size, extra = divmod(len(ordered), 4)
    result, start = [], 0
    for index, label in enumerate(BAND_LABELS):
        count = size + (1 if index < extra else 0)
        if count == 0:
            continue
        chunk = ordered[start : start + count]
        result.append(
            {"label": label, "members": count, "min_points": chunk[-1], "max_points": chunk[0]}
        )
        start += count
    return result


def summary(
    conn: Connection, school_id: str, branch_id: str, period: Period | None
) -> dict[str, Any]:
    """Roll-up of the active members of a branch (of the whole school when branch_id is ''),
    with a line per branch for the whole school. Call inside one transaction."""
    members, args = "m.school_id = ? AND m.active = 1", [school_id]
    if branch_id:
        members += " AND m.branch_id = ?"
        args.append(branch_id)
    records, verified, pending = conn.execute(
        RECORD_COUNTS.format(members=members), args
    ).fetchone()
    (posts_held,) = conn.execute(POSTS_HELD.format(members=members), args).fetchone()
    points = _points(conn, members, args, period)
    bands_by, ranked = _ranked(conn, members, args, period, [p for _, p in points])
    return {
        "school_id": school_id,
        "branch_id": branch_id,
        "members": len(points),
        "records": records,
        "verified_records": int(verified),
        "pending_records": int(pending),
        "verified_points": round(sum(p for _, p in points), 4),
        "model_posts_held": posts_held,
        "bands": bands(ranked),
        "bands_by": bands_by,
        "branches": [] if branch_id else _branch_lines(conn, school_id, points),
    }


def _ranked(
    conn: Connection,
    members: str,
    args: list[str],
    period: Period | None,
    verified: list[float],
) -> tuple[str, list[float]]:
    """What the bands rank, and each member's figure: scoring's objective points for the
    period, else (no period, or nothing published for it yet) the verified points."""
    if period is not None:
        rows = conn.execute(OBJECTIVE_IN_PERIOD.format(members=members), [period.id, *args])
        published = [points for (points,) in rows]
        if any(points is not None for points in published):
            return BY_OBJECTIVE, [round(points or 0.0, 4) for points in published]
    return BY_VERIFIED, verified


def _points(
    conn: Connection, members: str, args: list[str], period: Period | None
) -> list[tuple[str, float]]:
    """(branch_id, points) of every member rolled up."""
    if period is None:
        rows = conn.execute(POINTS.format(members=members), args)
    else:
        bounds = [period.start.isoformat(), period.end.isoformat()]
        rows = conn.execute(POINTS_IN_PERIOD.format(members=members), [*bounds, *args])
    return [(str(branch), round(total, 4)) for branch, total in rows]


def _branch_lines(
    conn: Connection, school_id: str, points: list[tuple[str, float]]
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT branch_id, name FROM branches WHERE school_id = ? ORDER BY branch_id",
        (school_id,),
    )
    return [
        {
            "branch_id": branch_id,
            "name": name,
            "members": sum(b == branch_id for b, _ in points),
            "verified_points": round(sum(p for b, p in points if b == branch_id), 4),
        }
        for branch_id, name in rows.fetchall()
    ]
