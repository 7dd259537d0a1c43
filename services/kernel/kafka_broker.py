"""Apache Kafka as the suite's broker: one combined broker+controller (KRaft) as a child
process, from the jars `make kafka` fetches (deploy/kafka/fetch.sh into var/kafka/libs).

Its storage is formatted once per data directory with a fixed cluster id and a fixed voter
list (this node alone), so a restart on the same ports finds its log again: unlike Tansu, a
crash loses nothing acknowledged. The heap is small (512 MiB), fit for a laptop beside the
services; its log4j output goes to the broker's log file.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from kernel.broker import BrokerUnavailable, EmbeddedBroker, free_port
from kernel.broker_quirks import BrokerKind

log = logging.getLogger("vanguard.broker")

CLUSTER_ID = "dmFuZ3VhcmQtY2x1c3RlcgA"  # fixed: a restart must find its formatted storage
NODE_ID = 1
HEAP = "-Xmx512m"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_LIBS = REPO / "var" / "kafka" / "libs"
READY_PROBE_MS = 1000

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.org.name = org.apache.kafka
logger.org.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
"""


def server_properties(port: int, controller_port: int, log_dirs: Path, host: str) -> str:
    """A single node, sized for 2 cores: few threads, a small cleaner buffer, one replica of
    every internal topic. The suite makes its topics itself (kernel.topics); one a client
    asks for by name first is auto-created with the suite's default partition count."""
    values = {
        "process.roles": "broker,controller",
        "node.id": NODE_ID,
        "controller.quorum.voters": f"{NODE_ID}@{host}:{controller_port}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": log_dirs,
        "auto.create.topics.enable": "true",
        "num.partitions": 3,
        "default.replication.factor": 1,
        "min.insync.replicas": 1,
        "offsets.topic.replication.factor": 1,
        "offsets.topic.num.partitions": 3,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "transaction.state.log.num.partitions": 3,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        "group.initial.rebalance.delay.ms": 0,
        # The suite's tests and its container rounds use short sessions (1-2 s).
        "group.min.session.timeout.ms": 1000,
        # A restart after a kill waits for the old incarnation's session to lapse (duplicate
        # registration): 3 s, not the default 9 s.
        "broker.session.timeout.ms": 3000,
        "broker.heartbeat.interval.ms": 500,
        "num.network.threads": 2,
        "num.io.threads": 2,
        "background.threads": 2,
        "num.recovery.threads.per.data.dir": 1,
        "log.cleaner.threads": 1,
        "log.cleaner.dedupe.buffer.size": 8 * 1024 * 1024,
        "delete.topic.enable": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in values.items())


class KafkaBroker(EmbeddedBroker):
    kind: BrokerKind = "kafka"
    description = "Apache Kafka, KRaft"
    stop_timeout_s = 15.0  # a controlled shutdown takes a few seconds

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        data_dir: Path | None = None,
        libs: Path | None = None,
    ) -> None:
        super().__init__(port, host, log_path)
        self.controller_port = free_port(host)
        self.libs = libs or DEFAULT_LIBS
        self._temporary = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="vanguard-kafka-"))
        self.config = self.data_dir / "server.properties"
        self.log_file = log_path or self.data_dir / "broker.log"

    def _java(self) -> str:
        java = shutil.which("java")
        jars = list(self.libs.glob("kafka_2.13-*.jar")) if self.libs.is_dir() else []
        if not jars:
            raise BrokerUnavailable(
                f"Apache Kafka's jars are not in {self.libs}: run make kafka "
                "(deploy/kafka/fetch.sh fetches them once with Maven)"
            )
        if java is None:
            raise BrokerUnavailable(
                "java is not installed: Apache Kafka needs Java 17 "
                "(Debian: apt-get install openjdk-17-jre-headless)"
            )
        return java

    def _jvm(self, main: str, *args: str) -> list[str]:
        return [
            self._java(),
            HEAP,
            "-Xms64m",
            "-XX:+UseSerialGC",  # two cores shared with the services: no parallel collectors
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            f"{self.libs}/*",
            main,
            *args,
        ]

    def prepare(self) -> None:
        """Write the configuration (the ports may be new) and format the storage once."""
        self._java()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_dirs = self.data_dir / "log"
        self.config.write_text(
            server_properties(self.port, self.controller_port, log_dirs, self.host)
        )
        (self.data_dir / "log4j2.properties").write_text(LOG4J2.format(log_file=self.log_file))
        if (log_dirs / "meta.properties").exists():
            return
        formatted = subprocess.run(
            self._jvm(
                "kafka.tools.StorageTool",
                "format",
                "--cluster-id",
                CLUSTER_ID,
                "--config",
                str(self.config),
                "--ignore-formatted",
            ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if formatted.returncode != 0:
            raise BrokerUnavailable(
                f"formatting Kafka's storage in {log_dirs} failed: "
                f"{(formatted.stderr or formatted.stdout).strip()[-2000:]}"
            )

    def argv(self) -> list[str]:
        return self._jvm("kafka.Kafka", str(self.config))

    def output(self) -> IO[bytes] | None:
        # The JVM's own words (a crash, an unknown option) go beside log4j's.
        return self.log_file.open("ab")

    def wait_ready(self, timeout_s: float) -> None:
        """Until a metadata request names this broker (a JVM takes seconds to start: the
        deadline is at least 60 s)."""
        deadline = time.monotonic() + max(timeout_s, 60.0)
        while True:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise TimeoutError(
                    f"Apache Kafka exited with code {code} while starting; see {self.log_file}"
                )
            if answers(self.bootstrap_servers):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"Apache Kafka did not answer on {self.bootstrap_servers}")
            time.sleep(0.2)

    def stop(self, timeout_s: float | None = None) -> None:
        super().stop(timeout_s)
        if self._temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def answers(servers: str) -> bool:
    """True when a metadata request is answered with at least one broker in it."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=servers,
            client_id="vanguard-probe",
            bootstrap_timeout_ms=READY_PROBE_MS,
            request_timeout_ms=READY_PROBE_MS * 2,
        )
    except (KafkaError, OSError, ValueError):
        return False
    try:
        return bool(admin.describe_cluster().get("brokers"))
    except (KafkaError, OSError, ValueError):
        return False
    finally:
        with contextlib.suppress(Exception):
            admin.close()
