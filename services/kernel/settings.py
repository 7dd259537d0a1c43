"""Configuration from environment variables, all prefixed `VANGUARD_`.

Defaults serve the embedded run: a Tansu broker on 127.0.0.1 and SQLite stores under `./var`
(`VANGUARD_BROKER=kafka`: Apache Kafka instead, kernel.kafka_broker).
The services' ports are not here: the kernel names no service (contracts.endpoints has them).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.broker_quirks import BrokerKind, Quirks, quirks_of

DEV_TOKEN_SECRET = "vanguard-development-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANGUARD_", frozen=True)

    data_dir: Path = Field(Path("var"), description="Where stores and read models live.")
    store_url: str | None = Field(
        None,
        description="Where event stores, read models and consumer positions live: unset, "
        "SQLite files under data_dir; postgresql://... a PostgreSQL database (a schema per "
        "service store and per read model; kernel.store.factory).",
    )
    bind_host: str = Field("127.0.0.1", description="Address every server binds.")

    bootstrap_servers: str | None = Field(
        None, description="External Kafka (host:port,...). Unset: run the embedded broker."
    )
    broker: BrokerKind = Field(
        "tansu",
        description="Which broker: `tansu` (embedded, memory-only, the quick default) or "
        "`kafka` (Apache Kafka, KRaft, from the jars `make kafka` fetches). With "
        "VANGUARD_BOOTSTRAP_SERVERS it names the kind of that broker (kernel.broker_quirks).",
    )
    broker_port: int = Field(9092, description="Port of the embedded broker.")
    kafka_libs: Path | None = Field(
        None, description="Apache Kafka's jars (unset: var/kafka/libs of this checkout)."
    )
    partitions: int = Field(3, ge=1, description="Partition count of every topic.")
    replication_factor: int = Field(1, ge=1, description="Replication factor of every topic.")
    consumer_session_timeout_ms: int = Field(6000, description="Consumer group session timeout.")
    fetch_max_wait_ms: int = Field(20, description="Longest a fetch waits on the broker.")
    projection_fetch_max_wait_ms: int = Field(
        200,
        description="Longest a projection runner's fetch waits on an idle topic. Tansu answers a "
        "kafka-python fetch as soon as records arrive, so this costs no latency, and a longer "
        "wait means fewer idle round trips competing for the GIL with the gRPC handlers.",
    )

    token_secret: SecretStr = Field(
        SecretStr(DEV_TOKEN_SECRET), description="HMAC secret that signs bearer tokens."
    )
    token_ttl_seconds: int = Field(8 * 3600, description="Lifetime of issued tokens.")
    log_level: str = Field("INFO", description="Python logging level.")

    @property
    def embedded_broker(self) -> bool:
        return self.bootstrap_servers is None

    @property
    def quirks(self) -> Quirks:
        return quirks_of(self.broker)

    @property
    def kafka_servers(self) -> str:
        return self.bootstrap_servers or f"127.0.0.1:{self.broker_port}"

    def service_dir(self, service: str) -> Path:
        path = self.data_dir / service
        path.mkdir(parents=True, exist_ok=True)
        return path
