"""Benchmark a whole campaign: globallm's own overhead around the targets' test suites.

Generates N repositories (tests.campaign_repos; every 10th pins the old spelling, so its upgrade
breaks a test and the gate BLOCKS it), then runs the upgrade-python campaign over them with
`campaign_run_flow` under an embedded temporary Prefect server. The wall time is split into the
targets' own test time (their sandboxed pytest runs) and globallm's overhead; the DESIGN goal is
overhead <= 10 % of the total. Writes bench/results/campaign.json.

Where the time goes is measured by wrapping, in this process only, what the flows call (no
project file changes): each task is timed as called (through Prefect) and as its plain function,
the difference being Prefect's task-run cost; likewise the flows and their ledger hooks.

Usage: python bench/campaign.py [--repos 20] [--concurrency 2] [--repeat 1] [--pinned-every 10]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import tempfile
import time
import types
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

_IMPORT_STARTED = time.perf_counter()
from prefect.server.api.server import SubprocessASGIServer  # noqa: E402
from prefect.settings import get_current_settings  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

import flows.campaign as campaign_module  # noqa: E402
import flows.campaign_repository as repository_module  # noqa: E402
import tasks.campaign.sandbox as sandbox_module  # noqa: E402
from bench.machine import machine  # noqa: E402
from flows.campaign import campaign_run_flow  # noqa: E402
from flows.campaign_repository import CampaignPolicy  # noqa: E402
from flows.runtime.heartbeats import heartbeats_off_when_embedded  # noqa: E402
from flows.runtime.ledger_hooks import record_state  # noqa: E402
from settings import CrawlSettings  # noqa: E402
from tests.campaign_repos import make_campaign_repo  # noqa: E402
from warehouse.io import store  # noqa: E402

IMPORT_S = time.perf_counter() - _IMPORT_STARTED

RESULTS = Path(__file__).resolve().parent / "results"
RECIPE = "upgrade-python"
OPTIONS = {"target_version": "3.12"}
GOAL = 0.10  # DESIGN: globallm's overhead at most 10 % of a campaign's wall time
HOOK_ATTRS = ("on_running", "on_completion", "on_failure", "on_crashed", "on_cancellation")
# Tasks the flows call directly, as (calling module, name): timed as called through Prefect
# ("<name>.call") and as the plain function ("<name>.work").
PLAN_TASKS = ["record_plan_items", "write_plan_file", "load_plan"]
GIT_TASKS = [
    "prepare_base",
    "guard_branch",
    "apply_batch",
    "publish_local",
    "merge_local",
    "remove_worktree",
]
LEDGER_TASKS = ["record_change", "count_changes"]
SUITE_TASKS = ["run_suite_task", "rerun_failures_task"]  # their work is the suites (timed apart)
CALLED_TASKS = [(campaign_module, n) for n in PLAN_TASKS] + [
    (repository_module, n) for n in GIT_TASKS + LEDGER_TASKS + SUITE_TASKS
]


# --- instrumentation -------------------------------------------------------------------------


class Probe:
    """Intervals (perf_counter seconds) recorded by wrappers around what the flows call."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, float, float, str]] = []  # (label, start, end, repo or "")
        self.suites: list[dict] = []  # one per run_suite call
        self.processes: list[tuple[float, float]] = []  # the suite subprocesses themselves

    def reset(self) -> None:
        self.spans.clear()
        self.suites.clear()
        self.processes.clear()

    def wrap(self, label: str, fn, repo_of=None):
        clock, record = time.perf_counter, self.spans.append

        def timed(*args, **kwargs):
            started = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                record((label, started, clock(), repo_of(kwargs) if repo_of else ""))

        if not isinstance(fn, types.FunctionType):
            return timed  # a Task object, as the flows call it
        # Prefect resolves a flow's postponed annotations in `fn.__globals__`: keep the original's
        rebuilt = types.FunctionType(
            timed.__code__, fn.__globals__, fn.__name__, None, timed.__closure__
        )
        return functools.update_wrapper(rebuilt, fn)

    def wrap_suite(self, run_suite):
        @functools.wraps(run_suite)
        def timed(worktree, *args, **kwargs):
            started = time.perf_counter()
            result = run_suite(worktree, *args, **kwargs)
            if kwargs.get("only", args[3] if len(args) > 3 else None) is not None:
                kind = "rerun"  # rerun_failures: only the failed tests, again
            else:
                kind = "baseline" if Path(worktree).name == "baseline" else "after"
            self.suites.append(
                {
                    "repo": Path(worktree).parent.name,
                    "kind": kind,
                    "start": started,
                    "end": time.perf_counter(),
                    "duration_s": result.duration_s,
                    "isolation": str(result.isolation),
                }
            )
            return result

        return timed

    def wrap_execute(self, execute):
        @functools.wraps(execute)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return execute(*args, **kwargs)
            finally:
                self.processes.append((started, time.perf_counter()))

        return timed

    def wrap_hook(self, hook):
        @functools.wraps(hook)
        def timed(flow, flow_run, state):
            started = time.perf_counter()
            try:
                return hook(flow, flow_run, state)
            finally:
                self.spans.append((f"hook:{flow.name}", started, time.perf_counter(), ""))

        return timed


