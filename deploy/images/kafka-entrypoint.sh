#!/bin/sh
# The Kafka image's command: the same single-node settings as kernel/kafka_broker.py
# (server_properties), the storage formatted once with the same fixed cluster id, then the
# broker in the foreground (exec: SIGTERM from `docker stop` is a controlled shutdown).
set -eu
DATA=/var/lib/kafka
CONF="$DATA/server.properties"
cat >"$CONF" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${KAFKA_HOST}:${KAFKA_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA/log
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
PROPS
set -f  # the class path's * is for java, not for the shell
JAVA="java $KAFKA_HEAP -Xms64m -XX:+UseSerialGC -Djava.awt.headless=true -cp /opt/kafka/libs/*"
if [ ! -f "$DATA/log/meta.properties" ]; then
    $JAVA kafka.tools.StorageTool format --cluster-id dmFuZ3VhcmQtY2x1c3RlcgA \
        --config "$CONF" --ignore-formatted
fi
exec $JAVA kafka.Kafka "$CONF"
