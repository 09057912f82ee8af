"""The golden set: `prompts.jsonl` holds prompt inputs (the issue, the file, the gate's limits)
with the prompt version and the sha256 of the gated prompt they must render to;
`answers.jsonl` holds scripted model answers (with the file they edit and the secrets their
request redacted) with the plan outcome each must become.

To add a case, add a line with its `case` name and `inputs` and run
`python -m tests.golden.record`, which fills in every `expect` from what the code does now.
Re-record only on purpose (a prompt's version bump, a deliberate change of the gate or the
parser), in the same commit; tests/test_golden.py fails on anything that moved unasked.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fixers.llm_patch import LlmPatch, LlmPatchOptions
from prompts import PromptError
from tasks.llm.context import minimal_context
from tasks.llm.endpoint import LlmPolicy
from tasks.llm.gate import SourceText, prepare

GOLDEN_DIR = Path(__file__).resolve().parent
PROMPTS_FILE = GOLDEN_DIR / "prompts.jsonl"
ANSWERS_FILE = GOLDEN_DIR / "answers.jsonl"


def read_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_cases(path: Path, rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rendered(
    prompt: str, inputs: dict[str, Any], prompts_dir: Path | None = None
) -> dict[str, Any]:
    """The prompt version and the sha256 of the gated text a prompt case renders to."""
    if prompt == "issue_triage":
        return _rendered_triage(inputs, prompts_dir)
    policy = LlmPolicy(max_file_chars=inputs.get("max_file_chars", 20_000))
    wanted = frozenset(inputs.get("wanted", []))
    shown, cut = minimal_context(inputs["path"], inputs["text"], wanted, policy.max_file_chars)
    source = SourceText(inputs["path"], shown, cut, inputs["text"], wanted)
    gated = prepare(
        prompt,
        policy,
        sources={"file_content": source},
        issue_title=inputs["title"],
        issue_body=inputs["body"],
        file_path=inputs["path"],
        shortened=cut is not None,
        prompts_dir=prompts_dir,
    )
    return {"version": gated.version, "sha256": sha256(gated.text)}


def _rendered_triage(inputs: dict[str, Any], prompts_dir: Path | None) -> dict[str, Any]:
    """A triage case: an issue (title, labels, body) and the repository's file paths."""
    gated = prepare(
        "issue_triage",
        LlmPolicy(),
        repo=inputs["repository"],
        repository=inputs["repository"],
        issue_title=inputs["title"],
        issue_labels=inputs["labels"],
        issue_body=inputs["body"],
        file_paths=inputs["paths"],
        prompts_dir=prompts_dir,
    )
    return {"version": gated.version, "sha256": sha256(gated.text)}


def outcome(inputs: dict[str, Any]) -> dict[str, Any]:
    """What the llm-patch recipe makes of one answer: status, reason, the new file's sha256."""
    secrets = {inputs["path"]: inputs.get("secrets", {})}
    result = LlmPatch(LlmPatchOptions(answer=inputs["answer"], secrets=secrets)).transform(
        inputs["path"], inputs["source"]
    )
    new = result.new_source
    return {
        "status": result.status.value,
        "reason": result.reason,
        "new_source_sha256": sha256(new) if new is not None else None,
    }


def moved_prompt_cases(prompts_dir: Path | None = None) -> list[str]:
    """Each prompt case whose version or gated text is not the recorded one, and why."""
    moved = []
    for row in read_cases(PROMPTS_FILE):
        try:
            got = rendered(row["prompt"], row["inputs"], prompts_dir)
        except PromptError as error:
            moved.append(f"{row['case']}: {error}")
            continue
        want = row["expect"]
        if got["version"] != want["version"]:
            moved.append(
                f"{row['case']}: {row['prompt']} is {got['version']}, recorded {want['version']}"
            )
        elif got["sha256"] != want["sha256"]:
            moved.append(f"{row['case']}: the gated prompt changed at version {got['version']}")
    return moved


def moved_answer_cases() -> list[str]:
    """Each answer case whose plan outcome is not the recorded one, before -> after."""
    moved = []
    for row in read_cases(ANSWERS_FILE):
        got, want = outcome(row["inputs"]), row["expect"]
        if got != want:
            before, after = (
                f"{want['status']} {want['reason']!r}",
                f"{got['status']} {got['reason']!r}",
            )
            moved.append(f"{row['case']}: {before} -> {after}")
    return moved