class TimedLock:
    """The roll-out lock, recording how long each repository waited for it."""

    def __init__(self, lock, probe: Probe) -> None:
        self.lock, self.probe = lock, probe

    def __enter__(self):
        started = time.perf_counter()
        self.lock.acquire()
        self.probe.spans.append(("rollout_lock_wait", started, time.perf_counter(), ""))
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


def instrument(probe: Probe) -> None:
    """Install the timing wrappers in this process (once); project files are not touched."""
    module = campaign_module
    module._plan = probe.wrap("plan", module._plan)
    module.list_repositories.fn = probe.wrap("find_repositories", module.list_repositories.fn)
    module.plan_repository.fn = probe.wrap("plan_repository.work", module.plan_repository.fn)
    for module, name in CALLED_TASKS:
        task = getattr(module, name)
        task.fn = probe.wrap(f"{name}.work", task.fn)
        setattr(module, name, probe.wrap(f"{name}.call", task))
    repository_flow = repository_module.repository_flow
    repository_flow.fn = probe.wrap("repository_flow.body", repository_flow.fn)
    campaign_module.repository_flow = probe.wrap(
        "repository_flow.call", repository_flow, repo_of=lambda kw: Path(kw["repo_path"]).name
    )
    # the suite tasks and rerun_failures call run_suite through its own module
    sandbox_module.run_suite = probe.wrap_suite(sandbox_module.run_suite)
    sandbox_module.execute = probe.wrap_execute(sandbox_module.execute)
    repository_module._ROLLOUT = TimedLock(repository_module._ROLLOUT, probe)
    hook_flows(repository_flow, probe)


def hook_flows(flow, probe: Probe) -> None:
    """Time the ledger hooks of one flow object (a with_options copy has its own lists)."""
    timed = probe.wrap_hook(record_state)
    for attr in HOOK_ATTRS:
        hooks = getattr(flow, f"{attr}_hooks")
        setattr(flow, f"{attr}_hooks", [timed if h is record_state else h for h in hooks])


# --- one campaign ----------------------------------------------------------------------------


def campaign_arguments(root: Path, skip_dirs: list[str]) -> dict:
    """What and where the campaign runs, as `campaign_run_flow` takes it."""
    spec = campaign_module.CampaignSpec(
        recipe=RECIPE,
        options=OPTIONS,
        paths=[root / "work"],
        skip_dirs=skip_dirs,
        runs_dir=root / "runs",
    )
    return {"spec": spec}


