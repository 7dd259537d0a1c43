"""The topics the services publish on: part of the published language, like the events on
them. Every event of a topic carries the member it concerns as its Kafka key (an event that
concerns no member, its stream)."""

from __future__ import annotations

PLEDGES = "vanguard.pledges"  # contracts.pledges
ARCHIVES = "vanguard.archives"  # contracts.archives
EVALUATIONS = "vanguard.evaluations"  # contracts.scoring
RULES = "vanguard.rules"  # contracts.scoring: RulesAdopted, keyed by `<school>/rules`

PUBLISHED = (PLEDGES, ARCHIVES, EVALUATIONS, RULES)
