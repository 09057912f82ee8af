"""Classifying repository paths: tests, CI systems, line counts."""

from __future__ import annotations

from pathlib import Path

from tasks.local.file_kinds import ci_systems, count_lines, is_test_path


def test_test_path_detection():
    assert is_test_path("tests/test_x.py")
    assert is_test_path("pkg/foo_test.go")
    assert is_test_path("src/app.spec.ts")
    assert is_test_path("src/test/java/AppTest.java")
    assert not is_test_path("src/contest.py")
    assert not is_test_path("latest/app.py")


def test_ci_systems_are_named_once_each_and_sorted():
    paths = [".github/workflows/a.yml", ".github/workflows/b.yml", ".gitlab-ci.yml", "src/x.py"]
    assert ci_systems(paths) == ["github-actions", "gitlab-ci"]
    assert ci_systems(["docs/.github/workflows/x.yml"]) == []


def test_count_lines_counts_newlines_even_in_non_utf8_files(tmp_path: Path):
    path = tmp_path / "latin1.py"
    path.write_bytes(b"# caf\xe9\nx = 1\n")
    assert count_lines(path, 1_000) == 2
    assert count_lines(path, 5) is None
