"""Benchmark the solve loop's two ends: offline triage throughput, and the cost per solved issue.

(a) Triage: a temporary warehouse with `--labelled` synthetic labelled (closed) issues and
`--issues` open ones, triaged twice by the offline classifier (MiniLM embeddings blended in
when the `embeddings` extra is installed, else TF-IDF alone): the first run pays the first-time
cost (every text embedded, the vectors landed in raw_issue_embeddings), the second re-triages
the same open issues with a new classifier version (another hyper-parameter) and every
embedding read from the cache: issues per second, against the goal of >= 200/s on this CPU.
A third run with embeddings off gives TF-IDF alone for comparison.
(b) Solve: `--repos` git repositories (a bare remote each and a tiny package with a passing
pytest suite), `--issues-per-repo` issues in each (one file to change each), triaged and ranked
(flows.score.build_and_score), then `solve_flow` against a scripted OpenAI-compatible server on
loopback (this file's; it answers each file's prompt with the right search/replace edit, its
token counts are the prompt's and answer's characters / 4). Reported: LLM calls and tokens
per solved issue, wall seconds per issue, and the loop's own overhead per issue (the wall
minus the target suites' seconds, ledger_verifications.duration_s). Medians over the issues.

Both parts run under a temporary Prefect server (as the CLI does) unless PREFECT_API_URL
names one; its startup is not counted. Writes bench/results/solve.json.
Usage: python bench/solve.py [--issues 2000] [--labelled 1000] [--repos 3]
                             [--issues-per-repo 2] [--embeddings auto|minilm|off] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


from bench.campaign import start_server as start_prefect
from bench.machine import machine
from fixers.gate import MergePolicy
from fixers.lifecycle import RolloutLimits
from flows.campaign_repository import CampaignPolicy
from flows.runtime.heartbeats import heartbeats_off_when_embedded
from flows.score import Scoring, build_and_score
from flows.solve import SolveParams, solve_flow
from flows.triage import TriageOptions, triage_flow
from scoring.issue_classifier import ClassifierConfig
from tasks.llm.endpoint import LlmEndpoint
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from warehouse.io import store

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_PER_SECOND = 200  # issue 13: offline triage of issues whose embedding is cached
NOW = datetime.now(UTC)
API_KEY_ENV = "GLOBALLM_LLM_API_KEY"

# --- synthetic issues ------------------------------------------------------------------------

THINGS = ["parser", "cache", "router", "scheduler", "exporter", "config loader", "CLI", "plugin",
          "web UI", "logger", "installer", "HTTP client", "database driver", "theme", "worker",
          "serializer", "test runner", "migration", "auth module", "query builder"]  # fmt: skip
KINDS = {
    "bug": (
        [
            "{t} crashes on empty input",
            "TypeError in {t} after upgrading",
            "{t} returns wrong results",
            "Regression: {t} hangs since the last release",
            "{t} fails on Windows",
        ],
        [
            "Steps to reproduce: call the {t} with an empty value.",
            "Traceback (most recent call "
            "last):\n```\nTypeError: 'NoneType' object is not subscriptable\n```",
            "Expected the {t} to return 3 but it returns 4.",
            "This worked in 1.{n} and broke in 1.{m}.",
            "It happens every time on a clean install.",
        ],
    ),
    "feature": (
        [
            "Add support for {t} plugins",
            "Feature request: configurable {t}",
            "Allow the {t} to read YAML",
            "Option to disable the {t}",
            "Expose the {t} in the public API",
        ],
        [
            "It would be nice to configure the {t} per project.",
            "Our use case needs a {t} setting; other tools have one.",
            "Proposal: a new flag for the {t}, off by default.",
            "This would make the {t} easier to extend.",
            "Happy to open a pull request for it.",
        ],
    ),
    "question": (
        [
            "How do I configure the {t}?",
            "Is the {t} thread-safe?",
            "Question about the {t} defaults",
            "What is the recommended way to use the {t}?",
            "Can the {t} run offline?",
        ],
        [
            "I could not find it in the docs, any hint?",
            "Is there an example somewhere of the {t} in use?",
            "Sorry if this is the wrong place to ask.",
            "Thanks for any help with the {t}.",
            "Does anybody run the {t} this way?",
        ],
    ),
    "docs": (
        [
            "Document the {t} options",
            "Typo in the {t} guide",
            "README: the {t} section is out of date",
            "Docs for the {t} are missing an example",
            "Broken link in the {t} docs",
        ],
        [
            "The documentation page of the {t} still shows the old flag.",
            "See https://example.org/docs/{n} for the page.",
            "A short example would help new users of the {t}.",
            "The tutorial skips the {t} step.",
            "The docstring says the opposite.",
        ],
    ),
}
LABELS = {"bug": "bug", "feature": "enhancement", "question": "question", "docs": "documentation"}


def synthetic_issue(rng: random.Random, number: int, kind: str, open_: bool) -> dict:
    titles, sentences = KINDS[kind]
    thing = rng.choice(THINGS)
    fill = {"t": thing, "n": rng.randint(0, 9), "m": rng.randint(10, 19)}
    body = "\n\n".join(s.format(**fill) for s in rng.sample(sentences, rng.randint(2, 5)))
    body += f"\n\nVersion {fill['n']}.{fill['m']}, reported by user {rng.randint(1, 999)}."
    at = NOW - timedelta(days=rng.randint(1, 700), minutes=number)
    repo = f"bench/repo-{number % 7}"
    return {
        "issue_id": f"I_{number}",
        "repo_full_name": repo,
        "number": number,
        "title": rng.choice(titles).format(**fill),
        "body": body,
        "state": "OPEN" if open_ else "CLOSED",
        "labels": [] if open_ else [LABELS[kind]],
        "reactions": rng.randint(0, 9),
        "comments": rng.randint(0, 5),
        "author_association": "NONE",
        "linked_pull_requests": 0,
        "url": f"https://github.com/{repo}/issues/{number}",
        "created_at": at - timedelta(days=10),
        "updated_at": at,
        "closed_at": None if open_ else at,
        "payload": None,
        "fetched_at": NOW,
        "linked_pulls": "[]",
    }


def triage_bench(root: Path, issues: int, labelled: int, embeddings: str) -> dict:
    rng = random.Random(13)
    kinds = list(KINDS)
    rows = [synthetic_issue(rng, n, kinds[n % 4], open_=False) for n in range(labelled)]
    rows += [synthetic_issue(rng, labelled + n, rng.choice(kinds), open_=True)
             for n in range(issues)]  # fmt: skip
    db = root / "triage.duckdb"
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", rows)
    runs = {}
    for name, options in (
        ("first", TriageOptions(embeddings=embeddings)),
        ("cached", TriageOptions(embeddings=embeddings, classifier=ClassifierConfig(c=0.6))),
        ("tfidf_only", TriageOptions(embeddings="off", classifier=ClassifierConfig(c=0.7))),
    ):
        started = time.perf_counter()
        summary = triage_flow(db_path=db, rank=False, options=options)
        seconds = time.perf_counter() - started
        runs[name] = {
            "load_before": load_average(),
            "seconds": round(seconds, 3),
            "triaged": summary.triaged,
            "issues_per_second": round(summary.triaged / seconds, 1),
            "method": summary.method,
            "version": summary.version,
            "embeddings": summary.embeddings,
            "embeddings_cached": summary.embeddings_cached,
            "embeddings_computed": summary.embeddings_computed,
            "notice": summary.notice,
        }
    first, cached = runs["first"], runs["cached"]
    computed = first["embeddings_computed"]
    return {
        "open_issues": issues,
        "labelled_issues": labelled,
        "embeddings": embeddings,
        "runs": runs,
        "first_time": {
            "seconds": first["seconds"],
            "embedded_texts": computed,
            "seconds_per_1000_issues": round(1000 * first["seconds"] / max(issues, 1), 2),
            # what the embedding added: the first run minus the cached run
            "embedding_seconds_estimate": round(first["seconds"] - cached["seconds"], 3),
            "embedded_per_second": round(computed / (first["seconds"] - cached["seconds"]), 1)
            if computed and first["seconds"] > cached["seconds"]
            else None,
        },
        "goal": {
            "metric": "issues triaged per second, embeddings cached",
            "min_per_second": GOAL_PER_SECOND,
            "per_second": cached["issues_per_second"],
            "met": cached["issues_per_second"] >= GOAL_PER_SECOND,
        },
    }


# --- repositories and a scripted OpenAI-compatible server ------------------------------------

MODULE = '''"""{name}, module {j}: `legacy_value` is deprecated in favour of `new_value`."""

from pkg.values import legacy_value, new_value  # noqa: F401


def value_{j}():
    return legacy_value({j})
'''
VALUES = """def new_value(n):
    return 2 * n


