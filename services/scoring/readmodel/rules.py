"""The rules versions of a school as ListRules shows them: shipped and adopted, by the day
each takes effect, and the one in force today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring.domain.adoption import Adoption
from scoring.domain.rulebook import RuleBook, in_force
from scoring.domain.rules import Rules


@dataclass(frozen=True)
class RulesLine:
    rules: Rules
    adoption: Adoption | None  # None: shipped
    in_force: bool


def rules_listing(rulebook: RuleBook, school_id: str, today: date) -> list[RulesLine]:
    versions = rulebook.versions(school_id)
    current = in_force(versions, today)
    adopted = {a.rules.version: a for a in rulebook.adopted(school_id)}
    return [RulesLine(rules, adopted.get(rules.version), rules is current) for rules in versions]


def rules_line(rulebook: RuleBook, school_id: str, version: str, today: date) -> RulesLine:
    return next(
        line for line in rules_listing(rulebook, school_id, today) if line.rules.version == version
    )
