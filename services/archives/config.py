"""Settings of the archives service alone, from `VANGUARD_ARCHIVES_*` environment variables
(what every service shares, its port included, is in `kernel.settings`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ArchivesConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANGUARD_ARCHIVES_", frozen=True)

    scoring_host: str = Field("127.0.0.1", description="Host of the scoring gRPC server.")
    scoring_timeout_s: float = Field(2.0, gt=0, description="Deadline of a call to scoring.")
    notice_burst: int = Field(60, ge=1, description="公示 pages one client may ask at once.")
    notice_per_second: float = Field(10.0, gt=0, description="公示 refill rate per client.")
