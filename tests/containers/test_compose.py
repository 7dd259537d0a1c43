"""The deploy files, each run or checked by a tool: the Apache Kafka compose file is started
with `docker compose` (or Debian's `docker-compose`) and the suite in it answers over gRPC on
127.0.0.1; both compose files pass `compose config`; the Kubernetes sketch parses as
Kubernetes objects (`kubectl --local`, no cluster needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from school import BRANCHES, School, Stubs
from suite import SERVICES

from kernel.broker import free_port
from kernel.supervisor import wait_until_serving
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.common.v1 import status_pb2

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILES = ("compose.yaml", "compose.kafka.yaml")
READY_S = 180.0  # the JVM starts in 5-10 s; the services retry until the broker answers
PUBLISHED_S = 60.0

pytestmark = pytest.mark.timeout(600)


def compose_command() -> list[str]:
    """`docker compose` where the plugin is installed, else Debian's `docker-compose`."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` (apt-get install docker-compose)")


def compose(file: str, *args: str, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        [*compose_command(), "-f", str(DEPLOY / file), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"compose {' '.join(args)} of {file}:\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_a_compose_file_is_valid(file: str) -> None:
    services = compose(file, "config", "--services", env={"VANGUARD_TOKEN_SECRET": "x"})
    assert set(SERVICES) <= set(services.split())


def test_the_kubernetes_sketch_parses_as_kubernetes_objects() -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: the Kubernetes sketch is not checked")
    done = subprocess.run(
        ["kubectl", "label", "--local", "-f", str(DEPLOY / "k8s/vanguard.yaml"), "checked=yes",
         "-o", "name"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "configmap/vanguard",
        "statefulset.apps/archives",
        "service/archives",
    ]


@dataclass
class Composed:
    ports: dict[str, int]
    secret: str

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"


@pytest.fixture
def on_kafka(images: None, tmp_path: Path) -> Iterator[Composed]:
    """deploy/compose.kafka.yaml up on free ports, data under tmp_path; down afterwards."""
    ports = {name: free_port() for name in ("broker", "controller", *SERVICES)}
    for folder in ("kafka", *SERVICES):
        (tmp_path / folder).mkdir()
        (tmp_path / folder).chmod(0o777)  # the images run as uids 10001 and 10002
    running = Composed(ports, secret=f"test-{uuid.uuid4().hex}")
    env = {
        "COMPOSE_PROJECT_NAME": f"vg-kafka-{uuid.uuid4().hex[:8]}",
        "VANGUARD_TOKEN_SECRET": running.secret,
        "VANGUARD_DEPLOY_DATA": str(tmp_path),
        "VANGUARD_BROKER_PORT": str(ports["broker"]),
        "VANGUARD_CONTROLLER_PORT": str(ports["controller"]),
        **{f"VANGUARD_{name.upper()}_PORT": str(ports[name]) for name in SERVICES},
    }
    try:
        compose("compose.kafka.yaml", "up", "-d", env=env)
        yield running
    finally:
        print(compose("compose.kafka.yaml", "logs", "--tail", "20", env=env))
        compose("compose.kafka.yaml", "down", "--volumes", "--timeout", "20", env=env)


def test_the_suite_runs_on_apache_kafka_from_the_compose_file(on_kafka: Composed) -> None:
    for name in SERVICES:
        assert wait_until_serving(on_kafka.address(name), READY_S), f"{name} not SERVING"
    stubs = Stubs.connect({name: on_kafka.address(name) for name in SERVICES})
    try:
        school = School(f"sc-{uuid.uuid4().hex[:8]}", on_kafka.secret, stubs)
        school.command("archives", "RegisterSchool", school.committee, visible=True, name="一中")
        branch = next(iter(BRANCHES))
        school.command(
            "archives", "EstablishBranch", school.committee, visible=True, branch_id=branch,
            name="一支部",
        )  # fmt: skip
        school.command(
            "archives", "RegisterMember", school.committee, visible=True, member_id="m-1",
            name="教师甲", branch_id=branch, roles=["teacher"], joined_party_on="2010-07-01",
        )  # fmt: skip
        member = school.query("archives", "GetMember", apb.GetMemberRequest(
            school_id=school.id, member_id="m-1"))  # fmt: skip
        assert (member.name, member.branch_id, member.active) == ("教师甲", branch, True)
        # The relay saw Apache Kafka acknowledge every event of the store.
        deadline = time.monotonic() + PUBLISHED_S
        while True:
            status = stubs.archives.GetStatus(
                status_pb2.GetStatusRequest(), metadata=school.committee, timeout=10
            )
            if status.head_position >= 3 and status.published_position == status.head_position:
                break
            assert time.monotonic() < deadline, f"not all published to Kafka: {status}"
            time.sleep(0.5)
    finally:
        stubs.close()
