"""The privacy gate: what `admit` lets out of a repository and what `prepare` renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.llm.endpoint import LlmPolicy
from tasks.llm.gate import OptedOut, PromptTooLarge, Unreadable, admit, prepare

TOKEN = "ghp_G4t3T3stT0k3nV4lu3000000000000000000"  # pragma: allowlist secret


def render(policy: LlmPolicy, source, body: str = "", title: str = "fix it"):
    return prepare(
        "llm_patch",
        policy,
        sources={"file_content": source},
        issue_title=title,
        issue_body=body,
        file_path=source.path,
        shortened=source.cut is not None,
    )


def test_admit_refuses_opted_out_files_before_reading_them(tmp_path: Path) -> None:
    (tmp_path / "private.py").write_text("# NO_LLM\nx = 1\n")
    (tmp_path / ".env").write_text("A=1\n")
    (tmp_path / "bad.py").write_bytes(b"\xff\xfe not utf-8")
    policy = LlmPolicy()
    with pytest.raises(OptedOut, match="NO_LLM"):
        admit(tmp_path, "private.py", policy)
    with pytest.raises(OptedOut, match=r"'\.env\*'"):
        admit(tmp_path, ".env", policy)
    with pytest.raises(Unreadable, match="unreadable"):
        admit(tmp_path, "bad.py", policy)
    with pytest.raises(Unreadable):
        admit(tmp_path, "missing.py", policy)
    (tmp_path / "ok.py").write_text("x = 1\n")
    source = admit(tmp_path, "ok.py", policy)
    assert (source.text, source.cut) == ("x = 1\n", None)


def test_the_whole_prompt_is_redacted_issue_text_included(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'TOKEN = "{TOKEN}"\n')
    source = admit(tmp_path, "a.py", LlmPolicy())
    gated = render(LlmPolicy(), source, body=f"it fails with token {TOKEN} set")
    assert TOKEN not in gated.text
    assert gated.text.count("<SECRET_1>") >= 2  # the body's and the file's: one placeholder
    assert gated.report.secrets_redacted == 1 and gated.report.secret_kinds == {"GitHub Token": 1}
    assert TOKEN not in repr(gated) and TOKEN not in gated.report.model_dump_json()


def test_a_large_file_is_cut_and_no_prompt_exceeds_the_limit(tmp_path: Path) -> None:
    body = "".join(f"def helper_{n}(x):\n    return x + {n}\n\n\n" for n in range(300))
    (tmp_path / "big.py").write_text(body)
    policy = LlmPolicy(max_file_chars=3_000, max_prompt_chars=5_000)
    source = admit(tmp_path, "big.py", policy, {"helper_7"})
    assert source.cut is not None and len(source.text) <= 3_000
    gated = render(policy, source, body="x" * 20_000)  # a long issue text is cut too
    assert len(gated.text) <= 5_000 and gated.report.prompt_chars == len(gated.text)
    assert gated.report.cuts and gated.report.cuts[0].path == "big.py"
    with pytest.raises(PromptTooLarge, match=r"llm\.max_prompt_chars"):
        render(LlmPolicy(max_prompt_chars=500), source)