def legacy_value(n):
    return new_value(n)
"""
# Both spellings stay covered, so a change's coverage does not drop (the gate would block it).
TEST = """from pkg import values, {imports}


def test_values():
{asserts}


def test_both_spellings():
    assert values.legacy_value(3) == values.new_value(3) == 6
"""


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                          check=True, env=env)  # fmt: skip
    return done.stdout


def make_repo(root: Path, name: str, modules: int) -> None:
    """`root/work/name`, a package of `modules` modules and a passing suite, pushed to its bare
    remote `root/remotes/name.git` (what the clone URL template names)."""
    bare, work = root / "remotes" / f"{name}.git", root / "work" / name
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare", "-b", "main")
    files = {"pkg/__init__.py": "", "pkg/values.py": VALUES, "tests/__init__.py": ""}
    for j in range(modules):
        files[f"pkg/mod_{j}.py"] = MODULE.format(name=name, j=j)  # no two prompts alike
    files["tests/test_values.py"] = TEST.format(
        imports=", ".join(f"mod_{j}" for j in range(modules)),
        asserts="\n".join(f"    assert mod_{j}.value_{j}() == {2 * j}" for j in range(modules)),
    )
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "a package")
    git(work, "remote", "add", "origin", str(bare))
    git(work, "push", "-q", "-u", "origin", "main")


_FILE = re.compile(r'<file path="([^"]+)">\n(.*?)\n</file>', re.DOTALL)


def patch_answer(request: dict) -> Reply:
    """The edit that resolves this benchmark's issues in the prompt's file (its
    `legacy_value(` line, spelled `new_value(`), as the scripted server's answer."""
    prompt = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
    found = _FILE.search(prompt)
    edits = []
    if found:
        path, content = found.groups()
        lines = [line for line in content.splitlines() if "return legacy_value(" in line]
        if len(lines) == 1:
            edits = [{"path": path, "search": lines[0],
                      "replace": lines[0].replace("legacy_value(", "new_value(")}]  # fmt: skip
    content = json.dumps(
        {"edits": edits, "summary": "use new_value", "confidence": 0.95 if edits else 0.0}
    )
    tokens_in, tokens_out = math.ceil(len(prompt) / 4), math.ceil(len(content) / 4)
    return Reply(body=completion(content, tokens_in=tokens_in, tokens_out=tokens_out))


