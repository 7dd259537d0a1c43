"""Scoring's own settings (prefix `VANGUARD_SCORING_`), next to the kernel Settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.topics import ARCHIVES, EVALUATIONS, PLEDGES, RULES
from scoring.domain.rulebook import DEFAULT_DIRECTORY


class ScoringConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANGUARD_SCORING_", frozen=True)

    app_id: str = Field("vanguard-scoring", description="Faust app id: consumer group, tables.")
    rules_dir: Path = Field(
        DEFAULT_DIRECTORY, description="Rules files: <school>.json, default.json"
    )
    year_start_month: int = Field(9, ge=1, le=12, description="First month of the academic year.")
    pledges_grace_s: float = Field(3.0, description="Quiet pledges partition counts as caught up.")
    retry_s: float = Field(0.5, description="How often an unready publication asks again.")
    ask_pledges_head: bool = Field(
        True,
        description="A close waits for every pledges position up to the head pledges reports "
        "(GetStatus) after it; false: for pledges quiet for pledges_grace_s (no pledges service).",
    )
    pledges_host: str = Field("127.0.0.1", description="Host of the pledges gRPC server.")
    pledges_timeout_s: float = Field(2.0, gt=0, description="Deadline of a call to pledges.")
    merge_hold_s: float = Field(
        0.015, ge=0.0, description="How long an input waits for the other topic's stragglers."
    )
    broker_check_s: float = Field(
        2.0, gt=0, description="How often the worker checks the broker still has its topics."
    )
    rules_check_s: float = Field(
        5.0, gt=0, description="How often the worker reads the rules topic for new adoptions."
    )
    archives_topic: str = ARCHIVES
    pledges_topic: str = PLEDGES
    evaluations_topic: str = EVALUATIONS
    rules_topic: str = RULES

    @property
    def input_topics(self) -> tuple[str, str]:
        """The topics scoring reads: what the archives and pledges relays publish."""
        return (self.archives_topic, self.pledges_topic)

    @property
    def internal_topics(self) -> tuple[str, str]:
        return (f"{self.app_id}.closes", f"{self.app_id}.replies")

    def changelog_topics(self, tables: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{self.app_id}-{table}-changelog" for table in tables)

    def owned_topics(self, tables: tuple[str, ...]) -> tuple[str, ...]:
        """The topics only scoring writes: its output, its internal topics, its changelogs."""
        return (self.evaluations_topic, *self.internal_topics, *self.changelog_topics(tables))
