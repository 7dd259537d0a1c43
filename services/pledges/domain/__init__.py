"""The pledges domain: plain Python, no gRPC, Kafka or SQL."""
