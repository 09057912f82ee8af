"""tasks/local/repos.py's README excerpt, the text redundancy embeds for a local checkout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tasks.local.repos import README_EXCERPT_CHARS, crawl_repository, readme_excerpt
from tests.gitrepos import CommitSpec, make_repo


def test_crawl_records_the_head_of_the_top_level_readme(tmp_path: Path):
    repo = make_repo(
        tmp_path / "lib",
        [
            CommitSpec(
                "Ada",
                1,
                {
                    "README.rst": "the rst one\n",
                    "README.md": "# lib\n" + "x" * (README_EXCERPT_CHARS * 2),
                    "docs/README.md": "nested, not the project's README\n",
                },
            )
        ],
    )
    crawl = crawl_repository.fn(repo, datetime.now(UTC), 1_000_000, [".git"])
    excerpt = crawl.repo.readme_excerpt
    assert excerpt is not None
    assert excerpt.startswith("# lib\nxxx")
    assert len(excerpt) == README_EXCERPT_CHARS


def test_undecodable_bytes_are_replaced_and_no_readme_is_none(tmp_path: Path):
    (tmp_path / "README").write_bytes(b"caf\xe9 tools\n")
    assert readme_excerpt(tmp_path, ["README"]) == "caf\ufffd tools\n"
    assert readme_excerpt(tmp_path, ["src/main.py"]) is None
