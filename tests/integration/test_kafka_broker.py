"""Apache Kafka as the suite's broker (kernel.kafka_broker): a clear word when its jars are
missing, and, unlike Tansu, a crash that loses nothing it acknowledged."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from kernel.broker import BrokerUnavailable, EmbeddedBroker, embedded_broker
from kernel.topics import ensure_topics


def test_without_its_jars_apache_kafka_says_to_run_make_kafka(tmp_path: Path) -> None:
    broker = embedded_broker("kafka", kafka_libs=tmp_path / "libs", data_dir=tmp_path / "k")
    with pytest.raises(BrokerUnavailable, match="run make kafka"):
        broker.start()
    assert broker.process is None


@pytest.mark.apache_kafka
def test_a_killed_apache_kafka_comes_back_with_what_it_acknowledged(
    own_broker: EmbeddedBroker, unique: str
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.kept"
    ensure_topics(servers, (topic,), partitions=1)
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", enable_idempotence=True)
    for n in range(5):
        producer.send(topic, key=b"m01", value=f"{n}".encode(), partition=0)
    producer.flush(10)
    producer.close()

    own_broker.kill()
    own_broker.start()

    consumer = KafkaConsumer(bootstrap_servers=servers, consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    values = [record.value for _, record in zip(range(5), consumer, strict=False)]
    consumer.close()
    assert values == [f"{n}".encode() for n in range(5)]
