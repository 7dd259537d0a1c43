"""The rules topic (`vanguard.rules`) as scoring reads and fills it outside the faust worker:
every RulesAdopted on it, and the journal's adoptions it lacks, sent again at start."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError

from kernel.envelope import Envelope
from scoring.adapters.emitted import read_topic

log = logging.getLogger("vanguard.scoring")
RULES_ADOPTED = "RulesAdopted"
SEND_TIMEOUT_S = 30.0


def adoptions_on(servers: str, topic: str) -> list[Envelope]:
    """Every RulesAdopted on `topic`, in the order of its partitions (junk there is skipped:
    anyone may write to a topic)."""
    found: list[Envelope] = []

    def keep(record: object) -> None:
        try:
            envelope = Envelope.from_json(getattr(record, "value", b"") or b"")
        except ValueError:
            return
        if envelope.event_type == RULES_ADOPTED:
            found.append(envelope)

    read_topic(servers, topic, keep)
    return found


def send_missing(servers: str, topic: str, journal: Iterable[Envelope], on_topic: set[str]) -> int:
    """Send every journal entry whose id is not on the topic; waits for the acknowledgements."""
    missing = [e for e in journal if str(e.event_id) not in on_topic]
    if not missing:
        return 0
    producer = KafkaProducer(bootstrap_servers=servers, acks="all")
    sent = 0
    try:
        for envelope in missing:
            key, value = envelope.partition_key.encode(), envelope.to_json()
            try:  # one at a time: the stream's order is the adoptions' order
                producer.send(topic, key=key, value=value).get(timeout=SEND_TIMEOUT_S)
                sent += 1
            except KafkaError as exc:  # the journal keeps it: the next start sends it again
                log.warning("could not send %s to %s (%s)", envelope.event_id, topic, exc)
                break
    finally:
        producer.close()
    log.warning("sent %d adopted rules versions the rules topic lacked", sent)
    return sent
