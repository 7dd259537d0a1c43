from __future__ import annotations

import pytest

from scoring.domain.rulebook import RuleBook
from scoring.scorer import Scorer
from unit.scoring.story import Story


@pytest.fixture
def story() -> Story:
    return Story()


@pytest.fixture
def scorer() -> Scorer:
    return Scorer(RuleBook())
