"""What a repository's file paths say: language, test code, CI configuration, size."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

LANGUAGES = {
    ".py": "Python",
    ".pyi": "Python",
    ".js": "JavaScript",
    ".mjs": "JavaScript",
    ".cjs": "JavaScript",
    ".jsx": "JavaScript",
    ".ts": "TypeScript",
    ".tsx": "TypeScript",
    ".go": "Go",
    ".rs": "Rust",
    ".java": "Java",
    ".kt": "Kotlin",
    ".c": "C",
    ".h": "C",
    ".cc": "C++",
    ".cpp": "C++",
    ".hpp": "C++",
    ".cs": "C#",
    ".rb": "Ruby",
    ".php": "PHP",
    ".swift": "Swift",
    ".scala": "Scala",
    ".sh": "Shell",
    ".sql": "SQL",
}
CI_MARKERS = {
    ".github/workflows/": "github-actions",
    ".gitlab-ci.yml": "gitlab-ci",
    ".circleci/": "circleci",
    "azure-pipelines.yml": "azure-pipelines",
    "Jenkinsfile": "jenkins",
    ".travis.yml": "travis",
    ".ci/": "custom",
}
TEST_DIRS = {"tests", "test", "__tests__", "spec"}


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path)
    name = parts.name
    return (
        any(part in TEST_DIRS for part in parts.parts[:-1])
        or name.startswith("test_")
        or name.endswith(("_test.py", "_test.go", "Test.java"))
        or ".test." in name
        or ".spec." in name
    )


def ci_systems(paths: list[str]) -> list[str]:
    return sorted({system for p in paths for m, system in CI_MARKERS.items() if p.startswith(m)})


def count_lines(path: Path, max_bytes: int) -> int | None:
    """Newlines in a file, or None when it is too large to count."""
    if path.stat().st_size > max_bytes:
        return None
    return path.read_bytes().count(b"\n")