def run_once(args, probe: Probe, skip_dirs: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="globallm-bench-") as tmp:
        root = Path(tmp)
        pinned = []
        for i in range(args.repos):
            name = f"repo-{i:02d}"
            pins = args.pinned_every > 0 and i % args.pinned_every == args.pinned_every - 1
            make_campaign_repo(root, name, pins_old_spelling=pins, suite_seconds=args.suite_seconds)
            pinned += [name] if pins else []
        flow = campaign_run_flow.with_options(task_runner=ThreadPoolTaskRunner(args.concurrency))
        flow.fn = probe.wrap("campaign.body", flow.fn)
        hook_flows(flow, probe)
        db = root / "w.duckdb"
        arguments = campaign_arguments(root, skip_dirs)
        probe.reset()
        # ---- timing starts: the repositories exist, globallm and Prefect are imported
        started = time.perf_counter()
        with heartbeats_off_when_embedded():  # as the CLI runs every command
            start_server()
            server_ready = time.perf_counter()
            summary = flow(db_path=db, policy=CampaignPolicy(), **arguments)
            finished = time.perf_counter()
        # ---- timing ends
        ledger = ledger_figures(db, summary.run_id)
    marks = {"started": started, "server_ready": server_ready, "finished": finished}
    figures = analyse(args.concurrency, probe, marks, ledger)
    return {
        "repos": args.repos,
        "pinned_old_spelling": pinned,
        "concurrency": args.concurrency,
        "run_id": summary.run_id,
        "states": dict(sorted(summary.states.items())),
        "plan": summary.plan.model_dump(exclude={"plan_path"}) if summary.plan else None,
        **figures,
        "ledger": ledger,
    }


def start_server() -> None:
    """What a CLI run's first flow call does: start Prefect's temporary server, unless
    PREFECT_API_URL names one. It lives for the process, so a --repeat run after the first finds
    it running (reported as ~0 s)."""
    if not get_current_settings().api.url:
        SubprocessASGIServer().start()


