"""The LLM answer's parser and the exactly-once edit rule, without any model or network.

A wrong search/replace edit silently changes the wrong code, so these tests pin what is
accepted (strict JSON, a fenced json block) and when a file is left alone (0 or several
matches, edits for other files, no LLM configured).
"""

from __future__ import annotations

import json

import pytest

from fixers.llm_patch import (
    Edit,
    LlmPatch,
    LlmPatchOptions,
    MalformedAnswer,
    apply_edits,
    parse_edits,
)
from fixers.results import FixStatus

SOURCE = "def area(r):\n    return 3.14 * r * r\n\n\ndef double(x):\n    return x + x\n"


def answer(*edits: tuple[str, str, str], summary: str = "fix", confidence: float = 0.9) -> str:
    return json.dumps(
        {
            "edits": [{"path": p, "search": s, "replace": r} for p, s, r in edits],
            "summary": summary,
            "confidence": confidence,
        }
    )


# --- parse_edits ---------------------------------------------------------------------------


def test_parse_plain_json() -> None:
    proposal = parse_edits(answer(("geo.py", "3.14", "math.pi"), summary="use pi"))
    assert proposal.edits == [Edit(path="geo.py", search="3.14", replace="math.pi")]
    assert proposal.summary == "use pi"
    assert proposal.confidence == 0.9


@pytest.mark.parametrize("fence", ["```json\n{}\n```", "Here you go:\n```\n{}\n```\nDone."])
def test_parse_accepts_a_fenced_block(fence: str) -> None:
    text = fence.replace("{}", answer(("geo.py", "3.14", "math.pi")))
    assert parse_edits(text).edits[0].replace == "math.pi"


def shape(edits: object = (), **fields: object) -> str:
    """An answer with the given edits and fields (summary "s", confidence 1 unless changed)."""
    return json.dumps({"edits": edits, "summary": "s", "confidence": 1} | fields)


NO_SUMMARY = json.dumps({"edits": [], "confidence": 0.5})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("I think you should use math.pi", "not JSON"),
        ('{"edits": [', "not JSON"),
        ("```json\n{not json}\n```", "fenced block is not JSON"),
        ("[1, 2]", "JSON list, not an object"),
        (NO_SUMMARY, "summary: Field required"),
        (shape("none"), "edits"),
        (shape([{"path": "a.py", "search": "x"}]), "edits.0.replace: Field required"),
        (shape([{"path": "a.py", "search": "", "replace": "y"}]), "edits.0.search"),
        (shape(confidence=7), "confidence"),
    ],
)
def test_parse_rejects_malformed_answers_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(MalformedAnswer) as raised:
        parse_edits(text)
    assert reason in str(raised.value)


# --- apply_edits ---------------------------------------------------------------------------


def test_apply_one_edit() -> None:
    result = apply_edits("geo.py", SOURCE, [Edit(path="geo.py", search="3.14", replace="PI")])
    assert result.status is FixStatus.APPLIED
    assert result.new_source == SOURCE.replace("3.14", "PI")
    assert result.rules == ["llm-patch"]


def test_edits_apply_in_order_to_the_edited_source() -> None:
    # The second search text exists only after the first edit.
    edits = [
        Edit(path="geo.py", search="3.14", replace="PI_VALUE"),
        Edit(path="geo.py", search="PI_VALUE * r * r", replace="PI_VALUE * r**2"),
    ]
    result = apply_edits("geo.py", SOURCE, edits)
    assert result.status is FixStatus.APPLIED
    assert "return PI_VALUE * r**2\n" in (result.new_source or "")


def test_a_search_that_matches_nothing_fails_the_whole_file() -> None:
    edits = [
        Edit(path="geo.py", search="3.14", replace="PI"),
        Edit(path="geo.py", search="return x * 2", replace="return 2 * x"),
    ]
    result = apply_edits("geo.py", SOURCE, edits)
    assert result.status is FixStatus.FAILED
    assert result.new_source is None  # the first, matching edit is not applied alone
    assert "edit 1" in result.reason and "matches 0 times" in result.reason