def solve_issue(repo: str, j: int) -> dict:
    at = NOW - timedelta(days=2, minutes=j)
    return {
        "issue_id": f"I_{repo}_{j}", "repo_full_name": repo, "number": j + 1,
        "title": f"pkg/mod_{j}.py still calls legacy_value",
        "body": f"In {repo}, value_{j} in pkg/mod_{j}.py should call new_value instead.",
        "state": "OPEN", "labels": ["bug"], "reactions": 3, "comments": 1,
        "author_association": "NONE", "linked_pull_requests": 0,
        "url": f"https://github.com/{repo}/issues/{j + 1}", "created_at": at - timedelta(days=9),
        "updated_at": at, "closed_at": None, "payload": None, "fetched_at": NOW,
        "linked_pulls": "[]",
    }  # fmt: skip


def verdict(row: dict, j: int) -> dict:
    return {
        "issue_id": row["issue_id"], "issue_updated_at": row["updated_at"],
        "model_version": "llm-bench-model-0", "method": "llm:bench-model", "category": "bug",
        "complexity": 2, "scope": [f"pkg/mod_{j}.py"], "breaking_risk": "low", "solvable": True,
        "solvable_reason": "a one-line change", "confidence": 0.9, "triaged_at": NOW,
    }  # fmt: skip


