"""The demo school: a deterministic plan of commands (`plan`), loaded through the gRPC APIs
(`loader`)."""
