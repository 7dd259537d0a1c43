"""Adopting rules versions: what may be adopted (one valid version, from a future month start
no scored or closed period reaches, a name never reused for other content), and the rulebook
scoring periods with adopted versions beside the shipped ones."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from contracts.periods import parse_period
from kernel.envelope import Actor, Envelope, Role
from kernel.errors import AlreadyExists, InvalidArgument, PreconditionFailed, Unavailable
from scoring.adapters.rules_journal import RulesJournal
from scoring.domain.adoption import (
    adoption_of,
    candidate_of,
    check_effective_from,
    known_as,
    rules_adopted,
)
from scoring.domain.rulebook import DEFAULT_DIRECTORY, RuleBook
from scoring.domain.rules import Rules
from scoring.handlers.rules import RulesHandler
from scoring.handlers.state import Partitions, Tables
from scoring.scorer import Scorer
from scoring.stream.merge import Merges

DEFAULT = json.loads((DEFAULT_DIRECTORY / "default.json").read_text())[0]
TODAY = date(2026, 12, 6)
COMMITTEE = Actor(id="secretary-general", role=Role.COMMITTEE)


def document(name: str, effective_from: str, **changes: object) -> str:
    return json.dumps({**DEFAULT, "version": name, "effective_from": effective_from, **changes})


def rules(name: str, effective_from: str, **changes: object) -> Rules:
    return candidate_of(document(name, effective_from, **changes))


def adopted(school: str, version: Rules, number: int = 1) -> Envelope:
    at = datetime(2026, 12, 6, 10, number, tzinfo=UTC)
    return rules_adopted(
        school, version, stream_version=number, adopted_by=COMMITTEE, at=at, correlation_id="c"
    )


# -- the candidate -----------------------------------------------------------------------------


def test_a_bad_document_names_the_field_at_fault() -> None:
    weights = {"objective": 0.5, "self_assessment": 0.1, "peer_public": 0.2, "committee": 0.3}
    with pytest.raises(InvalidArgument) as bad:
        candidate_of(document("s-2027.1", "2027-01-01", weights=weights))
    assert bad.value.field == "rules_json.weights"
    with pytest.raises(InvalidArgument) as bad:
        candidate_of("{not json")
    assert bad.value.field == "rules_json"


def test_one_version_is_adopted_at_a_time() -> None:
    two = json.dumps(
        [json.loads(document("a", "2027-01-01")), json.loads(document("b", "2027-02-01"))]
    )
    with pytest.raises(InvalidArgument, match="one rules version") as bad:
        candidate_of(two)
    assert bad.value.field == "rules_json"


# -- effective_from --------------------------------------------------------------------------------


def test_a_version_starts_on_the_first_day_of_a_month() -> None:
    with pytest.raises(InvalidArgument) as bad:
        check_effective_from(rules("s-1", "2027-01-15"), TODAY, [])
    assert bad.value.field == "rules_json.effective_from"


@pytest.mark.parametrize("day", ["2026-12-01", "2026-11-01", "2020-01-01"])
def test_a_version_cannot_start_today_or_before(day: str) -> None:
    with pytest.raises(PreconditionFailed, match="not after today") as refused:
        check_effective_from(rules("s-1", day), TODAY, [])
    assert refused.value.field == "rules_json.effective_from"


def test_a_version_that_reaches_a_scored_or_closed_period_is_refused() -> None:
    settled = [parse_period("2026-11"), parse_period("2027-03"), parse_period("2027-Q1")]
    with pytest.raises(PreconditionFailed, match="period 2027-Q1") as refused:
        check_effective_from(rules("s-1", "2027-01-01"), TODAY, settled)
    assert refused.value.field == "rules_json.effective_from"
    with pytest.raises(PreconditionFailed, match="period 2027-03"):
        check_effective_from(rules("s-1", "2027-02-01"), TODAY, settled)
    # the academic year AY2026 began before: a later version never reaches it
    check_effective_from(rules("s-1", "2027-04-01"), TODAY, [*settled, parse_period("AY2026")])


# -- names -----------------------------------------------------------------------------------------


def test_a_version_name_is_adopted_once_with_one_content() -> None:
    book = RuleBook()
    version = rules("s-2027.1", "2027-01-01")
    assert not known_as(book, "s", version)
    book.adopt("s", adoption_of(adopted("s", version)))
    assert known_as(book, "s", rules("s-2027.1", "2027-01-01"))  # the same document again
    with pytest.raises(AlreadyExists) as taken:
        known_as(book, "s", rules("s-2027.1", "2027-01-01", min_reviewers=4))
    assert taken.value.field == "rules_json.version"
    with pytest.raises(AlreadyExists):  # the shipped names are taken too
        known_as(book, "s", rules(DEFAULT["version"], "2027-01-01"))


# -- the rulebook ----------------------------------------------------------------------------------


def test_adopted_versions_score_the_periods_from_their_day_and_leave_earlier_ones() -> None:
    book = RuleBook()
    book.adopt("s", adoption_of(adopted("s", rules("s-2027.1", "2027-01-01"))))
    in_force = {p: book.for_period("s", parse_period(p)).version for p in ("2026-12", "2027-01")}
    assert in_force == {"2026-12": DEFAULT["version"], "2027-01": "s-2027.1"}
    assert book.for_period("s", parse_period("AY2026")).version == DEFAULT["version"]
    assert book.for_period("other", parse_period("2027-01")).version == DEFAULT["version"]


def test_of_two_versions_from_the_same_day_the_later_adopted_is_in_force() -> None:
    book = RuleBook()
    book.adopt("s", adoption_of(adopted("s", rules("first", "2027-02-01"), 1)))
    book.adopt("s", adoption_of(adopted("s", rules("second", "2027-02-01", min_reviewers=4), 2)))
    assert book.for_period("s", parse_period("2027-02")).version == "second"


def test_an_adoption_reads_back_from_its_event() -> None:
    version = rules("s-2027.1", "2027-01-01")
    envelope = adopted("s", version)
    again = adoption_of(Envelope.from_json(envelope.to_json()))
    assert (again.rules, again.adopted_by, again.event_id) == (
        version,
        "secretary-general",
        str(envelope.event_id),
    )
    assert envelope.stream_id == "s/rules" and envelope.partition_key == "s/rules"
    assert envelope.event_id == adopted("s", version).event_id  # the same adoption, one id


# -- the handler -----------------------------------------------------------------------------------


def handler(tmp_path: Path, *, replayed: bool = True) -> tuple[RulesHandler, list[Envelope]]:
    tables = Tables({}, {}, {}, {})
    partitions = Partitions(Merges("archives", "pledges", 0), lambda topic, p: (None, None))
    if replayed:
        partitions.replayed.set()
    sent: list[Envelope] = []

    async def send(envelope: Envelope) -> bool:
        sent.append(envelope)
        return True

    journal = RulesJournal(tmp_path / "rules-journal.jsonl")
    rules_handler = RulesHandler(Scorer(RuleBook()), tables, partitions, journal, send)
    rules_handler.today = lambda: TODAY
    return rules_handler, sent


def test_an_adoption_is_journalled_sent_and_in_force(tmp_path: Path) -> None:
    rules_handler, sent = handler(tmp_path)
    name, known = asyncio.run(
        rules_handler.adopt("s", document("s-2027.1", "2027-01-01"), COMMITTEE, "c")
    )
    assert (name, known) == ("s-2027.1", False)
    assert [e.event_type for e in sent] == ["RulesAdopted"]
    assert [e.event_id for e in RulesJournal(tmp_path / "rules-journal.jsonl").read()] == [
        sent[0].event_id
    ]
    book = rules_handler.rulebook
    assert book.for_period("s", parse_period("2027-01")).version == "s-2027.1"
    again = asyncio.run(
        rules_handler.adopt("s", document("s-2027.1", "2027-01-01"), COMMITTEE, "c")
    )
    assert again == ("s-2027.1", True) and len(sent) == 1


def test_a_fresh_rulebook_takes_the_journal_back(tmp_path: Path) -> None:
    first, _ = handler(tmp_path)
    asyncio.run(first.adopt("s", document("s-2027.1", "2027-01-01"), COMMITTEE, "c"))
    restarted, _ = handler(tmp_path)
    journal = RulesJournal(tmp_path / "rules-journal.jsonl")
    assert restarted.take(journal.read()) == 1
    assert restarted.take(journal.read()) == 0  # taken once, however often it is read
    assert restarted.rulebook.for_period("s", parse_period("2027-02")).version == "s-2027.1"


def test_a_line_cut_short_in_the_journal_is_skipped(tmp_path: Path) -> None:
    journal = RulesJournal(tmp_path / "rules-journal.jsonl")
    journal.append(adopted("s", rules("s-2027.1", "2027-01-01")))
    with journal.path.open("ab") as file:
        file.write(b'{"event_id": "cut')
    assert [e.stream_version for e in journal.read()] == [1]


def test_no_adoption_while_scoring_replays(tmp_path: Path) -> None:
    rules_handler, sent = handler(tmp_path, replayed=False)
    with pytest.raises(Unavailable):
        asyncio.run(rules_handler.adopt("s", document("s-1", "2027-01-01"), COMMITTEE, "c"))
    assert sent == [] and not (tmp_path / "rules-journal.jsonl").exists()


def test_a_refused_adoption_writes_nothing(tmp_path: Path) -> None:
    rules_handler, sent = handler(tmp_path)
    with pytest.raises(PreconditionFailed):
        asyncio.run(rules_handler.adopt("s", document("s-1", "2026-12-01"), COMMITTEE, "c"))
    assert sent == [] and not (tmp_path / "rules-journal.jsonl").exists()
    assert rules_handler.rulebook.adopted("s") == ()
