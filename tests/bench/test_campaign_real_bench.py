"""bench/campaign_real.py at a tiny size: one generated repository standing in for a real one,
two dry-run campaigns (environment built, then cached), on the session's Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect.settings import get_current_settings

from tests.bench.results import read_results
from tests.campaign_repos import make_campaign_repo

ROOT = Path(__file__).resolve().parents[2]


def test_two_campaigns_build_then_reuse_the_environment(prefect_server, tmp_path):
    source = make_campaign_repo(tmp_path, "alpha")
    out = tmp_path / "campaign_real.json"
    env = {
        **os.environ,
        "PREFECT_API_URL": get_current_settings().api.url,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "campaign_real.py"), "--repos", str(source),
         "--concurrency", "1", "--out", str(out)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"wrote {out}" in done.stdout and "overhead" in done.stdout
    result = read_results(out)
    first, cached = result["runs"]
    assert [e["built"] for e in first["environments"]] == [True]
    assert [e["built"] for e in cached["environments"]] == [False]
    assert first["states"] == cached["states"] == {"UNPUBLISHED": 1}
    assert cached["changes"][0]["passed_after"] == 3 and cached["suite_runs"] == 2
    assert set(result["goal"]) == {"max_overhead_pct", "cached_overhead_pct", "met"}
