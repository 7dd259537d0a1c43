"""How the command line shows evaluations: stars only for a complete one; a provisional one
shows "—" where the stars would be, with its standing and what is missing; a member with no
activity in a published period shows neither composite nor stars."""

from __future__ import annotations

from rich.console import Console, RenderableType

from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.scoring.v1 import scoring_pb2 as spb
from vanguard_cli.archive_view import archive_view
from vanguard_cli.tables import evaluation_view


def shown(view: RenderableType) -> list[str]:
    console = Console(width=160, record=True)
    console.print(view)
    return console.export_text().splitlines()


def row(lines: list[str], period: str) -> list[str]:
    [line] = [line for line in lines if f"│ {period}" in line]
    return [cell.strip() for cell in line.strip("│ ").split("│")]


def test_the_archive_shows_stars_only_for_a_complete_evaluation() -> None:
    archive = apb.Archive(
        member=apb.Member(member_id="m1", name="王芳", branch_id="b1"),
        evaluations=[
            apb.EvaluationEntry(period="2026-09", composite=88.0, stars=3, standing="complete",
                                published=True),
            apb.EvaluationEntry(period="2026-10", composite=10.0, provisional=True,
                                standing="provisional", missing=["committee"], published=True),
            apb.EvaluationEntry(period="2026-11", standing="no_activity", published=True),
        ],
    )  # fmt: skip
    lines = shown(archive_view(archive))
    assert row(lines, "2026-09")[:3] == ["2026-09", "88.0", "★★★"]
    provisional = row(lines, "2026-10")
    assert provisional[:3] == ["2026-10", "10.0", "—"]
    assert "暂定 provisional" in provisional[3] and "committee" in provisional[3]
    idle = row(lines, "2026-11")
    assert idle[:3] == ["2026-11", "—", "—"] and "无活动 no_activity" in idle[3]


def test_a_provisional_evaluation_has_a_dash_for_stars_and_no_follow_up() -> None:
    evaluation = spb.Evaluation(
        member_id="m1", period="2026-10", composite=10.0, provisional=True,
        missing=["peer_public", "committee"], self_assessment=50.0,
    )  # fmt: skip
    header = shown(evaluation_view(evaluation))[1]
    assert "composite 10.0  —" in header and "暂定" in header
    assert "follow-up" not in header
    complete = spb.Evaluation(member_id="m1", period="2026-10", composite=55.0, stars=0,
                              follow_up=True)  # fmt: skip
    header = shown(evaluation_view(complete))[1]
    assert "composite 55.0  –" in header and "需跟进 follow-up" in header