def ledger_figures(db: Path, run_id: str) -> dict:
    """What the warehouse says about the run: suite seconds, states, per-repo and plan times."""
    with store.connect(db, read_only=True) as con:

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql, [run_id]).fetchall()

        verified, suite_s = rows(
            "SELECT count(*), coalesce(sum(v.duration_s), 0) FROM ledger_verifications v"
            " JOIN ledger_changes c USING (change_id) WHERE c.run_id = $1"
        )[0]
        states = rows("SELECT state, count(*) FROM ledger_changes WHERE run_id = $1 GROUP BY 1")
        per_repo = rows("SELECT repo, count(*) FROM ledger_changes WHERE run_id = $1 GROUP BY 1")
        blocked = rows(
            "SELECT repo FROM ledger_changes WHERE run_id = $1 AND state = 'BLOCKED' ORDER BY 1"
        )
        subflows = rows(
            "SELECT epoch(updated_at) - epoch(created_at) FROM ledger_runs"
            " WHERE parent_run_id = $1 AND kind = 'campaign-repository'"
        )
        started, planned, first_repo = rows(
            "SELECT"
            " (SELECT min(occurred_at) FROM ledger_events WHERE subject_kind = 'run'"
            "  AND run_id = $1 AND state = 'RUNNING'),"
            " (SELECT max(occurred_at) FROM ledger_events WHERE subject_kind = 'plan_item'"
            "  AND run_id = $1),"
            " (SELECT min(created_at) FROM ledger_runs WHERE parent_run_id = $1)"
        )[0]
    return {
        "verified_changes": verified,
        "sum_verification_duration_s": round(suite_s, 3),
        "change_states": dict(sorted(states)),
        "max_changes_per_repo": max((n for _, n in per_repo), default=0),
        "blocked_repos": [Path(r).stem for (r,) in blocked],
        "subflow_run_s": sorted(round(s, 3) for (s,) in subflows),
        "running_to_last_plan_item_s": round((planned - started).total_seconds(), 3),
        "running_to_first_subflow_s": round((first_repo - started).total_seconds(), 3),
    }


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    """Wall time covered by at least one of the intervals."""
    covered, current = 0.0, None
    for start, end in sorted(intervals):
        if current is None or start > current[1]:
            covered += current[1] - current[0] if current else 0.0
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    return covered + (current[1] - current[0] if current else 0.0)


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def analyse(c: int, probe: Probe, marks: dict, ledger: dict) -> dict:
    """The figures of one run. The overhead identity, with S the summed suite seconds and c the
    concurrency: total - S/c = serial parts + (thread-seconds of non-suite work in the
    repository subflows + idle concurrency slots) / c."""
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for label, start, end, _ in probe.spans:
        spans[label].append((start, end))

    def total(label: str) -> float:
        return sum(end - start for start, end in spans[label])

    def first(label: str) -> tuple[float, float]:
        return spans[label][0]

    t0, t1, t2 = marks["started"], marks["server_ready"], marks["finished"]
    body, plan, load = first("campaign.body"), first("plan"), first("load_plan.call")
    repo_calls = [
        (s, e, repo) for label, s, e, repo in probe.spans if label == "repository_flow.call"
    ]
    last_end = max(end for _, end, _ in repo_calls)
    phase_s = last_end - load[1]  # from the plan loaded to the last repository done

    suites = probe.suites
    suite_s = sum(s["duration_s"] for s in suites)
    kinds = ("baseline", "after", "rerun")
    by_kind = {k: sum(s["duration_s"] for s in suites if s["kind"] == k) for k in kinds}
    # Target test time from the warehouse: ledger_verifications.duration_s is the baseline +
    # after suite of each verified change; the re-run of failed tests is not stored there.
    if ledger["max_changes_per_repo"] <= 1:  # each repository's baseline counted once
        target_s = ledger["sum_verification_duration_s"] + by_kind["rerun"]
    else:  # the baseline would be counted once per change: use the instrumented sum
        target_s = suite_s
    hooks = {label[5:]: total(label) for label in spans if label.startswith("hook:")}
    prefect = {n: total(f"{n}.call") - total(f"{n}.work") for _, n in CALLED_TASKS}
    calls = {n: len(spans[f"{n}.call"]) for _, n in CALLED_TASKS}
    repo_call_s = sum(e - s for s, e, _ in repo_calls)
    subflow_hooks = hooks.get("campaign-repository", 0.0)
    inside = {  # thread-seconds summed over the repository subflows
        "target suites": suite_s,
        "Prefect subflow runs (call - body - ledger hooks)": repo_call_s
        - total("repository_flow.body")
        - subflow_hooks,
        "Prefect task runs (call - work)": sum(
            prefect[n] for n in GIT_TASKS + LEDGER_TASKS + SUITE_TASKS
        ),
        "ledger hooks of the subflows (RUNNING, COMPLETED)": subflow_hooks,
        "ledger writes (record-change, count-changes)": sum(
            total(f"{n}.work") for n in LEDGER_TASKS
        ),
        "git (base, worktrees, apply+format+commit, push, merge)": sum(
            total(f"{n}.work") for n in GIT_TASKS
        ),
        "sandbox bookkeeping (scratch dir, junit/coverage read)": sum(
            s["end"] - s["start"] - s["duration_s"] for s in suites
        ),
        "roll-out lock wait": total("rollout_lock_wait"),
    }
    inside["other (batching, gate, PR body, models)"] = repo_call_s - sum(inside.values())
    inside["idle slots (< c repositories running, submission)"] = c * phase_s - repo_call_s
    plan_s = plan[1] - plan[0]
    planning = {
        "find repositories": total("find_repositories"),
        f"plan-repository work (thread-s / {c})": total("plan_repository.work") / c,
        "record-plan-items work": total("record_plan_items.work"),
        "write-plan-file work": total("write_plan_file.work"),
    }
    planning["Prefect task runs, progress bar (rest)"] = plan_s - sum(planning.values())
    serial = {
        "Prefect server startup (temporary server, as the CLI)": t1 - t0,
        "Prefect campaign flow run (call - body)": (t2 - t1) - (body[1] - body[0]),
        "planning": plan_s,
        "load plan, rest of the campaign flow body": (body[1] - body[0]) - plan_s - phase_s,
    }
    overhead = {**serial, **{k: v / c for k, v in inside.items() if k != "target suites"}}
    total_s = t2 - t0
    overhead_s = total_s - target_s / c  # suites packed c at a time, as the concurrency allows
    no_suite_s = total_s - union_seconds(probe.processes)  # no suite running at all

    suites_of = defaultdict(float)
    for s in suites:
        suites_of[s["repo"]] += s["duration_s"]
    repo_wall = {repo: e - s for s, e, repo in repo_calls}

    def kind_median(kind: str) -> float | None:
        return median(s["duration_s"] for s in suites if s["kind"] == kind)

    r3 = functools.partial(round, ndigits=3)
    return {
        "isolation": sorted({s["isolation"] for s in suites}),
        "total_s": r3(total_s),
        "target_test_s": r3(target_s),
        "suite_seconds": {
            "ledger_sum_verification_duration_s": ledger["sum_verification_duration_s"],
            "verified_changes": ledger["verified_changes"],
            "instrumented_sum_s": r3(suite_s),
            "instrumented_by_kind_s": {k: r3(v) for k, v in by_kind.items()},
            "suite_runs": dict(Counter(s["kind"] for s in suites)),
            "wall_with_a_suite_running_s": r3(total_s - no_suite_s),
        },
        "overhead_s": r3(overhead_s),
        "overhead_pct": r3(100 * overhead_s / total_s),
        "no_suite_running_s": r3(no_suite_s),
        "no_suite_running_pct": r3(100 * no_suite_s / total_s),
        "overhead_without_server_startup_pct": r3(
            100 * (overhead_s - (t1 - t0)) / (total_s - (t1 - t0))
        ),
        "goal_pct": 100 * GOAL,
        "goal_met": overhead_s <= GOAL * total_s,
        "campaign_flow_s": r3(t2 - t1),
        "repositories_phase_s": r3(phase_s),
        "overhead_breakdown_s": {k: r3(v) for k, v in overhead.items()},
        "inside_repositories_thread_s": {k: r3(v) for k, v in inside.items()},
        "planning_s": {k: r3(v) for k, v in planning.items()},
        "ledger_hooks_s": {k: r3(v) for k, v in hooks.items()},
        "prefect_per_task_call_s": {
            n: r3(prefect[n] / calls[n]) for _, n in CALLED_TASKS if calls[n]
        },
        "task_calls": calls,
        "per_repo_median_s": {
            "wall": median(repo_wall.values()),
            "suites": median(suites_of.values()),
            "overhead": median(repo_wall[r] - suites_of[r] for r in repo_wall),
            "baseline_suite": kind_median("baseline"),
            "after_suite": kind_median("after"),
            "ledger_subflow_run": median(ledger["subflow_run_s"]),
        },
    }


