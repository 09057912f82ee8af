"""The GitHub source in the warehouse: GitHub rows landed through store.land beside real local
checkouts, built and scored by the real flows (dbt), then read back from the marts.

The fixture: the shared workspace (local `core` has the remote git@github.com:acme/core.git and
publishes acme-core, which local `app` depends on; `app` also requires requests), six GitHub
repositories (the twin of `core`; psf/requests and fast/lib, which installed distributions name
as their repository; a quiet one with failing CI; an archived one; one like fast/lib but with no
CI verdict) and issues across them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jinja2 import Environment

from flows.build import build_flow
from flows.crawl import crawl_flow
from flows.score import score_flow
from flows.triage import triage_flow
from scoring.health import HealthConfig
from settings import Settings
from tasks.dbt.build import PROJECT_DIR, invoke
from warehouse.io import store

NOW = datetime.now(UTC)


def _repo(full_name: str, **signals) -> dict:
    row = {
        "repo_id": f"github:{full_name.lower()}",
        "full_name": full_name,
        "node_id": f"R_{full_name}",
        "url": f"https://github.com/{full_name}",
        "description": f"{full_name} on GitHub",
        "primary_language": "Python",
        "topics": ["python"],
        "stars": 1500,
        "forks": 100,
        "archived": False,
        "is_fork": False,
        "license": "MIT",
        "default_branch": "main",
        "created_at": NOW - timedelta(days=3000),
        "pushed_at": NOW - timedelta(days=1),
        "updated_at": NOW - timedelta(days=1),
        "open_issues": 10,
        "closed_issues": 400,
        "issues_closed_90d": 90,
        "commits_90d": 80,
        "authors_90d": 8,
        "releases": 30,
        "latest_release_at": NOW - timedelta(days=20),
        "ci_state": "SUCCESS",
        "has_security_policy": True,
        "has_codeowners": True,
        "fetched_at": NOW,
    }
    row.update(signals)
    row["payload"] = {"nameWithOwner": full_name, "stargazerCount": row["stars"]}
    return row


GITHUB_REPOS = [
    _repo("Acme/Core", stars=1200, forks=40),
    _repo("psf/requests", stars=52000, forks=9000, license="Apache-2.0"),
    _repo("Fast/Lib", stars=3000),
    _repo("Slow/Quiet", commits_90d=2, authors_90d=1, issues_closed_90d=1, open_issues=40,
          ci_state="FAILURE", pushed_at=NOW - timedelta(days=200), stars=1100),
    _repo("Old/Archive", archived=True, commits_90d=0, authors_90d=0, issues_closed_90d=0,
          open_issues=5, ci_state=None, pushed_at=NOW - timedelta(days=1500), stars=2000),
    _repo("No/Ci", ci_state=None, stars=3000),
]  # fmt: skip


def _dist(name: str, repository_url: str | None) -> dict:
    return {"environment": "test-env", "name": name, "version": "1.0", "summary": None,
            "home_page": None, "repository_url": repository_url, "project_urls": None,
            "license": None, "crawled_at": NOW}  # fmt: skip


DISTRIBUTIONS = [
    _dist("requests", "https://github.com/psf/requests/"),
    _dist("fastlib", "git+https://github.com/Fast/Lib.git"),
    _dist("consumer", None),
]
REQUIREMENTS = [
    {"environment": "test-env", "name": "consumer", "target_name": "fastlib",
     "dependency_kind": "runtime", "extra": "", "version_constraint": ""},
]  # fmt: skip


def _issue(full_name: str, number: int, labels: list[str], days_old: int, **extra) -> dict:
    created = NOW - timedelta(days=days_old)
    row = {
        "issue_id": f"I_{full_name}_{number}",
        "repo_full_name": full_name,
        "number": number,
        "title": f"issue {number}",
        "state": "OPEN",
        "labels": labels,
        "reactions": number,
        "comments": 2,
        "author_association": "NONE",
        "linked_pull_requests": 0,
        "url": f"https://github.com/{full_name}/issues/{number}",
        "created_at": created,
        "updated_at": created,
        "closed_at": None,
        "payload": None,
        "fetched_at": NOW,
    }
    row.update(extra)
    return row


ISSUES = [
    _issue("Fast/Lib", 1, ["security", "bug"], 3),
    _issue("Fast/Lib", 2, ["Type: Bug"], 40),
    _issue("Slow/Quiet", 3, ["enhancement"], 300),
    _issue("Slow/Quiet", 4, [], 10, state="CLOSED", closed_at=NOW - timedelta(days=2)),
    _issue("acme/core", 5, ["crash"], 7),
    _issue("Ghost/Repo", 6, ["question"], 1),
]


@pytest.fixture(scope="module")
def built(prefect_server, module_workspace: Path, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("github-wh") / "warehouse.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_github_repositories", GITHUB_REPOS)
        store.land(con, "raw_github_issues", ISSUES)
        store.land(con, "raw_python_distributions", DISTRIBUTIONS)
        store.land(con, "raw_python_requirements", REQUIREMENTS)
    crawl_flow(db, [module_workspace], Settings().crawl.skip_dirs, include_environment=False)
    triage_flow(db, repo="fast/lib", rank=False)  # the others stay untriaged
    build_flow(db)  # a failing dbt test fails the flow
    score_flow(db, {}, {}, {})
    return db


def query(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def by_id(db: Path, sql: str) -> dict[str, dict]:
    with store.connect(db, read_only=True) as con:
        cursor = con.execute(sql)
        names = [c[0] for c in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_dim_repos_holds_both_sources_with_their_facts(built):
    repos = by_id(built, "SELECT repo_id, * FROM dim_repos")
    sources = {r["source"] for r in repos.values()}
    assert sources == {"local", "github"}
    assert sum(r["source"] == "github" for r in repos.values()) == len(GITHUB_REPOS)
    assert sum(r["source"] == "local" for r in repos.values()) == 4
    requests = repos["github:psf/requests"]
    assert (requests["name"], requests["stars"], requests["forks"]) == ("psf/requests", 52000, 9000)
    assert (requests["license"], requests["ci_state"], requests["has_ci"]) == (
        "Apache-2.0", "SUCCESS", True)  # fmt: skip
    assert requests["package_id"] == "pkg:pypi/requests"  # the installed dist's repository URL
    assert repos["github:fast/lib"]["package_id"] == "pkg:pypi/fastlib"  # git+https...Lib.git
    assert repos["github:old/archive"]["archived"] is True
    assert repos["github:no/ci"]["has_ci"] is False and repos["github:no/ci"]["ci_state"] is None
    assert repos["github:slow/quiet"]["days_since_last_commit"] == 200
    # the local checkout of acme/core keeps its own row, joined by URL and package
    local_core = next(r for r in repos.values() if r["source"] == "local" and r["name"] == "core")
    github_core = repos["github:acme/core"]
    assert local_core["canonical_url"] == github_core["canonical_url"]
    assert github_core["canonical_url"] == "https://github.com/acme/core"
    assert local_core["package_id"] == github_core["package_id"] == "pkg:pypi/acme-core"
    assert local_core["stars"] is None and local_core["path"] is not None


def test_health_comes_from_githubs_signals(built):
    health = by_id(built, "SELECT entity_id, * FROM fct_repo_scores WHERE kind = 'repo'")
    lively, quiet = health["github:fast/lib"], health["github:slow/quiet"]
    for component in ("velocity", "diversity", "recency", "resolution", "health"):
        assert lively[component] > quiet[component], component
    assert lively["resolution"] == pytest.approx(90 / 100)
    assert (lively["ci"], quiet["ci"]) == (1.0, 0.0)
    assert lively["tests"] is None  # GitHub says nothing of tests: dropped, not zero
    # no CI verdict: the component is missing and the mean is over the others
    no_ci = health["github:no/ci"]
    assert no_ci["ci"] is None
    config = HealthConfig()
    parts = {"velocity": 1.0, "diversity": 1.0, "recency": 1.0, "resolution": 1.0}
    expected = sum(no_ci[name] * config.model_dump()[f"weight_{name}"] for name in parts) / sum(
        config.model_dump()[f"weight_{name}"] for name in parts
    )
    assert no_ci["health"] == pytest.approx(expected)
    assert lively["health"] > no_ci["health"] > expected * 4 / 4.5  # ci = 0 would give that
    # local checkouts keep their own signals (no issues: resolution drops out)
    local = [r for r in health.values() if r["source"] == "local"]
    assert local and all(r["resolution"] is None for r in local)
    assert all(r["tests"] is not None for r in local)


def test_github_repositories_join_the_dependency_graph_through_their_package(built):
    scores = by_id(built, "SELECT entity_id, * FROM fct_repo_scores")
    assert scores["github:psf/requests"]["dependents"] == 1  # local app requires requests
    assert scores["github:fast/lib"]["dependents"] == 1  # installed consumer requires fastlib
    assert scores["github:slow/quiet"]["dependents"] == 0
    local_core = next(r for r in scores.values() if r["source"] == "local" and r["name"] == "core")
    assert scores["github:acme/core"]["impact"] == pytest.approx(local_core["impact"])
    assert scores["github:acme/core"]["dependents"] == local_core["dependents"] == 1
    # a package a known repository publishes is scored as that repository, not twice
    for package in ("pkg:pypi/requests", "pkg:pypi/fastlib", "pkg:pypi/acme-core"):
        assert package not in scores
    assert "pkg:pypi/consumer" in scores
    published = dict(
        query(
            built,
            "SELECT package_id, github_repo_id FROM dim_packages WHERE github_repo_id IS NOT NULL",
        )
    )
    assert published == {
        "pkg:pypi/requests": "github:psf/requests",
        "pkg:pypi/fastlib": "github:fast/lib",
        "pkg:pypi/acme-core": "github:acme/core",
    }


def test_priority_ranks_github_and_local_repositories_together(built):
    rows = query(built, "SELECT rank, entity_id, source, priority, name FROM fct_priority"
                        " WHERE kind = 'repo' ORDER BY rank")  # fmt: skip
    assert {r[2] for r in rows} == {"local", "github"}
    assert len(rows) == len(GITHUB_REPOS) + 4
    priorities = [r[3] for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    rank = {r[1]: r[0] for r in rows}
    local = {r[4]: r[0] for r in rows if r[2] == "local"}
    assert rank["github:fast/lib"] < local["legacy"]  # interleaved: neither source comes first
    assert local["core"] < rank["github:old/archive"]
    assert rank["github:fast/lib"] < rank["github:slow/quiet"]
    everything = query(built, "SELECT rank FROM fct_priority ORDER BY rank")
    assert [r[0] for r in everything] == list(range(1, len(everything) + 1))


def test_fct_issues_categories_urgency_inputs_and_repo_join(built):
    issues = by_id(built, "SELECT number, * FROM fct_issues")
    assert {n: i["category"] for n, i in issues.items()} == {
        1: "security", 2: "bug", 3: "feature", 4: "other", 5: "bug", 6: "other"}  # fmt: skip
    assert issues[1]["engagement"] == 1 + 2 and issues[1]["age_days"] == 3
    assert issues[3]["age_days"] == 300
    assert (issues[4]["state"], issues[4]["is_open"], issues[4]["age_days"]) == ("closed", False, 8)
    assert issues[1]["dim_repo_id"] == "github:fast/lib"
    assert issues[1]["repo_source"] == "github" and issues[1]["repo_archived"] is False
    # acme/core is both fetched and checked out: the issue belongs to the GitHub row
    assert issues[5]["repo_id"] == issues[5]["dim_repo_id"] == "github:acme/core"
    assert issues[6]["dim_repo_id"] is None  # issues of a repository never fetched stay
    assert len(issues) == len(ISSUES)


def test_fct_issues_carry_the_triage_of_the_issues_triaged(built):
    issues = by_id(built, "SELECT number, * FROM fct_issues")
    assert {n for n, i in issues.items() if i["triage_method"] == "heuristic"} == {1, 2}
    assert issues[1]["solvable"] is False and "security" in issues[1]["solvable_reason"]
    assert issues[2]["complexity"] is not None and issues[2]["triage_current"] is True
    assert issues[3]["complexity"] is None and issues[3]["category"] == "feature"  # labels'


def test_the_work_queue_ranks_open_issues_with_risk_and_decision(built):
    queue = by_id(built, "SELECT number, * FROM fct_issue_priority")
    assert set(queue) == {1, 2, 3, 5, 6}  # the open ones
    assert sorted(q["rank"] for q in queue.values()) == [1, 2, 3, 4, 5]
    assert (queue[1]["risk"], queue[1]["decision"]) == ("CRITICAL", "never")  # security
    assert queue[3]["risk"] == "HIGH"  # untriaged: no complexity, a person decides
    assert all(0 < q["urgency"] <= 1 for q in queue.values())
    by_rank = sorted(queue.values(), key=lambda q: q["rank"])
    assert [q["priority"] for q in by_rank] == sorted(
        (q["priority"] for q in by_rank), reverse=True
    )
    assert queue[1]["health"] is not None and queue[6]["health"] is None  # never fetched
    terms = by_id(built, "SELECT entity_id, urgency, solvability FROM fct_priority")
    assert terms["github:fast/lib"]["urgency"] is not None  # from its top open issues
    assert terms["github:old/archive"]["urgency"] is None  # no open issue: drops out


def test_dbt_tests_of_the_github_models_run_and_pass(built):
    models = ["stg_github__repositories", "int_repos__unioned", "int_repo_health", "dim_repos",
              "dim_packages", "fct_repo_scores", "int_issue_triage", "fct_issues",
              "fct_issue_priority"]  # fmt: skip
    outcome = invoke(built, "test", select=models, variables={})
    assert outcome.success, outcome.describe_failures()
    names = {r.name for r in outcome.results}
    for expected in (
        "unique_stg_github__repositories_repo_id",
        "accepted_values_dim_repos_source__local__github",
        "in_unit_interval_fct_repo_scores_resolution",
        "in_unit_interval_int_repo_health_ci",
        "relationships_fct_issues_dim_repo_id__repo_id__ref_dim_repos_",
        "unique_int_issue_triage_issue_id",
        "accepted_values_fct_issue_priority_risk__LOW__MEDIUM__HIGH__CRITICAL",
    ):
        assert expected in names, sorted(names)


# --- the URL macro, rendered as dbt renders it and run in DuckDB --------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("git@github.com:Acme/Core.git", "https://github.com/acme/core"),
        ("https://github.com/acme/core/", "https://github.com/acme/core"),
        ("git+https://github.com/acme/core.git", "https://github.com/acme/core"),
        ("ssh://git@github.com:22/acme/core.git", "https://github.com/acme/core"),
        ("https://x-access-token:s3cr3t@github.com/acme/core.git", "https://github.com/acme/core"),
        ("https://www.github.com/acme/core/tree/main/docs", "https://github.com/acme/core"),
        ("http://github.com/acme/core#readme", "https://github.com/acme/core"),
        ("git://github.com/acme/core.git", "https://github.com/acme/core"),
        ("https://gitlab.com/group/sub/proj.git", "https://gitlab.com/group/sub/proj"),
        ("https://GHE.corp.example/Acme/Core.git", "https://ghe.corp.example/acme/core"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_repo_url(url, canonical):
    import duckdb

    source = (PROJECT_DIR / "macros" / "normalise_repo_url.sql").read_text(encoding="utf-8")
    sql = Environment().from_string(source + "{{ normalise_repo_url('$1::varchar') }}").render()
    assert duckdb.connect().execute(f"SELECT {sql.strip()}", [url]).fetchone()[0] == canonical
