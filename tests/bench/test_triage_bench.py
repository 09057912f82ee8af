"""bench/triage.py on tiny NLBSE'24-shaped CSVs, TF-IDF only: F1 and seconds are recorded."""

from __future__ import annotations

import polars as pl

from bench import triage as bench
from tests.bench.results import read_results

TITLES = {
    "bug": "{t} crashes with an exception on empty input",
    "feature": "Add support for a custom {t} option",
    "question": "How do I configure the {t}?",
}
BODIES = {
    "bug": "Traceback below.\n```\nTypeError: {t} is None\n```\nsee https://example.org/{n}",
    "feature": "It would be nice to have a {t} setting, number {n}.",
    "question": "Is it possible to use the {t} here? Any help appreciated ({n}).",
}


def write_split(path, repos: list[str], things: list[str]) -> None:
    rows = [
        {"repo": repo, "created_at": "2023-08-26 06:33:37", "label": label,
         "title": TITLES[label].format(t=thing), "body": BODIES[label].format(t=thing, n=n)}
        for repo in repos
        for label in TITLES
        for n, thing in enumerate(things)
    ]  # fmt: skip
    rows[0]["body"] = None  # the test split has issues without a body
    pl.DataFrame(rows).select(bench.COLUMNS).write_csv(path)


def test_reports_per_repository_and_pooled_f1_with_seconds(tmp_path):
    repos = ["octo/one", "octo/two"]
    things = ["parser", "cache", "cli", "logger", "web ui", "plugin", "exporter", "installer",
              "scheduler", "loader", "theme", "server"]  # fmt: skip
    write_split(tmp_path / "issues_train.csv", repos, things[:8])
    write_split(tmp_path / "issues_test.csv", repos, things[8:])
    out = tmp_path / "results" / "triage.json"
    returned = bench.main(["--data", str(tmp_path), "--no-embeddings", "--out", str(out)])
    result = read_results(out, returned)
    assert result["args"] == {"embeddings": False} and result["embedding"] is None
    assert result["data"]["train"]["issues"] == 48 and result["data"]["test"]["issues"] == 24
    assert result["data"]["test"]["repositories"] == {"octo/one": 12, "octo/two": 12}
    [variant] = result["variants"]
    assert variant["variant"] == "tfidf" and set(variant["per_repository"]) == set(repos)
    for repo in repos:
        one = variant["per_repository"][repo]
        assert (one["train_issues"], one["test_issues"]) == (24, 12)
        assert 0.8 <= one["f1"] <= 1 and set(one["labels"]) == {"bug", "feature", "question"}
        assert 0 < one["train_s"] < 30 and 0 < one["predict_s"] < 30
    assert variant["cross_repository_f1"] >= 0.8
    pooled = variant["pooled"]
    assert (pooled["train_issues"], pooled["test_issues"]) == (48, 24)
    assert pooled["f1"] >= 0.8 and set(pooled["per_repository_f1"]) == set(repos)
    assert pooled["issues_per_second"] > 0 and len(pooled["version"]) == 12
    assert 0 <= pooled["calibration"]["expected_calibration_error"] <= 1
    assert set(result["seconds"]) == {"read", "issue_text", "tfidf"}
    assert all(0 <= s < 60 for s in result["seconds"].values())
    assert result["goal"]["min_f1"] == 0.83 and result["baselines"]["SetFit"] == 0.824