@contextmanager
def api_key():
    """An API key for the scripted server, in the environment for the solve run only."""
    before = os.environ.get(API_KEY_ENV)
    os.environ[API_KEY_ENV] = "sk-bench"  # pragma: allowlist secret
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(API_KEY_ENV, None)
        else:
            os.environ[API_KEY_ENV] = before


def load_average() -> float | None:
    """The 1-minute load average: other work on the same cores stretches every figure."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def solve_bench(root: Path, repos: int, per_repo: int) -> dict:
    names = [f"repo-{i:02d}" for i in range(repos)]
    for name in names:
        make_repo(root, name, per_repo)
    db = root / "solve.duckdb"
    issues = [(f"bench/{name}", j) for name in names for j in range(per_repo)]
    rows = [solve_issue(repo, j) for repo, j in issues]
    with store.connect(db) as con:
        store.land(con, "raw_github_issues", rows)
        store.land(
            con, "raw_issue_triage", [verdict(r, j) for r, (_, j) in zip(rows, issues, strict=True)]
        )
    started = time.perf_counter()
    build_and_score(db, Scoring(), "bench")
    rank_s = time.perf_counter() - started
    params = SolveParams(
        top=len(issues),
        clone_url_template=f"{root}/remotes/{{name}}.git",
        checkouts_dir=root / "checkouts",
        runs_dir=root / "runs",
    )
    policy = CampaignPolicy(
        merge=MergePolicy(min_confidence=0.8),
        rollout=RolloutLimits(max_open_prs=10_000, prs_per_hour=10_000),
    )
    load = load_average()
    with ScriptedServer(responder=patch_answer) as server:
        llm = LlmEndpoint(base_url=server.base_url, model="bench-model", requests_per_minute=60_000)
        with api_key():
            started = time.perf_counter()
            summary = solve_flow(db_path=db, params=params, policy=policy, llm=llm)
            wall = time.perf_counter() - started
    figures = ledger_figures(db)
    solved = [o for o in summary.outcomes if o.states.get("MERGED") or o.states.get("OPEN")]
    per_issue = figures["per_fix_run"]
    suites = figures["suite_seconds"]
    n = max(len(solved), 1)
    return {
        "repos": repos,
        "issues_per_repo": per_repo,
        "issues": len(issues),
        "rank_s": round(rank_s, 3),
        "load_before": load,
        "wall_s": round(wall, 3),
        "attempted": summary.attempted,
        "solved": len(solved),
        "states": dict(sorted(summary.states.items())),
        "server_requests": len(server.requests),
        "llm_calls": figures["calls"],
        "llm_cache_hits": figures["cache_hits"],
        "tokens": figures["tokens"],
        "calls_per_solved_issue": round(figures["calls"] / n, 3),
        "tokens_per_solved_issue": round(figures["tokens"] / n, 1),
        "wall_s_per_issue": round(wall / max(len(issues), 1), 3),
        "target_test_s": round(suites, 3),
        "target_test_s_per_issue": round(suites / max(len(issues), 1), 3),
        "overhead_s_per_issue": round((wall - suites) / max(len(issues), 1), 3),
        "overhead_share": round((wall - suites) / wall, 3) if wall else None,
        "medians": {
            "fix_run_s": median([r["seconds"] for r in per_issue]),
            "target_test_s": median([r["test_s"] for r in per_issue]),
            "overhead_s": median([r["seconds"] - r["test_s"] for r in per_issue]),
            "calls": median([r["calls"] for r in per_issue]),
            "tokens": median([r["tokens"] for r in per_issue]),
        },
    }


def ledger_figures(db: Path) -> dict:
    """LLM calls and tokens, suite seconds, and per issue its fix run's seconds, LLM calls and
    tokens and its changes' suite seconds."""
    with store.connect(db, read_only=True) as con:
        calls, tokens, hits = con.execute(
            "SELECT count(*), coalesce(sum(tokens_in + tokens_out), 0), "
            "count(*) FILTER (WHERE cache_hit) FROM ledger_llm_calls "
            "WHERE prompt_name = 'llm_patch'"
        ).fetchone()
        suites = con.execute(
            "SELECT coalesce(sum(duration_s), 0) FROM ledger_verifications"
        ).fetchone()[0]
        per_issue = con.execute(
            """
            WITH fixes AS (
                SELECT run_id, json_extract_string(config, '$.issue.url') AS url,
                       epoch(updated_at) - epoch(created_at) AS seconds
                FROM ledger_runs WHERE kind = 'fix'
            ),
            llm AS (
                SELECT run_id, count(*) AS calls, sum(tokens_in + tokens_out) AS tokens
                FROM ledger_llm_calls GROUP BY run_id
            ),
            tests AS (
                SELECT p.source AS url, sum(v.duration_s) AS test_s
                FROM (SELECT DISTINCT source, change_id FROM ledger_plan_items) AS p
                JOIN ledger_verifications AS v USING (change_id)
                GROUP BY p.source
            )
            SELECT f.url, f.seconds, coalesce(l.calls, 0), coalesce(l.tokens, 0),
                   coalesce(t.test_s, 0)
            FROM fixes AS f LEFT JOIN llm AS l USING (run_id) LEFT JOIN tests AS t USING (url)
            ORDER BY f.url
            """
        ).fetchall()
    return {
        "calls": int(calls),
        "cache_hits": int(hits),
        "tokens": int(tokens),
        "suite_seconds": float(suites),
        "per_fix_run": [
            {"seconds": float(s), "calls": int(c), "tokens": int(t), "test_s": float(v)}
            for _, s, c, t, v in per_issue
        ],
    }


