"""The golden set (tests/golden/): each prompt case renders, through the privacy gate, to the
sha256 recorded for its prompt version, and each scripted answer becomes the plan outcome
recorded for it. A template edited without a version bump, a changed gate or a changed parser
fails here, naming the cases that moved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixers.results import FixStatus
from prompts import PROMPTS_DIR, file_sha256, prompt_names
from tests.golden.cases import (
    ANSWERS_FILE,
    PROMPTS_FILE,
    moved_answer_cases,
    moved_prompt_cases,
    read_cases,
)

RECORD = "if that was meant, re-record with `python -m tests.golden.record` in the same commit"


def test_every_prompt_case_renders_to_its_recorded_sha256() -> None:
    moved = moved_prompt_cases()
    assert not moved, f"golden prompt cases moved ({RECORD}): " + "; ".join(moved)


def test_every_answer_case_becomes_its_recorded_outcome() -> None:
    moved = moved_answer_cases()
    assert not moved, f"golden answer cases moved ({RECORD}): " + "; ".join(moved)


def test_the_golden_set_covers_every_outcome_and_prompt() -> None:
    statuses = {row["expect"]["status"] for row in read_cases(ANSWERS_FILE)}
    assert statuses == {status.value for status in FixStatus}
    assert {row["prompt"] for row in read_cases(PROMPTS_FILE)} == set(prompt_names())


def test_an_edited_template_moves_every_case_with_or_without_a_bump(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    template = prompts / "llm_patch.j2"
    template.write_text(template.read_text() + "Be brief.\n")
    unbumped = moved_prompt_cases(prompts)
    patch_cases = [row for row in read_cases(PROMPTS_FILE) if row["prompt"] == "llm_patch"]
    assert len(unbumped) == len(patch_cases)  # the other prompts' cases stay where they were
    assert "changed without a version bump" in unbumped[0]

    registry = json.loads((prompts / "registry.json").read_text())
    registry[0] |= {"version": "9.0.0", "sha256": file_sha256(template)}
    (prompts / "registry.json").write_text(json.dumps(registry))
    bumped = moved_prompt_cases(prompts)
    assert bumped and all("llm_patch is 9.0.0, recorded" in line for line in bumped)
