"""How the suite's supervisor knows the web app: entry point `vanguard.services`.

The supervisor and container health checks ask every service over gRPC health, so the web
app answers gRPC health on its registered port (`VANGUARD_WEB_HEALTH_PORT`) and serves its
pages over HTTP on `VANGUARD_WEB_PORT`."""

from __future__ import annotations

from kernel.services import Registration
from web.settings import WebSettings

REGISTRATION = Registration(
    name="web",
    module="web",
    settings=WebSettings,
    port_setting="web_health_port",
    publishes=(),  # it writes nothing to Kafka: every change goes through the services' APIs
    order=4,
)
