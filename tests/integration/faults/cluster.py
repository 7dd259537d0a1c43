"""Apache Kafka as a three-node KRaft cluster for fault tests: three combined
broker+controller processes (kernel.kafka_broker.KafkaBroker, one node each) on 127.0.0.1,
every topic with three replicas and min.insync.replicas=2, and the suite as processes on it
(processes.Processes with VANGUARD_REPLICATION_FACTOR=3). A node is killed with SIGKILL and
started again on its ports and its log, as a crashed host comes back."""

from __future__ import annotations

import contextlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from processes import Processes
from suite import PARTITIONS

from contracts.topics import PUBLISHED
from kernel.broker import free_port
from kernel.kafka_broker import KafkaBroker
from kernel.topics import DEAD_LETTERS, ensure_topics

REPLICAS = 3
NODE_READY_S = 90.0  # a JVM on a busy 2-core machine, waiting for a quorum


class KafkaCluster:
    def __init__(self, root: Path, size: int = REPLICAS) -> None:
        ports = [free_port() for _ in range(size)]
        controller_ports = [free_port() for _ in range(size)]
        voters = ",".join(f"{n + 1}@127.0.0.1:{c}" for n, c in enumerate(controller_ports))
        self.nodes = {
            n + 1: KafkaBroker(
                ports[n],
                data_dir=root / f"kafka-{n + 1}",
                node_id=n + 1,
                controller_port=controller_ports[n],
                voters=voters,
                replicas=size,
            )
            for n in range(size)
        }

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.bootstrap_servers for node in self.nodes.values())

    def start(self) -> None:
        """Every node at once: none answers before a majority of controllers runs."""
        for node in self.nodes.values():
            node.spawn()
        for node in self.nodes.values():
            node.wait_ready(NODE_READY_S)

    def kill(self, node_id: int) -> None:
        self.nodes[node_id].kill()

    def start_again(self, node_id: int) -> None:
        self.nodes[node_id].start(NODE_READY_S)

    def controller_leader(self) -> int:
        """The node that leads the KRaft quorum now (kafka-metadata-quorum describe)."""
        running = [n for n in self.nodes.values() if n.process is not None]
        described = subprocess.run(
            running[0].tool(
                "org.apache.kafka.tools.MetadataQuorumCommand",
                "--bootstrap-server",
                ",".join(n.bootstrap_servers for n in running),
                "describe",
                "--status",
            ),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        found = re.search(r"LeaderId:\s+(\d+)", described.stdout)
        assert found is not None, described.stdout + described.stderr
        return int(found.group(1))

    def stop(self) -> None:
        """SIGTERM to every node at once: the last one alone would wait for a quorum."""
        for node in self.nodes.values():
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes.values():
            node.stop()


@dataclass
class ClusterProcesses(Processes):
    """The suite as processes on a KafkaCluster; its parts are the services and the nodes
    `kafka-1`..`kafka-3`."""

    cluster: KafkaCluster | None = None
    env: dict[str, str] = field(
        default_factory=lambda: {"VANGUARD_REPLICATION_FACTOR": str(REPLICAS)}
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        self.broker_kind = "kafka"
        self.cluster = KafkaCluster(self.root)

    @property
    def kafka(self) -> str:
        assert self.cluster is not None
        return self.cluster.bootstrap_servers

    def _start_broker(self) -> None:
        assert self.cluster is not None
        self.cluster.start()
        with contextlib.suppress(RuntimeError):
            ensure_topics(
                self.kafka,
                (*PUBLISHED, DEAD_LETTERS),
                partitions=PARTITIONS,
                replication_factor=REPLICAS,
            )

    @staticmethod
    def node(name: str) -> int | None:
        return int(name.removeprefix("kafka-")) if name.startswith("kafka-") else None

    def kill(self, name: str) -> None:
        node = self.node(name)
        if node is None:
            super().kill(name)
        else:
            assert self.cluster is not None
            self.cluster.kill(node)

    def start_again(self, name: str) -> None:
        node = self.node(name)
        if node is None:
            super().start_again(name)
        else:
            assert self.cluster is not None
            self.cluster.start_again(node)

    def wait_ready(self, name: str, timeout_s: float = NODE_READY_S) -> None:
        node = self.node(name)
        if node is None:
            super().wait_ready(name)
        else:
            assert self.cluster is not None
            self.cluster.nodes[node].wait_ready(timeout_s)

    def stop(self) -> None:
        super().stop()
        if self.cluster is not None:
            self.cluster.stop()
