"""bench/github_requests.py at a tiny size: a first crawl and an unchanged re-crawl against the
fake GitHub, with requests and rate-limit points counted per step."""

from __future__ import annotations

from bench import github_requests as bench
from tests.bench.results import read_results

REPOS, ISSUES = 60, 300


def test_counts_requests_and_points_of_a_crawl_and_a_recrawl(tmp_path, monkeypatch):
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_GRAPHQL_URL"):
        monkeypatch.setenv(name, "")  # main() points them at its fake; put back afterwards
    out = tmp_path / "github_requests.json"
    returned = bench.main(["--repositories", str(REPOS), "--issues", str(ISSUES),
                           "--out", str(out)])  # fmt: skip
    result = read_results(out, returned)
    first, again = result["first"], result["recrawl"]
    assert first["discovery"]["repositories"] == REPOS
    assert first["issues"]["issues"] == ISSUES
    for run in (first, again):
        for step in ("discovery", "health", "issues"):
            assert run[step]["failed"] == 0, step
            assert run[step]["requests"] >= 0 and run[step]["points"] >= 0, step
        assert 0 < run["requests_per_repo"] < 1
        assert run["discovery_health_requests_per_repo"] <= run["requests_per_repo"]
    assert again["points"] < first["points"]  # nothing changed: far cheaper
    assert again["issues"]["issues"] == 0
    refresh = result["full_health_refresh"]
    assert refresh["repositories"] == REPOS and refresh["requests"] >= 1
    assert set(result["goals_met"]) == {"first_discovery_health_le_0.05", "recrawl_le_0.01"}