# --- report ----------------------------------------------------------------------------------


def report(r: dict) -> None:
    c, total = r["concurrency"], r["total_s"]
    sui, kinds, led = r["suite_seconds"], r["suite_seconds"]["instrumented_by_kind_s"], r["ledger"]
    runs = sui["suite_runs"]
    pinned = ", ".join(r["pinned_old_spelling"]) or "none"
    blocked = ", ".join(led["blocked_repos"]) or "none"
    print(f"campaign {RECIPE} {OPTIONS}: {r['repos']} repositories, concurrency {c}")
    print(f"  sandbox {'/'.join(r['isolation'])}; {r['plan']['planned']} plan items")
    print(f"  pin the old spelling, so should be BLOCKED: {pinned}")
    print(f"  states: {r['states']}; BLOCKED in the ledger: {blocked}")
    print()
    print(f"total wall time              {total:8.2f} s   (server startup + campaign flow call)")
    print(
        f"target test time             {r['target_test_s']:8.2f} s   summed suite seconds: "
        f"ledger_verifications.duration_s {sui['ledger_sum_verification_duration_s']:.2f} s"
    )
    print(f"    = baseline + after suite of each of the {sui['verified_changes']} verified changes")
    if led["max_changes_per_repo"] <= 1:
        print("    (one change per repository, so each baseline is counted once)")
        print(
            f"    + re-runs of failed tests {kinds['rerun']:.2f} s (not in the ledger; timed here)"
        )
    else:
        print("    (several changes in a repository count its baseline again: using the sum below)")
    print(
        f"    timed here: {runs.get('baseline', 0)} baseline {kinds['baseline']:.2f} s + "
        f"{runs.get('after', 0)} after {kinds['after']:.2f} s + {runs.get('rerun', 0)} re-run "
        f"{kinds['rerun']:.2f} s = {sui['instrumented_sum_s']:.2f} s"
    )
    print(f"wall time with a suite running {sui['wall_with_a_suite_running_s']:6.2f} s")
    print()
    print(
        f"globallm overhead            {r['overhead_s']:8.2f} s = {r['overhead_pct']:.1f} % of "
        f"the total   (total - target test time / {c})"
    )
    print(f"    assumes the suites could run {c} at a time, as the concurrency allows")
    print(
        f"    time with no suite running at all: {r['no_suite_running_s']:.2f} s = "
        f"{r['no_suite_running_pct']:.1f} %; overhead without the server startup: "
        f"{r['overhead_without_server_startup_pct']:.1f} %"
    )
    verdict = "MET" if r["goal_met"] else "NOT MET"
    print(f"DESIGN goal overhead <= {r['goal_pct']:.0f} % of the total: {verdict}")
    print()
    print(f"where the overhead goes (wall s; inside the subflows: thread-seconds / {c})")
    for key, value in r["overhead_breakdown_s"].items():
        print(f"  {key:<56} {value:8.2f} s {100 * value / total:5.1f} %")
        if key == "planning":
            for sub, sub_value in r["planning_s"].items():
                print(f"      {sub:<52} {sub_value:8.2f} s")
    hooks = ", ".join(f"{k} {v:.2f} s" for k, v in r["ledger_hooks_s"].items())
    print(f"  ledger hooks in all: {hooks}")
    per_call = ", ".join(f"{k} {v:.3f}" for k, v in r["prefect_per_task_call_s"].items())
    print(f"  Prefect cost per task call, s: {per_call}")
    print()
    m = r["per_repo_median_s"]
    print(
        f"per repository, median: wall {m['wall']:.2f} s, suites {m['suites']:.2f} s "
        f"(baseline {m['baseline_suite']:.2f}, after {m['after_suite']:.2f}), "
        f"overhead {m['overhead']:.2f} s; ledger subflow run {m['ledger_subflow_run']:.2f} s"
    )
    print(
        f"not counted: imports {IMPORT_S:.2f} s;"
        f" repositories phase {r['repositories_phase_s']:.2f} s of wall"
    )


