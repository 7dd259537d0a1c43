"""Settings of the pledges service alone, from `VANGUARD_PLEDGES_*` environment variables
(what every service shares is in `kernel.settings`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A small default block-list for the public board; schools configure their own.
DEFAULT_BLOCKED_WORDS = ("傻逼", "去死", "操你", "fuck", "shit")


class PledgesConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANGUARD_PLEDGES_", frozen=True)

    archives_host: str = Field("127.0.0.1", description="Host of the archives gRPC server.")
    archives_timeout_s: float = Field(2.0, gt=0, description="Deadline of a call to archives.")
    sweep_interval_s: float = Field(300.0, gt=0, description="Period of the overdue sweep.")
    feedback_burst: int = Field(5, ge=1, description="Feedback one client may send at once.")
    feedback_per_minute: float = Field(6.0, gt=0, description="Feedback refill rate per client.")
    board_burst: int = Field(60, ge=1, description="Board pages one client may ask at once.")
    board_per_second: float = Field(10.0, gt=0, description="Board refill rate per client.")
    blocked_words: tuple[str, ...] = Field(
        DEFAULT_BLOCKED_WORDS, description="Words refused in public text (case-insensitive)."
    )