def test_an_ambiguous_search_fails() -> None:
    edits = [Edit(path="geo.py", search="    return ", replace="    return -")]
    result = apply_edits("geo.py", SOURCE, edits)
    assert result.status is FixStatus.FAILED
    assert "edit 0 matches 2 times" in result.reason


def test_sequential_edits_can_make_a_later_search_ambiguous() -> None:
    edits = [
        Edit(path="geo.py", search="3.14 * r * r", replace="x + x"),
        Edit(path="geo.py", search="x + x", replace="x * 2"),
    ]
    result = apply_edits("geo.py", SOURCE, edits)
    assert result.status is FixStatus.FAILED
    assert "edit 1 matches 2 times" in result.reason


def test_edits_for_other_files_are_ignored() -> None:
    edits = [
        Edit(path="other.py", search="no such text", replace="y"),
        Edit(path="./geo.py", search="x + x", replace="2 * x"),
    ]
    result = apply_edits("geo.py", SOURCE, edits)
    assert result.status is FixStatus.APPLIED
    assert result.new_source == SOURCE.replace("x + x", "2 * x")


def test_no_edit_for_the_file_is_skipped() -> None:
    result = apply_edits("geo.py", SOURCE, [Edit(path="other.py", search="a", replace="b")])
    assert result.status is FixStatus.SKIPPED
    assert result.new_source is None


def test_an_edit_that_changes_nothing_is_skipped() -> None:
    result = apply_edits("geo.py", SOURCE, [Edit(path="geo.py", search="3.14", replace="3.14")])
    assert result.status is FixStatus.SKIPPED


def test_crlf_files_match_edits_written_with_lf() -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    search, replace = "def double(x):\n    return x + x", "def double(x):\n    return 2 * x"
    edits = [Edit(path="geo.py", search=search, replace=replace)]
    result = apply_edits("geo.py", crlf, edits)
    assert result.status is FixStatus.APPLIED
    assert result.new_source == crlf.replace("x + x", "2 * x")
    assert "\n" not in (result.new_source or "").replace("\r\n", "")


# --- the recipe ----------------------------------------------------------------------------


def test_recipe_without_an_answer_says_no_llm_is_configured() -> None:
    result = LlmPatch().transform("geo.py", SOURCE)
    assert result.status is FixStatus.SKIPPED
    assert "no LLM configured" in result.reason and "skipped" in result.reason


def test_recipe_applies_the_answer() -> None:
    options = LlmPatchOptions(
        issue_title="use pi", answer=answer(("geo.py", "3.14", "PI"), summary="Use PI")
    )
    result = LlmPatch(options).transform("geo.py", SOURCE)
    assert result.status is FixStatus.APPLIED
    assert result.new_source == SOURCE.replace("3.14", "PI")
    assert result.reason.startswith("Use PI")


def test_recipe_fails_on_a_malformed_answer_instead_of_raising() -> None:
    result = LlmPatch(LlmPatchOptions(answer="sorry, I cannot help")).transform("geo.py", SOURCE)
    assert result.status is FixStatus.FAILED
    assert "malformed LLM answer" in result.reason and "not JSON" in result.reason


def test_recipe_metadata_and_scope() -> None:
    assert (LlmPatch.name, LlmPatch.language, LlmPatch.risk) == ("llm-patch", "python", "MEDIUM")
    assert LlmPatch.confidence == 0.7 and LlmPatch.description.strip()
    recipe = LlmPatch()
    assert recipe.applies_to("README.md") and recipe.applies_to("src/geo.py")
    assert not recipe.applies_to("docs/logo.PNG")
    with pytest.raises(ValueError):
        LlmPatchOptions(unknown_option=1)  # type: ignore[call-arg]


def test_mentioned_files_by_path_or_unambiguous_name():
    from fixers.llm_patch import mentioned_files

    paths = ["app/core.py", "app/client.py", "tests/core.py", "README.md"]
    text = "client.py breaks; app/core.py too (see README.md). Not clientXpy or core.pyc."
    assert mentioned_files(text, paths) == ["app/core.py", "app/client.py", "README.md"]
    assert mentioned_files("core.py is wrong", paths) == []  # two files are named core.py