# --- main ------------------------------------------------------------------------------------


def start_server() -> float:
    """Prefect's temporary server started as a CLI run would (bench/campaign.py); its seconds."""
    started = time.perf_counter()
    start_prefect()
    return round(time.perf_counter() - started, 3)


def report(payload: dict) -> None:
    t = payload["triage"]
    for name, run in t["runs"].items():
        print(
            f"triage {name:10s} {run['triaged']:6d} issues in {run['seconds']:8.2f} s = "
            f"{run['issues_per_second']:8.1f} issues/s  (embeddings: "
            f"{run['embeddings_cached']} cached, {run['embeddings_computed']} computed)"
        )
    first = t["first_time"]
    print(
        f"first-time cost: {first['embedded_texts']} texts embedded, ~"
        f"{first['embedding_seconds_estimate']} s ({first['embedded_per_second']} texts/s)"
    )
    goal = t["goal"]
    print(f"goal >= {goal['min_per_second']}/s with cached embeddings: "
          f"{goal['per_second']}/s, met: {goal['met']}")  # fmt: skip
    s = payload["solve"]
    if s is None:
        return
    print(f"solve: {s['solved']} of {s['issues']} issues solved ({s['states']}) in "
          f"{s['wall_s']:.2f} s over {s['repos']} repositories")  # fmt: skip
    print(f"  per solved issue: {s['calls_per_solved_issue']} LLM calls, "
          f"{s['tokens_per_solved_issue']} tokens ({s['llm_cache_hits']} cache hits)")  # fmt: skip
    print(f"  per issue: {s['wall_s_per_issue']} s wall, {s['target_test_s_per_issue']} s the "
          f"target's tests, {s['overhead_s_per_issue']} s the loop's overhead "
          f"({100 * (s['overhead_share'] or 0):.0f} % of the wall)")  # fmt: skip
    print(f"  medians per fix run: {s['medians']}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=2000, help="open issues to triage")
    parser.add_argument("--labelled", type=int, default=1000, help="labelled issues to train on")
    parser.add_argument("--embeddings", choices=["auto", "minilm", "off"], default="auto")
    parser.add_argument("--repos", type=int, default=3, help="repositories to solve in (0: none)")
    parser.add_argument("--issues-per-repo", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "solve.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="globallm-bench-solve-") as tmp:
        root = Path(tmp)
        with heartbeats_off_when_embedded():
            server_s = start_server()
            triage = triage_bench(root, args.issues, args.labelled, args.embeddings)
            solve = solve_bench(root, args.repos, args.issues_per_repo) if args.repos else None
    payload = {
        "machine": machine(),
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "prefect_server_start_s": server_s,
        "triage": triage,
        "solve": solve,
    }
    report(payload)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}")
    return payload


if __name__ == "__main__":
    main()
