"""bench/redundancy.py at a tiny size: the planted near-duplicates are found and timed."""

from __future__ import annotations

from bench import redundancy as bench
from tests.bench.results import read_results


def test_finds_the_planted_pairs_and_times_the_fallback(tmp_path):
    out = tmp_path / "redundancy.json"
    returned = bench.main(["--sizes", "800", "--tfidf-texts", "200", "--out", str(out)])
    result = read_results(out, returned)
    [run] = result["runs"]
    assert (run["projects"], run["block"], run["threshold"]) == (800, 256, 0.8)
    assert run["planted_recall"] >= 0.9  # 40 noisy copies, cosine ~0.96 to their original
    assert run["pairs"] >= 36 and run["clusters"] > 0
    assert 0 < run["pairs_s"] <= run["pairs_and_assess_s"] < 60
    assert run["peak_traced_mib"] > 0 and run["input_matrix_mib"] > 0
    assert result["tfidf"]["texts"] == 200 and result["tfidf"]["tfidf_and_pairs_s"] >= 0
