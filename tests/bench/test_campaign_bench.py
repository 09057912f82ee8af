"""bench/campaign.py at a tiny size: two repositories with no extra suite time, one pinning the
old spelling (so the gate blocks its change), on the session's Prefect server. It runs as its
own process: the benchmark wraps the flows' functions in the process that runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect.settings import get_current_settings

from tests.bench.results import read_results

ROOT = Path(__file__).resolve().parents[2]


def test_splits_a_campaign_into_target_test_time_and_overhead(prefect_server, tmp_path):
    out = tmp_path / "campaign.json"
    env = {
        **os.environ,
        "PREFECT_API_URL": get_current_settings().api.url,  # no temporary server of its own
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    args = ["--repos", "2", "--pinned-every", "2", "--suite-seconds", "0", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "campaign.py"), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "globallm overhead" in done.stdout and f"wrote {out}" in done.stdout
    result = read_results(out)
    assert (result["repos"], result["concurrency"], result["suite_seconds"]) == (2, 2, 0.0)
    [run] = result["runs"]
    assert run["pinned_old_spelling"] == ["repo-01"]
    assert run["ledger"]["blocked_repos"] == ["repo-01"]
    assert run["states"].get("BLOCKED") == 1 and sum(run["states"].values()) == 2
    assert run["ledger"]["verified_changes"] == 2
    assert 0 < run["target_test_s"] / run["concurrency"] < run["total_s"]  # 2 suites at once
    assert 0 < run["overhead_s"] < run["total_s"]
    assert 0 < run["overhead_pct"] < 100
    assert run["overhead_breakdown_s"] and run["per_repo_median_s"]["wall"] > 0
    assert result["medians"]["total_s"] == run["total_s"]
