# Apache Kafka (KRaft, one combined broker+controller) on the Debian base: Debian's Java 17
# and the jars `make kafka` fetched (var/kafka/libs). Build context: build/images/kafka.
# Built with --network host (the engine has no bridge): apt-get reaches deb.debian.org.
# Settings (environment): KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_HOST, KAFKA_HEAP; the
# storage in /var/lib/kafka (a volume keeps it across containers) is formatted on first start.
ARG BASE_IMAGE=vanguard/base:bookworm
FROM ${BASE_IMAGE}
# openjdk's postinst links its man page: the base image dropped /usr/share/man.
RUN mkdir -p /usr/share/man/man1 && apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openjdk-17-jre-headless >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
        /usr/share/doc/* /usr/share/man/*
RUN echo "kafka:x:10002:10002::/var/lib/kafka:/usr/sbin/nologin" >> /etc/passwd \
    && echo "kafka:x:10002:" >> /etc/group \
    && mkdir -p /var/lib/kafka && chown 10002:10002 /var/lib/kafka
COPY libs/ /opt/kafka/libs/
COPY kafka-entrypoint.sh /usr/local/bin/kafka-entrypoint.sh
ENV KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 KAFKA_HOST=127.0.0.1 KAFKA_HEAP=-Xmx512m
USER 10002:10002
ENTRYPOINT ["/usr/local/bin/kafka-entrypoint.sh"]
