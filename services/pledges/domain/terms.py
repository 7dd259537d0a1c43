"""What a pledge promises (its terms) and the progress its targets have made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.pledges import Progress, TargetTerms
from contracts.vocabulary import Lead
from kernel.errors import InvalidArgument
from pledges.domain.vocabulary import ReportStatus

TARGETS_MIN, TARGETS_MAX = 1, 10


@dataclass(frozen=True)
class Terms:
    """The revisable part of a pledge: lead, title, description and targets."""

    lead: Lead
    title: str
    description: str
    targets: tuple[TargetTerms, ...]

    @property
    def last_due_on(self) -> date:
        return max(target.due_on for target in self.targets)


@dataclass
class Report:
    """One fulfilment report as the pledge keeps it."""

    report_id: str
    progress: dict[int, int]
    status: ReportStatus = ReportStatus.PENDING


def progress_map(
    progress: tuple[Progress, ...], targets: tuple[TargetTerms, ...], field: str
) -> dict[int, int]:
    """Progress by target number: at least one, each an existing target, each once."""
    if not progress:
        raise InvalidArgument("name the progress of at least one target", field=field)
    numbers = {t.number for t in targets}
    result: dict[int, int] = {}
    for index, item in enumerate(progress):
        if item.target not in numbers:
            raise InvalidArgument(
                f"the pledge has no target {item.target} (targets 1–{len(targets)})",
                field=f"{field}[{index}].target",
            )
        if item.target in result:
            raise InvalidArgument(
                f"target {item.target} is named twice", field=f"{field}[{index}].target"
            )
        result[item.target] = item.percent
    return result
