"""The faust-streaming side of scoring: app, topics, tables, agents, the gRPC task."""
