"""bench/score_speed.py at a tiny size: impact, health and priority timed on a seeded graph."""

from __future__ import annotations

from bench import score_speed as bench
from tests.bench.results import read_results


def test_times_each_scoring_step_per_size(tmp_path):
    out = tmp_path / "score_speed.json"
    returned = bench.main(["--sizes", "300", "1000", "--repeat", "2", "--out", str(out)])
    result = read_results(out, returned)
    assert [row["nodes"] for row in result["results"]] == [300, 1000]
    for row in result["results"]:
        assert row["edges"] == 5 * row["nodes"]  # five dependencies a package
        for key in ("impact_s", "health_s", "priority_s"):
            assert 0 < row[key] < 30, key
