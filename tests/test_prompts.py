"""Prompts render in one place, strictly, and only as the version the registry names.

The ledger records each LLM call's prompt sha; these tests make sure that sha always means
one exact template (an edit without a version bump fails), and that a forgotten variable
raises instead of sending the model an empty section.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from prompts import (
    PROMPTS_DIR,
    PromptError,
    PromptIntegrityError,
    RenderedPrompt,
    prompt_names,
    render,
)

VARIABLES = {
    "issue_title": "area() uses a rough pi",
    "issue_body": "Use math.pi instead of 3.14.",
    "file_path": "src/geo.py",
    "file_content": "def area(r):\n    return 3.14 * r * r\n",
    "shortened": False,
}
TRIAGE_VARIABLES = {
    "repository": "acme/geo",
    "issue_title": "area() uses a rough pi",
    "issue_labels": ["bug", "good first issue"],
    "issue_body": "Use math.pi instead of 3.14.",
    "file_paths": ["README.md", "src/geo.py"],
}
PROMPT_VARIABLES = {"llm_patch": VARIABLES, "issue_triage": TRIAGE_VARIABLES}


def registry(directory: Path = PROMPTS_DIR) -> list[dict]:
    return json.loads((directory / "registry.json").read_text(encoding="utf-8"))


def entry(name: str) -> dict:
    return next(item for item in registry() if item["name"] == name)


def test_every_template_is_registered_with_semver_and_its_sha() -> None:
    entries = registry()
    templates = sorted(path.stem for path in PROMPTS_DIR.glob("*.j2"))
    assert sorted(entry["name"] for entry in entries) == templates == prompt_names()
    assert {"llm_patch", "issue_triage"} <= set(templates) == set(PROMPT_VARIABLES)
    for entry in entries:
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"])
        data = (PROMPTS_DIR / f"{entry['name']}.j2").read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name", sorted(PROMPT_VARIABLES))
def test_every_template_starts_with_a_header_naming_its_variables(name: str) -> None:
    text = (PROMPTS_DIR / f"{name}.j2").read_text(encoding="utf-8")
    header = text[: text.index("#}")]
    assert text.startswith("{#")
    for variable in PROMPT_VARIABLES[name]:
        assert variable in header


@pytest.mark.parametrize("name", sorted(PROMPT_VARIABLES))
def test_every_variable_is_required(name: str) -> None:
    for missing in PROMPT_VARIABLES[name]:
        partial = {k: v for k, v in PROMPT_VARIABLES[name].items() if k != missing}
        with pytest.raises(PromptError, match=missing):
            render(name, **partial)


def test_render_llm_patch() -> None:
    prompt = render("llm_patch", **VARIABLES)
    assert isinstance(prompt, RenderedPrompt)
    assert (prompt.name, prompt.version) == ("llm_patch", entry("llm_patch")["version"])
    assert prompt.sha256 == entry("llm_patch")["sha256"]
    assert "area() uses a rough pi" in prompt.text
    assert "    return 3.14 * r * r\n" in prompt.text
    assert '"path": "src/geo.py"' in prompt.text
    assert "JSON" in prompt.text  # json_object response format requires the word in the prompt
    assert "{#" not in prompt.text and "issue_title" not in prompt.text  # the header is dropped


def test_render_issue_triage() -> None:
    prompt = render("issue_triage", **TRIAGE_VARIABLES)
    assert (prompt.version, prompt.sha256) == ("1.0.0", entry("issue_triage")["sha256"])
    assert "repository acme/geo" in prompt.text and "area() uses a rough pi" in prompt.text
    assert "Labels: bug, good first issue" in prompt.text
    assert "Use math.pi instead of 3.14." in prompt.text
    assert "- README.md\n- src/geo.py\n" in prompt.text  # one path a line
    for category in ("security", "bug", "feature", "docs", "question", "chore", "other"):
        assert f'"{category}"' in prompt.text
    assert "JSON" in prompt.text and '"solvable_reason"' in prompt.text
    assert "{#" not in prompt.text and "file_paths" not in prompt.text


def test_issue_triage_without_labels_body_or_checkout_says_so() -> None:
    bare = TRIAGE_VARIABLES | {"issue_labels": [], "issue_body": "", "file_paths": []}
    text = render("issue_triage", **bare).text
    assert "Labels: (none)" in text and "(no description)" in text
    assert "repository's files" not in text


def test_a_missing_variable_raises() -> None:
    partial = {k: v for k, v in VARIABLES.items() if k != "file_content"}
    with pytest.raises(PromptError, match="file_content"):
        render("llm_patch", **partial)


def test_an_unknown_prompt_names_the_registered_ones() -> None:
    with pytest.raises(PromptError, match="llm_patch"):
        render("no_such_prompt", **VARIABLES)


def copy_prompts(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    for path in [*PROMPTS_DIR.glob("*.j2"), PROMPTS_DIR / "registry.json"]:
        shutil.copy(path, folder / path.name)
    return folder


def test_a_copied_directory_renders_the_same(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    assert render("llm_patch", directory=folder, **VARIABLES) == render("llm_patch", **VARIABLES)


def test_an_edited_template_without_a_new_sha_is_refused(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    template = folder / "llm_patch.j2"
    template.write_text(template.read_text(encoding="utf-8") + "Be brief.\n", encoding="utf-8")
    with pytest.raises(PromptIntegrityError) as raised:
        render("llm_patch", directory=folder, **VARIABLES)
    message = str(raised.value)
    assert "'llm_patch'" in message and "version" in message


def test_a_bumped_registry_entry_accepts_the_edit(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    template = folder / "llm_patch.j2"
    template.write_text(template.read_text(encoding="utf-8") + "Be brief.\n", encoding="utf-8")
    entries = registry(folder)
    assert entries[0]["name"] == "llm_patch"
    entries[0] |= {"version": "1.2.0", "sha256": hashlib.sha256(template.read_bytes()).hexdigest()}
    (folder / "registry.json").write_text(json.dumps(entries), encoding="utf-8")
    prompt = render("llm_patch", directory=folder, **VARIABLES)
    assert prompt.version == "1.2.0" and prompt.text.endswith("Be brief.\n")


def test_a_registry_version_that_is_not_semver_is_refused(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    entries = registry(folder)
    entries[0]["version"] = "v2"
    (folder / "registry.json").write_text(json.dumps(entries), encoding="utf-8")
    with pytest.raises(PromptError, match="semver"):
        render("llm_patch", directory=folder, **VARIABLES)
