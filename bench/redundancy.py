"""Benchmark redundancy's pure scoring: candidate pairs (blockwise cosine), clusters, assessment.

Seeded synthetic MiniLM-shaped embeddings (384 floats, unit length): `n` projects of which
`dup_share` are noisy copies of another, so the planted pairs are known. Prints seconds, peak
traced memory and recall of the planted pairs; writes bench/results/redundancy.json.
Usage: python bench/redundancy.py [--sizes 10000 50000] [--block 256] [--threshold 0.8]
                                  [--tfidf-texts 5000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from scoring.redundancy import RedundancyConfig, assess, candidate_pairs
from scoring.tfidf import tfidf_matrix

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic(n: int, dup_share: float, seed: int) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """Unit vectors; a `dup_share` of rows are copies of an earlier row plus small noise."""
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, 384)).astype(np.float32)
    copies = rng.choice(np.arange(1, n), size=int(n * dup_share), replace=False)
    planted = set()
    for row in np.sort(copies):  # an original is final before it is copied
        original = int(rng.integers(0, row))
        matrix[row] = matrix[original] + 0.3 * rng.standard_normal(384).astype(np.float32)
        planted.add((original, int(row)))
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix, planted


def measure(n: int, block: int, threshold: float) -> dict:
    matrix, planted = synthetic(n, 0.05, seed=n)
    now = datetime.now(UTC)
    rng = np.random.default_rng(1)
    projects = pl.DataFrame(
        {
            "entity_id": [f"repo:{i}" for i in range(n)],
            "name": [f"p{i}" for i in range(n)],
            "last_activity_at": [now - timedelta(days=int(d)) for d in rng.integers(0, 2000, n)],
            "stars": rng.integers(0, 5000, n),
            "dependents": rng.integers(0, 100, n),
        }
    )
    tracemalloc.start()
    start = time.perf_counter()
    pairs = candidate_pairs(matrix, threshold, block)
    pairs_s = time.perf_counter() - start
    assessed = assess(projects, pairs, RedundancyConfig(), now)
    total_s = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    found = set(pairs.select("left", "right").iter_rows())
    return {
        "projects": n,
        "block": block,
        "threshold": threshold,
        "pairs_s": round(pairs_s, 2),
        "pairs_and_assess_s": round(total_s, 2),
        "peak_traced_mib": round(peak / 2**20, 1),
        "input_matrix_mib": round(matrix.nbytes / 2**20, 1),
        "pairs": len(found),
        "planted_recall": round(len(found & planted) / len(planted), 3),
        "clusters": assessed.filter(pl.col("cluster_size") > 1)["cluster"].n_unique(),
    }


def tfidf_speed(n: int) -> dict:
    words = [f"w{i}" for i in range(5000)]
    rng = np.random.default_rng(2)
    texts = [" ".join(rng.choice(words, 200)) for _ in range(n)]
    start = time.perf_counter()
    matrix = tfidf_matrix(texts)
    pairs = candidate_pairs(matrix, 0.5, 256)
    return {"texts": n, "tfidf_and_pairs_s": round(time.perf_counter() - start, 2),
            "pairs": pairs.height}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--block", type=int, default=256)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--tfidf-texts", type=int, default=5_000)
    parser.add_argument("--out", type=Path, default=RESULTS / "redundancy.json")
    args = parser.parse_args(argv)
    runs = [measure(n, args.block, args.threshold) for n in args.sizes]
    for run in runs:
        print(
            f"{run['projects']:>7} projects: pairs {run['pairs_s']} s, with assessment "
            f"{run['pairs_and_assess_s']} s, peak {run['peak_traced_mib']} MiB "
            f"(input {run['input_matrix_mib']} MiB), recall {run['planted_recall']}"
        )
    fallback = tfidf_speed(args.tfidf_texts)
    print(
        f"TF-IDF fallback: {fallback['texts']} texts -> pairs in {fallback['tfidf_and_pairs_s']} s"
    )
    out = {"machine": platform.machine(), "runs": runs, "tfidf": fallback}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")
    return out


if __name__ == "__main__":
    main()
