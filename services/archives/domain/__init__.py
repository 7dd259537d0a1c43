"""The archives domain: plain Python, no Kafka, gRPC or SQL."""
