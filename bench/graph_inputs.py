"""bench/graph.py's inputs, made the way the warehouse makes them, so they cannot drift from it.

Each graph lands in the raw tables `warehouse/io/tables.py` declares (the store creates them): the
installed environment through the crawl's own landing task, the seeded power-law graph as a
registry crawl's packages and dependencies. Then the real dbt models build int_graph_nodes and
int_graph_edges (and what they read) from those tables, so the benchmark's graph tables have
exactly the columns the int_graph_scores model reads, whatever the models add.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from tasks.dbt.build import invoke
from warehouse.io import store
from warehouse.io.tables import columns

KINDS = ["runtime", "build", "peer", "dev", "optional"]
KIND_SHARES = [0.6, 0.05, 0.05, 0.2, 0.1]
# int_graph_scores' inputs and everything upstream of them (staging views, unions)
GRAPH_INPUTS = ["+int_graph_nodes", "+int_graph_edges"]
NO_VARIABLES = {"health_json": "{}", "impact_json": "{}", "priority_json": "{}"}


def power_law_graph(nodes: int, edges: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """raw_registry_packages and raw_registry_dependencies rows of a seeded PyPI-like registry.

    Preferential-attachment-like: packages arrive in turn and a newcomer i depends on older
    ones drawn log-uniformly from [0, i) (rank r with probability ~ 1/r, a Zipf law), so early
    packages collect most dependents and the in-degree follows a power law P(k) ~ k^-2, as
    package ecosystems roughly do; 0.1 % of edges point from an old package to one a little
    younger (short cycles), and duplicates and self-loops occur (a duplicate of the same kind
    is another version constraint, as `foo<2; python_version<'3.8'` beside `foo>=2` would be).
    Names are shuffled so that name order says nothing.
    """
    rng = np.random.default_rng(seed)
    name_of = rng.permutation(nodes)
    newer = rng.integers(1, nodes, edges, dtype=np.int64)
    older = np.exp(rng.random(edges) * np.log(newer + 1)).astype(np.int64) - 1
    # an old package depending on one up to 100 places younger closes short cycles
    back = rng.random(edges) < 0.001
    younger = np.minimum(older + rng.integers(1, 101, edges), nodes - 1)
    source = name_of[np.where(back, older, newer)]
    target = name_of[np.where(back, younger, older)]
    kind = rng.choice(len(KINDS), size=edges, p=KIND_SHARES).astype(np.uint32)
    fetched = pl.lit(datetime.now(UTC), dtype=pl.Datetime("us", "UTC"))
    packages = pl.select(
        ecosystem=pl.lit("pypi"),
        name=pl.format("p{}", pl.int_range(nodes)),
        version=pl.lit("1.0.0"),
        fetched_at=fetched,
    )
    dependencies = pl.DataFrame(
        {"s": source, "t": target, "k": kind, "repeat": _repeats(source, target, kind)}
    ).select(
        ecosystem=pl.lit("pypi"),
        name=pl.format("p{}", "s"),
        target_name=pl.format("p{}", "t"),
        dependency_kind=pl.col("k").replace_strict(dict(enumerate(KINDS)), return_dtype=pl.String),
        extra=pl.lit(""),
        version_constraint=pl.when(pl.col("repeat") == 0)
        .then(pl.lit(""))
        .otherwise(pl.format(">={}", "repeat")),
        fetched_at=fetched,
    )
    return packages, dependencies


def _repeats(source: np.ndarray, target: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """How many earlier rows have the same (source, target, kind): 0 for the first."""
    width = int(max(source.max(initial=0), target.max(initial=0))) + 1
    key = (source * width + target) * len(KINDS) + kind
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    index = np.arange(key.size)
    first = np.maximum.accumulate(np.where(np.r_[True, ordered[1:] != ordered[:-1]], index, 0))
    repeats = np.empty(key.size, dtype=np.int64)
    repeats[order] = index - first
    return repeats


def land_registry(db: Path, packages: pl.DataFrame, dependencies: pl.DataFrame) -> None:
    """Into the raw tables, by name as `store.land` inserts whole rows. The two tables take
    their columns from warehouse/io/tables.py but not the primary key: a crawl upserts by that key,
    and the models never read it, while its index would cost a minute of setup and gigabytes at
    10,000,000 rows (the rows here are unique by construction). The store creates the rest."""
    with duckdb.connect(str(db)) as con:
        for table, frame in (
            ("raw_registry_packages", packages),
            ("raw_registry_dependencies", dependencies),
        ):
            ddl = ", ".join(f"{name} {type_}" for name, type_ in columns(table))
            con.execute(f"CREATE TABLE {table} ({ddl})")
            rows = frame.to_arrow()  # DuckDB scans Arrow several times faster than polars
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows")
            del rows
        store.ensure_schema(con)
        con.execute("CHECKPOINT")


def land_environment(db: Path) -> None:
    """The running interpreter's distributions and requirements, as the crawl lands them."""
    from tasks.local.python_env import read_environment
    from tasks.store.landing import land_environment as land

    land.fn(db, read_environment.fn())


def build_inputs(db: Path) -> dict:
    """int_graph_nodes and int_graph_edges by the real dbt models; their rows and the time."""
    started = time.perf_counter()
    outcome = invoke(db, "run", GRAPH_INPUTS, NO_VARIABLES, label="dbt run: graph inputs")
    if not outcome.success:
        raise SystemExit(outcome.describe_failures())
    with store.connect(db, read_only=True) as con:
        nodes, edges = (
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("int_graph_nodes", "int_graph_edges")
        )
    return {"nodes": nodes, "edges": edges, "dbt_s": round(time.perf_counter() - started, 3)}
