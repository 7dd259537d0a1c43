"""Rules: the shipped default loads, bad rules name the field at fault, the version in force
is the one effective at a period's start, and stars fall exactly at the thresholds."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from contracts.periods import parse_period
from kernel.errors import InvalidArgument
from scoring.domain.rulebook import DEFAULT_DIRECTORY, RuleBook, parse_versions

DEFAULT = json.loads((DEFAULT_DIRECTORY / "default.json").read_text())[0]


def version(name: str, effective_from: str, **changes: object) -> dict[str, object]:
    return {**DEFAULT, "version": name, "effective_from": effective_from, **changes}


def test_the_default_rules_carry_the_design_defaults() -> None:
    rules = RuleBook().versions("any-school")[0]
    weights = rules.weights
    assert (weights.objective, weights.self_assessment, weights.peer_public, weights.committee) == (
        0.4,
        0.1,
        0.2,
        0.3,
    )
    assert (rules.min_reviewers, rules.trim_threshold) == (3, 5)
    assert rules.stars.thresholds == (60, 70, 80, 90, 96)
    assert (rules.feedback_cap.month, rules.feedback_cap.quarter, rules.feedback_cap.year) == (
        5,
        10,
        20,
    )
    assert rules.feedback_penalty_cap == rules.feedback_cap  # symmetric


def test_rules_without_a_penalty_cap_take_the_feedback_cap_for_it() -> None:
    """A rules file written before the penalty cap existed caps both ways alike."""
    written_before = {
        k: v for k, v in version("v", "2026-01-01").items() if k != "feedback_penalty_cap"
    }
    written_before["feedback_cap"] = {"month": 3, "quarter": 6, "year": 12}
    [rules] = parse_versions(json.dumps(written_before))
    assert rules.feedback_penalty_cap == rules.feedback_cap
    penalty = {"month": 8, "quarter": 16, "year": 32}
    [harsher] = parse_versions(json.dumps(version("v", "2026-01-01", feedback_penalty_cap=penalty)))
    assert harsher.feedback_penalty_cap.month == 8 and harsher.feedback_cap.month == 5


@pytest.mark.parametrize(
    ("composite", "stars"),
    [
        (0, 0),
        (59.99, 0),
        (60, 1),
        (69.99, 1),
        (70, 2),
        (79.99, 2),
        (80, 3),
        (89.99, 3),
        (90, 4),
        (95.99, 4),
        (96, 5),
        (100, 5),
    ],
)
def test_stars_change_exactly_at_each_threshold(composite: float, stars: int) -> None:
    assert RuleBook().versions("s")[0].stars.stars(composite) == stars


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {
                "weights": {
                    "objective": 0.5,
                    "self_assessment": 0.1,
                    "peer_public": 0.2,
                    "committee": 0.3,
                }
            },
            "rules.weights",
        ),
        ({"min_reviewers": 0}, "rules.min_reviewers"),
        (
            {"feedback_penalty_cap": {"month": 0, "quarter": 10, "year": 20}},
            "rules.feedback_penalty_cap.month",
        ),
        ({"feedback_points": {"1": 0}}, "rules"),
        (
            {"stars": {"thresholds": [60, 50, 80, 90, 96], "commendation_min_stars": 4}},
            "rules.stars",
        ),
        ({"surprise": 1}, "rules.surprise"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_versions(json.dumps(version("v", "2026-01-01", **changes)))
    assert error.value.field == field


def test_duplicate_version_names_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="unique"):
        parse_versions(json.dumps([version("v", "2026-01-01"), version("v", "2026-06-01")]))


def test_the_version_in_force_is_the_one_effective_at_the_period_start(tmp_path: Path) -> None:
    (tmp_path / "school-9.json").write_text(
        json.dumps([version("2026.2", "2026-10-15"), version("2026.1", "2026-01-01")])
    )
    (tmp_path / "default.json").write_text(json.dumps([version("fallback", "2000-01-01")]))
    book = RuleBook(tmp_path)
    assert book.for_period("school-9", parse_period("2026-10")).version == "2026.1"
    assert book.for_period("school-9", parse_period("2026-11")).version == "2026.2"
    assert book.for_period("school-9", parse_period("AY2026")).version == "2026.1"
    assert book.for_period("other", parse_period("2026-11")).version == "fallback"
    assert book.versions("school-9")[0].effective_from == date(2026, 1, 1)
