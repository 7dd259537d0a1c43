"""Where each service's gRPC API listens: part of what the services publish, so the settings
that hold their ports live here, beside the kernel's own settings, not in the kernel."""

from __future__ import annotations

from pydantic import Field

from kernel.settings import Settings


class SuiteSettings(Settings):
    """The kernel's settings and the port of every service (VANGUARD_<SERVICE>_PORT)."""

    archives_port: int = Field(50051, description="gRPC port of archives.")
    pledges_port: int = Field(50052, description="gRPC port of pledges.")
    scoring_port: int = Field(50053, description="gRPC port of scoring.")
