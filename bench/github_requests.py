"""What the GitHub source costs: requests per repository and rate-limit points, against the
data fake on 127.0.0.1 (GitHub's real schema, GitHub's documented cost) for 2,000 repositories
and 20,000 issues: a first crawl, then a re-crawl where nothing changed.

Goals: <= 0.05 requests per repository for discovery plus health on a first crawl, <= 0.01 per
repository for the whole unchanged re-crawl. Also a full health refresh of every known
repository (nodes(ids:) plus one `closed:>` issue search per repository, 100 a request), for
its request count and rate-limit points. Writes bench/results/github_requests.json.
Usage: python bench/github_requests.py [--repositories 2000] [--issues 20000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.github.crawl import crawl_issues, discover_repositories, refresh_health  # noqa: E402
from tasks.github.discovery import LANGUAGES  # noqa: E402
from tasks.github.graphql import GitHubTiming  # noqa: E402
from tasks.github.http import GitHubEndpoint  # noqa: E402
from tests.fakes.github_data import GitHubData  # noqa: E402
from tests.fakes.github_server import load_schema  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TOKEN = "ghp_bench_token_0123456789"  # pragma: allowlist secret
TIMING = GitHubTiming(backoff_s=0.01, max_backoff_s=0.05, requests_per_s=0)


def crawl(fake: GitHubData, db: Path, max_issues: int) -> dict:
    """The github-crawl flow's three steps (as its tasks' bodies, without Prefect)."""
    steps, started = {}, time.perf_counter()
    at = GitHubEndpoint(api_url=fake.base_url, graphql_url=fake.graphql_url)
    for name, step in (
        (
            "discovery",
            lambda: discover_repositories.fn(db, list(LANGUAGES), 1000, timing=TIMING, endpoint=at),
        ),
        ("health", lambda: refresh_health.fn(db, 1000, 24.0, timing=TIMING, endpoint=at)),
        ("issues", lambda: crawl_issues.fn(db, None, max_issues, 1000, timing=TIMING, endpoint=at)),
    ):
        before_requests, before_points = fake.graphql_requests, fake.points_used
        result = step()
        steps[name] = {
            "requests": fake.graphql_requests - before_requests,
            "points": fake.points_used - before_points,
            "repositories": result.repositories,
            "issues": result.issues,
            "failed": result.failed,
        }
    steps["seconds"] = round(time.perf_counter() - started, 2)
    return steps


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=2000)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=RESULTS / "github_requests.json")
    args = parser.parse_args(argv)
    repos = args.repositories
    with GitHubData(TOKEN, load_schema()) as fake, tempfile.TemporaryDirectory() as tmp:
        os.environ["GITHUB_TOKEN"] = TOKEN  # the tasks read it; the endpoint is a value
        fake.populate(repos, args.issues)
        db = Path(tmp) / "bench.duckdb"
        first = crawl(fake, db, max_issues=50)
        again = crawl(fake, db, max_issues=50)
        before_requests, before_points = fake.graphql_requests, fake.points_used
        at = GitHubEndpoint(api_url=fake.base_url, graphql_url=fake.graphql_url)
        refreshed = refresh_health.fn(db, 1000, 0.0, timing=TIMING, endpoint=at)
        health = {
            "repositories": refreshed.repositories,
            "requests": fake.graphql_requests - before_requests,
            "points": fake.points_used - before_points,
        }
        assert not fake.invalid_queries, fake.invalid_queries[:1]
    result = {
        "repositories": repos,
        "issues": args.issues,
        "first": first,
        "recrawl": again,
        "full_health_refresh": health,
    }
    for label, run in (("first crawl", first), ("unchanged re-crawl", again)):
        total = sum(run[s]["requests"] for s in ("discovery", "health", "issues"))
        points = sum(run[s]["points"] for s in ("discovery", "health", "issues"))
        disc_health = run["discovery"]["requests"] + run["health"]["requests"]
        run["requests_per_repo"] = round(total / repos, 4)
        run["discovery_health_requests_per_repo"] = round(disc_health / repos, 4)
        run["points"] = points
        print(
            f"{label:>20}: {total} requests ({total / repos:.4f}/repo; discovery+health "
            f"{disc_health / repos:.4f}/repo), {points} points, "
            f"{run['discovery']['repositories']} repos, {run['issues']['issues']} issues, "
            f"{run['seconds']}s"
        )
    print(
        f"{'full health refresh':>20}: {health['requests']} requests, {health['points']} points "
        f"for {health['repositories']} repos "
        f"({health['points'] / max(1, health['requests']):.1f} points a request of 100)"
    )
    result["goals_met"] = {
        "first_discovery_health_le_0.05": first["discovery_health_requests_per_repo"] <= 0.05,
        "recrawl_le_0.01": again["requests_per_repo"] <= 0.01,
    }
    print(f"goals: {result['goals_met']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
