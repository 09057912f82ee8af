"""Benchmark a campaign over real repositories: wall time, environment builds (first and
cached), time in the targets' own suites, and globallm's overhead.

Each repository given is cloned (with a bare copy as its origin, so nothing of yours is
touched) into a temporary folder; the upgrade-python campaign then runs twice over the same
clones in dry-run mode: the first run builds each repository's test environment, the second
finds them cached. Overhead = wall - (suite seconds + environment seconds) / concurrency; the
DESIGN goal is <= 10 % of the wall time with environments cached. That figure also charges
globallm for lanes left idle because one repository's suites are longer than the others'; the
time in which no suite and no environment build runs at all ("alone") is what globallm alone
costs, and each repository's suite seconds show the imbalance. Writes
bench/results/campaign_real.json.

Usage: python bench/campaign_real.py --repos DIR [DIR ...] [--concurrency 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

from prefect.task_runners import ThreadPoolTaskRunner

import flows.campaign_repository as repository_module
import tasks.campaign.sandbox as sandbox_module
from bench.campaign import start_server
from bench.machine import machine
from flows.campaign import CampaignSpec, campaign_run_flow
from flows.campaign_repository import CampaignPolicy
from flows.runtime.heartbeats import heartbeats_off_when_embedded
from warehouse.io import store

RESULTS = Path(__file__).resolve().parent / "results"
OPTIONS = {"target_version": "3.12"}
GOAL = 0.10
CHANGE_FIELDS = ("repo", "state", "passed_before", "passed_after", "tests_after", "python",
                 "coverage_before", "coverage_after", "gate_reasons")  # fmt: skip


class Timings:
    """Seconds spent in the targets' suites and in building their environments, this process."""

    def __init__(self) -> None:
        self.suites: list[float] = []
        self.environments: list[tuple[str, float, bool]] = []
        self.spans: list[tuple[float, float, str]] = []  # (start, end, repository) of each

    def install(self) -> None:
        run_suite, ensure = sandbox_module.run_suite, repository_module.ensure_environment_task

        def timed_suite(*args, **kwargs):
            started = time.perf_counter()
            try:
                return run_suite(*args, **kwargs)
            finally:
                self.suites.append(time.perf_counter() - started)
                self.spans.append((started, time.perf_counter(), _repository(args[0])))

        def timed_environment(worktree, *args, **kwargs):
            started = time.perf_counter()
            env = ensure(worktree, *args, **kwargs)
            self.environments.append(
                (Path(worktree).name, time.perf_counter() - started, env.built)
            )
            self.spans.append((started, time.perf_counter(), _repository(worktree)))
            return env

        sandbox_module.run_suite = timed_suite
        repository_module.ensure_environment_task = timed_environment

    def reset(self) -> None:
        self.suites.clear()
        self.environments.clear()
        self.spans.clear()

    def busy(self) -> float:
        """Seconds in which at least one suite or environment build ran (their union)."""
        total, reach = 0.0, float("-inf")
        for start, end, _ in sorted(self.spans):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total

    def per_repository(self) -> dict[str, float]:
        seconds: dict[str, float] = {}
        for start, end, repo in self.spans:
            seconds[repo] = seconds.get(repo, 0.0) + end - start
        return {repo: round(s, 2) for repo, s in sorted(seconds.items())}


def _repository(worktree) -> str:
    """runs/<run>/worktrees/<repository>/<baseline|batch-N>: the repository's name."""
    return Path(worktree).parent.name


def clone_all(sources: list[Path], root: Path) -> list[str]:
    """Each source as `root/work/NAME` whose origin is a bare copy `root/remotes/NAME.git`."""
    names = []
    for source in sources:
        name = source.resolve().name
        bare, work = root / "remotes" / f"{name}.git", root / "work" / name
        subprocess.run(["git", "clone", "-q", "--bare", str(source), str(bare)], check=True)
        subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True)
        names.append(name)
    return names


