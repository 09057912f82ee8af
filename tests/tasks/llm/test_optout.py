"""Opting files out of LLM requests: markers in a file's head, globs, marker files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.llm.optout import (
    DEFAULT_EXCLUDE,
    OptedOut,
    check_path,
    check_text,
    excluding_glob,
    marked_no_llm,
)


@pytest.mark.parametrize(
    "head",
    [
        "# NO_LLM",
        "// NO_LLM: vendor code",
        "<!-- NO_LLM -->",
        "/* NO_LLM */",
        "-- NO_LLM",
        "#NO_LLM",
    ],
)
def test_a_comment_marker_in_the_first_ten_lines_opts_out(head: str) -> None:
    assert marked_no_llm("\n" * 9 + head + "\nx = 1\n")
    with pytest.raises(OptedOut, match="NO_LLM in its first 10 lines"):
        check_text(f"{head}\n")


def test_a_marker_below_line_ten_or_outside_a_comment_does_not() -> None:
    assert not marked_no_llm("\n" * 10 + "# NO_LLM\n")
    assert not marked_no_llm('NO_LLM = "a constant"\nprint(NO_LLM_FLAG)\n')
    check_text("x = 1\n")  # no exception


def test_the_default_globs_match_paths_and_names() -> None:
    for path in (".env", "config/.env.production", "deploy/tls.pem", "home/id_rsa", "secrets.yaml"):
        assert excluding_glob(path, DEFAULT_EXCLUDE) is not None, path
    for path in ("src/env.py", "docs/my_secrets.py", "README.md", "app/keys.py"):
        assert excluding_glob(path, DEFAULT_EXCLUDE) is None, path
    assert excluding_glob("internal/billing/rates.py", ["internal/*"]) == "internal/*"


def test_a_marker_file_excludes_its_whole_tree(tmp_path: Path) -> None:
    (tmp_path / "vendor" / "deep").mkdir(parents=True)
    (tmp_path / "vendor" / ".globallm-no-llm").write_text("")
    with pytest.raises(OptedOut, match=r"vendor/\.globallm-no-llm"):
        check_path(tmp_path, "vendor/deep/x.py", [])
    check_path(tmp_path, "src/x.py", [])  # elsewhere: allowed
    (tmp_path / ".globallm-no-llm").write_text("")
    with pytest.raises(OptedOut, match=r"by \.globallm-no-llm$"):
        check_path(tmp_path, "src/x.py", [])