MEDIAN_KEYS = [
    "total_s",
    "target_test_s",
    "overhead_s",
    "overhead_pct",
    "no_suite_running_pct",
    "campaign_flow_s",
    "repositories_phase_s",
]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument(
        "--concurrency", type=int, default=2, help="repositories at once (as the CLI's default)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="whole campaigns, fresh repos each")
    parser.add_argument(
        "--pinned-every", type=int, default=10, help="every Nth repo pins the old spelling; 0: none"
    )
    parser.add_argument(
        "--suite-seconds",
        type=float,
        default=10.0,
        help="a CPU-bound test this long in each repo stands in for a real suite (0: none)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "campaign.json")
    args = parser.parse_args(argv)
    probe = Probe()
    instrument(probe)
    skip_dirs = CrawlSettings().skip_dirs
    runs = []
    for index in range(args.repeat):
        if args.repeat > 1:
            print(f"--- run {index + 1} of {args.repeat}")
        runs.append(run_once(args, probe, skip_dirs))
        report(runs[-1])
        sys.stdout.flush()
    medians = {key: median(run[key] for run in runs) for key in MEDIAN_KEYS}
    medians["goal_met"] = medians["overhead_pct"] <= 100 * GOAL
    if args.repeat > 1:
        print(f"--- median of {args.repeat} runs")
        for key, value in medians.items():
            print(f"  {key:<24} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        **machine(),
        "recipe": RECIPE,
        "options": OPTIONS,
        "repos": args.repos,
        "concurrency": args.concurrency,
        "pinned_every": args.pinned_every,
        "suite_seconds": args.suite_seconds,
        "repeat": args.repeat,
        "import_s": round(IMPORT_S, 3),
        "medians": medians,
        "runs": runs,
    }
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
