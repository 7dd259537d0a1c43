"""The rules topic (`vanguard.rules`) as scoring reads and fills it outside the faust worker:
every RulesAdopted on it, and the journal's adoptions it lacks, sent again at start."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka import KafkaProducer
from kafka.errors import KafkaError

from kernel.envelope import Envelope
from kernel.topic_reader import TopicNotRead, envelopes_on

log = logging.getLogger("vanguard.scoring")
RULES_ADOPTED = "RulesAdopted"
SEND_TIMEOUT_S = 30.0
SEND_ATTEMPTS = 5


def adoptions_on(servers: str, topic: str) -> list[Envelope]:
    """Every RulesAdopted on `topic`, partition by partition (kernel.topic_reader: to the
    fetch highwater; raises TopicNotRead when it cannot get there)."""
    return [e for e in envelopes_on(servers, topic) if e.event_type == RULES_ADOPTED]


def ids_on(servers: str, topic: str) -> set[str]:
    """The ids of the adoptions on `topic`; none when it cannot be read to its end now (what
    is then sent again is one message to every reader: same id)."""
    try:
        return {str(e.event_id) for e in adoptions_on(servers, topic)}
    except TopicNotRead as exc:
        log.warning("could not read %s (%s)", topic, exc)
        return set()


def send_missing(servers: str, topic: str, journal: Sequence[Envelope], on_topic: set[str]) -> int:
    """Send every journal entry whose id is not on the topic, until the topic holds them all
    (read back: a broker just restarted may store a message yet answer with an error) or
    `SEND_ATTEMPTS` rounds passed; how many it sent. What is still missing then stays in the
    journal, and the next start sends it again."""
    missing = [e for e in journal if str(e.event_id) not in on_topic]
    sent = 0
    for _ in range(SEND_ATTEMPTS):
        if not missing:
            break
        _send(servers, topic, missing)
        on_topic = ids_on(servers, topic)
        sent += sum(1 for e in missing if str(e.event_id) in on_topic)
        missing = [e for e in missing if str(e.event_id) not in on_topic]
    if sent:
        log.warning("sent %d adopted rules versions the rules topic lacked", sent)
    if missing:
        log.warning(
            "%d adopted rules versions not on %s yet; sent at the next start", len(missing), topic
        )
    return sent


def _send(servers: str, topic: str, envelopes: Sequence[Envelope]) -> None:
    producer = KafkaProducer(bootstrap_servers=servers, acks="all")
    try:
        for envelope in envelopes:
            key, value = envelope.partition_key.encode(), envelope.to_json()
            try:  # one at a time: the stream's order is the adoptions' order
                producer.send(topic, key=key, value=value).get(timeout=SEND_TIMEOUT_S)
            except KafkaError as exc:
                log.warning("sending %s to %s: %s", envelope.event_id, topic, exc)
                break
    finally:
        producer.close()
