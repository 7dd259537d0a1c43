"""gRPC entrypoint of pledges: thin methods that turn requests into commands and queries."""

from __future__ import annotations

from kernel.grpc.status import StatusMixin, StatusSource
from vanguard.pledges.v1 import pledges_pb2_grpc


class PledgeApi(StatusMixin, pledges_pb2_grpc.PledgeServiceServicer):
    def __init__(self, runtime: StatusSource) -> None:
        self.runtime = runtime
