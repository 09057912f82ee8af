"""The registry crawl's seeds: names normalised and deduplicated, a lockfile's other ecosystems
and unreadable lines left out and reported."""

from __future__ import annotations

from pathlib import Path

from tasks.registries.seeds import read_seeds


def test_names_are_normalised_and_deduplicated() -> None:
    seeds, skipped = read_seeds.fn("pypi", ["Requests", "requests", " ", "Typing_Extensions"], None)
    assert seeds == ["requests", "typing-extensions"] and skipped == []


def test_a_lockfile_adds_its_packages_and_reports_what_it_leaves_out(tmp_path: Path) -> None:
    lockfile = tmp_path / "requirements.txt"
    lockfile.write_text("httpx==0.27.0\nrich>=13\n==broken\n")
    seeds, skipped = read_seeds.fn("pypi", ["httpx"], lockfile)
    assert seeds == ["httpx", "rich"]
    assert len(skipped) == 1 and "==broken" in skipped[0]
    seeds, skipped = read_seeds.fn("npm", [], lockfile)
    assert seeds == [] and "pypi:httpx (not npm)" in skipped
