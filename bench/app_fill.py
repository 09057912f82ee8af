"""Fill a warehouse for bench/app.py: the synthetic sources and ledger, landed in chunks through
warehouse.io.store.land, with the time each part took."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

from bench.app_data import CHUNK, Synthetic
from bench.app_ledger import Ledger
from warehouse.io import store

# --- landing and building ----------------------------------------------------------------------


class Landing:
    """Lands rows through `store.land` in chunks; generating and landing are timed apart."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.tables: dict[str, dict[str, float]] = {}
        self.generate_s: dict[str, float] = {}

    def generate(self, what: str, make: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = make()
        self.generate_s[what] = round(time.perf_counter() - started, 3)
        return value

    def land(self, table: str, chunks: Iterable[list[dict[str, Any]]]) -> None:
        rows, land_s, produce_s = 0, 0.0, 0.0
        iterator = iter(chunks)
        while True:
            started = time.perf_counter()
            chunk = next(iterator, None)
            produce_s += time.perf_counter() - started
            if chunk is None:
                break
            for begin in range(0, len(chunk), CHUNK):
                started = time.perf_counter()
                rows += store.land(self.con, table, chunk[begin : begin + CHUNK])
                land_s += time.perf_counter() - started
        if produce_s > 0.05:
            self.generate_s[table] = round(produce_s, 3)
        self.tables[table] = {"rows": rows, "land_s": round(land_s, 3)}
        rate = f"{rows / land_s:,.0f} rows/s" if land_s else "-"
        print(f"  {table:<26} {rows:>9,} rows  landed in {land_s:6.1f} s ({rate})", flush=True)


def fill(db: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Generate and land every source and the ledger; returns the landing figures."""
    print(f"landing {args.repos:,} repositories and {args.issues:,} issues into {db}", flush=True)
    source = Synthetic(args.repos, args.issues, args.environment, args.seed)
    started = time.perf_counter()
    with store.connect(db) as con:
        landing = Landing(con)
        landing.land("raw_local_repos", [landing.generate("repositories", source.repo_rows)])
        pools = landing.generate("package pools", source.package_pools)
        manifests, dependencies = landing.generate(
            "dependencies", lambda: source.dependency_rows(pools)
        )
        landing.land("raw_local_manifests", [manifests])
        landing.land("raw_local_dependencies", [dependencies])
        distributions, requirements = landing.generate(
            "environment", lambda: source.environment_rows(pools)
        )
        landing.land("raw_python_distributions", [distributions])
        landing.land("raw_python_requirements", [requirements])
        landing.land("raw_github_issues", source.issue_chunks(CHUNK))
        ledger = Ledger(source)
        landing.generate(
            "ledger",
            lambda: (
                ledger.pipelines(days=180),
                ledger.campaigns(args.campaigns, args.campaign_repos),
                ledger.llm_fixes(runs=150),
            ),
        )
        for table, rows in ledger.tables.items():
            landing.land(table, [rows])
        con.execute("CHECKPOINT")
    total = time.perf_counter() - started
    print(f"  landing in all {total:.1f} s", flush=True)
    return {"total_s": round(total, 3), "generate_s": landing.generate_s, "tables": landing.tables}
