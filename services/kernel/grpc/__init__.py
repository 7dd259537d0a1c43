"""The gRPC bootstrap every service shares: server factory, interceptors, error table, client."""
