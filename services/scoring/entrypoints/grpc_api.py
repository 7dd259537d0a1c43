"""gRPC entrypoint of scoring: thin methods that turn requests into commands and queries."""

from __future__ import annotations

from kernel.grpc.status import StatusMixin, StatusSource
from vanguard.scoring.v1 import scoring_pb2_grpc


class ScoringApi(StatusMixin, scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self, runtime: StatusSource) -> None:
        self.runtime = runtime
