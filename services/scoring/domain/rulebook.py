"""Versioned rules per school: the shipped versions, a data file per school (`<school>.json`,
else `default.json`), and the versions the committee adopted (RulesAdopted,
scoring.domain.adoption). The version in force for a period is the latest one effective on the
period's first day (of two effective the same day, the one adopted later), so a rules change
never rewrites an earlier period."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from contracts.periods import Period
from contracts.school_calendar import PLANNED
from kernel import validation as v
from kernel.errors import InvalidArgument
from scoring.domain.rules import Rules

if TYPE_CHECKING:
    from scoring.domain.adoption import Adoption

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_SCHOOL = "default"
VERSION_MAX = 64


def parse_versions(text: str | bytes, *, field: str = "rules") -> tuple[Rules, ...]:
    """A rules document: a JSON list of versions (or one version). Errors name the field."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"not JSON: {exc}", field=field) from exc
    except RecursionError:
        raise InvalidArgument("nested too deeply", field=field) from None
    items = document if isinstance(document, list) else [document]
    try:
        versions = tuple(Rules.model_validate(item) for item in items)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidArgument(first["msg"], field=f"{field}.{where}" if where else field) from exc
    return _checked(versions, field)


def _checked(versions: Sequence[Rules], field: str) -> tuple[Rules, ...]:
    if not versions:
        raise InvalidArgument("no rule versions", field=field)
    for rules in versions:  # the kernel's rules for a name and a date, as for any input
        v.line(rules.version, f"{field}.version", max_length=VERSION_MAX)
        refusal = PLANNED.span_refusal(rules.effective_from)
        if refusal is not None:
            raise InvalidArgument(refusal, field=f"{field}.effective_from")
    names = [rules.version for rules in versions]
    if len(set(names)) != len(names):
        raise InvalidArgument("rule versions must be unique", field=f"{field}.version")
    return tuple(sorted(versions, key=lambda rules: rules.effective_from))


def in_force(versions: Sequence[Rules], day: date) -> Rules:
    """The version effective on `day`; before the first one, the first one."""
    chosen = versions[0]
    for rules in versions:
        if rules.effective_from <= day:
            chosen = rules
    return chosen


class RuleBook:
    """Every school's rule versions: the shipped ones, read once from a directory of data
    files, then each adopted one in the order adopted."""

    def __init__(self, directory: Path = DEFAULT_DIRECTORY) -> None:
        self.directory = directory
        self._shipped: dict[str, tuple[Rules, ...]] = {}
        self._adopted: dict[str, list[Adoption]] = {}
        self._schools: dict[str, tuple[Rules, ...]] = {}  # both, ordered for `in_force`

    def shipped(self, school_id: str) -> tuple[Rules, ...]:
        if school_id not in self._shipped:
            path = self.directory / f"{school_id}.json"
            if not path.exists():
                path = self.directory / f"{DEFAULT_SCHOOL}.json"
            self._shipped[school_id] = parse_versions(path.read_text(), field=path.name)
        return self._shipped[school_id]

    def adopted(self, school_id: str) -> tuple[Adoption, ...]:
        return tuple(self._adopted.get(school_id, ()))

    def versions(self, school_id: str) -> tuple[Rules, ...]:
        if school_id not in self._schools:
            every = (*self.shipped(school_id), *(a.rules for a in self.adopted(school_id)))
            # stable: of two effective the same day, the later adopted comes last and wins
            self._schools[school_id] = tuple(sorted(every, key=lambda r: r.effective_from))
        return self._schools[school_id]

    def named(self, school_id: str, version: str) -> Rules | None:
        return next((r for r in self.versions(school_id) if r.version == version), None)

    def adopt(self, school_id: str, adoption: Adoption) -> bool:
        """Take an adopted version; False (and nothing changes) when its name is known."""
        if self.named(school_id, adoption.rules.version) is not None:
            return False
        self._adopted.setdefault(school_id, []).append(adoption)
        self._schools.pop(school_id, None)
        return True

    def for_period(self, school_id: str, period: Period) -> Rules:
        return in_force(self.versions(school_id), period.start)
