"""The score flow's dbt vars: the default configuration passes none, so build and score share
one parse of the project per process."""

from __future__ import annotations

import json

from flows.score import Scoring, scoring_vars


def test_the_default_configuration_passes_no_vars():
    defaults = Scoring()
    assert (
        scoring_vars(
            defaults.health.model_dump(),
            defaults.impact.model_dump(),
            defaults.priority.model_dump(),
        )
        == {}
    )
    assert scoring_vars() == {}
    assert scoring_vars(priority={}) == {}


def test_a_changed_section_is_passed_whole_and_the_others_are_not():
    priority = Scoring().priority.model_copy(update={"health": 0.9}).model_dump()
    variables = scoring_vars(Scoring().health.model_dump(), None, priority)
    assert list(variables) == ["priority_json"]
    assert json.loads(variables["priority_json"]) == priority