def campaign(root: Path, label: str, concurrency: int, timings: Timings) -> dict:
    """One dry-run campaign over the clones: its figures."""
    flow = campaign_run_flow.with_options(task_runner=ThreadPoolTaskRunner(concurrency))
    spec = CampaignSpec(
        recipe="upgrade-python", options=OPTIONS, paths=[root / "work"], runs_dir=root / "runs"
    )
    policy = CampaignPolicy(dry_run=True, envs_dir=root / "envs")
    db = root / "warehouse.duckdb"  # one, as nightly runs share: the second knows the suites
    timings.reset()
    started = time.perf_counter()
    summary = flow(db_path=db, spec=spec, policy=policy)
    wall = time.perf_counter() - started
    suites, envs = sum(timings.suites), sum(s for _, s, _ in timings.environments)
    overhead = wall - (suites + envs) / concurrency
    alone = wall - timings.busy()
    with store.connect(db, read_only=True) as con:
        verified = con.execute(
            "SELECT c.repo, c.state, v.passed_before, v.passed_after, v.tests_after, v.python,"
            " v.coverage_before, v.coverage_after, c.gate_reasons"
            " FROM ledger_changes AS c LEFT JOIN ledger_verifications AS v USING (change_id)"
            " WHERE c.run_id = ? ORDER BY c.repo",
            [summary.run_id],
        ).fetchall()
    return {
        "run": label,
        "run_id": summary.run_id,
        "states": dict(sorted(summary.states.items())),
        "wall_s": round(wall, 2),
        "suite_s": round(suites, 2),
        "suite_runs": len(timings.suites),
        "environment_s": round(envs, 2),
        "environments": [
            {"repo": repo, "seconds": round(s, 2), "built": built}
            for repo, s, built in timings.environments
        ],
        "overhead_s": round(overhead, 2),
        "overhead_pct": round(100 * overhead / wall, 1) if wall else None,
        "alone_s": round(alone, 2),
        "alone_pct": round(100 * alone / wall, 1) if wall else None,
        "target_s_per_repository": timings.per_repository(),
        "changes": [
            dict(zip(CHANGE_FIELDS, row, strict=True))
            | {"repo": Path(row[0]).name, "python": _version(row[5])}
            for row in verified
        ],
    }


def _version(python: str | None) -> str | None:
    """`Python 3.12.1` of the interpreter that ran (its path names this machine's folders)."""
    if not python:
        return None
    done = subprocess.run([python, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip() or None


def report(run: dict) -> None:
    print(
        f"{run['run']:>6}: wall {run['wall_s']:7.2f} s · suites {run['suite_s']:7.2f} s "
        f"({run['suite_runs']} runs) · environments {run['environment_s']:6.2f} s · overhead "
        f"{run['overhead_s']:6.2f} s = {run['overhead_pct']} % · globallm alone "
        f"{run['alone_s']:5.2f} s = {run['alone_pct']} % · {run['states']}"
    )
    print(f"        suites + environment per repository (s): {run['target_s_per_repository']}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=Path, nargs="+", required=True, help="git checkouts")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "campaign_real.json")
    args = parser.parse_args(argv)
    timings = Timings()
    timings.install()
    with tempfile.TemporaryDirectory(prefix="globallm-real-") as tmp:
        root = Path(tmp)
        names = clone_all(args.repos, root)
        with heartbeats_off_when_embedded():
            start_server()
            runs = [
                campaign(root, label, args.concurrency, timings) for label in ("first", "cached")
            ]
    for run in runs:
        report(run)
    cached = runs[-1]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        **machine(),
        "repos": names,
        "concurrency": args.concurrency,
        "options": OPTIONS,
        "runs": runs,
        "goal": {
            "max_overhead_pct": 100 * GOAL,
            "cached_overhead_pct": cached["overhead_pct"],
            "met": cached["overhead_pct"] is not None and cached["overhead_pct"] <= 100 * GOAL,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
