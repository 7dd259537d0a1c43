"""The web app's settings (VANGUARD_WEB_*), beside the suite's."""

from __future__ import annotations

from pydantic import Field

from contracts.endpoints import SuiteSettings


class WebSettings(SuiteSettings):
    web_port: int = Field(8080, description="HTTP port of the web app.")
    web_health_port: int = Field(
        50054, description="gRPC health port of the web app (what the supervisor asks)."
    )
    web_school: str = Field("demo", description="The school the web app serves.")
    web_session_hours: float = Field(8.0, description="How long a sign-in lasts.")
    web_token_ttl_seconds: int = Field(
        120, description="Lifetime of the token the web app presents for a signed-in user."
    )
    web_demo_accounts: bool = Field(
        True, description="Seed the demo school's sign-in accounts when the school is `demo`."
    )
    web_cache_seconds: float = Field(
        1.0,
        description="How long a page's reads are shared by concurrent readers on one token "
        "(0: not at all).",
    )
    web_poll_seconds: float = Field(
        1.0, description="How often a live page's server side asks the services for changes."
    )
