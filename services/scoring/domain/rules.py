"""One version of a school's scoring rules (docs/design.md#scoring), validated when it is loaded.

Objective points: a verified record earns its awarded points times the weight of its category
and channel, capped per category and period kind; pledge outcomes, completed rectifications,
verified supervision feedback (by rating) and model-post reviews add their own points. The
period's objective points are normalised to 0–100 against `objective_full_scale`. Feedback is
capped both ways: it adds at most `feedback_cap` and takes away at most `feedback_penalty_cap`
in a period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.periods import PeriodKind
from contracts.vocabulary import Channel, Outcome, RecordCategory


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PerKind(Frozen):
    """A figure that differs by period kind: a month holds less than a year."""

    month: float = Field(gt=0)
    quarter: float = Field(gt=0)
    year: float = Field(gt=0)

    def of(self, kind: PeriodKind) -> float:
        return float(getattr(self, kind.value))


class PledgePoints(Frozen):
    fulfilled: float
    partially_fulfilled: float
    unfulfilled: float
    rectification_completed: float

    def outcome(self, outcome: Outcome) -> float:
        return float(getattr(self, outcome.value))


class Weights(Frozen):
    objective: float = Field(ge=0)
    self_assessment: float = Field(ge=0)
    peer_public: float = Field(ge=0)
    committee: float = Field(ge=0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = self.objective + self.self_assessment + self.peer_public + self.committee
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, not {total:g}")
        return self


class StarBands(Frozen):
    """Least composite for 1..5 stars (ascending); below the first is flagged for follow-up."""

    thresholds: tuple[float, float, float, float, float]
    commendation_min_stars: int = Field(ge=1, le=5)

    @model_validator(mode="after")
    def _ascending(self) -> StarBands:
        if list(self.thresholds) != sorted(set(self.thresholds)):
            raise ValueError("star thresholds must strictly ascend")
        return self

    @property
    def follow_up_below(self) -> float:
        return self.thresholds[0]

    def stars(self, composite: float) -> int:
        return sum(1 for threshold in self.thresholds if composite >= threshold)


class Rules(Frozen):
    version: str = Field(min_length=1)
    effective_from: date
    record_weights: dict[RecordCategory, dict[Channel, float]]
    record_caps: dict[RecordCategory, PerKind]
    pledge_points: PledgePoints
    feedback_points: dict[int, float]  # by rating 1..5
    feedback_cap: PerKind  # the most verified feedback adds in a period
    feedback_penalty_cap: PerKind  # the most it takes away (a positive figure)
    post_review_points: float = Field(ge=0)  # a review scored 100 earns this much
    objective_full_scale: PerKind
    weights: Weights
    min_reviewers: int = Field(ge=1)
    trim_threshold: int = Field(ge=3)
    stars: StarBands

    @model_validator(mode="after")
    def _complete(self) -> Rules:
        for category in RecordCategory:
            channels = self.record_weights.get(category, {})
            missing = [c.value for c in Channel if c not in channels]
            if missing:
                raise ValueError(f"record_weights.{category.value} lacks {', '.join(missing)}")
            if category not in self.record_caps:
                raise ValueError(f"record_caps lacks {category.value}")
        if sorted(self.feedback_points) != [1, 2, 3, 4, 5]:
            raise ValueError("feedback_points needs exactly the ratings 1..5")
        return self

    @model_validator(mode="before")
    @classmethod
    def _symmetric_feedback_cap(cls, data: Any) -> Any:
        """A rules file written before the penalty cap existed caps both ways alike."""
        if isinstance(data, dict) and "feedback_penalty_cap" not in data and "feedback_cap" in data:
            return {**data, "feedback_penalty_cap": data["feedback_cap"]}
        return data

    def record_weight(self, category: RecordCategory, channel: Channel) -> float:
        return self.record_weights[category][channel]
