"""Fixtures of the triage tests: the bundled rules, loaded once."""

from __future__ import annotations

import pytest

from callcenter.triage import TriageRules, load_rules


@pytest.fixture(scope="session")
def rules() -> TriageRules:
    return load_rules()
