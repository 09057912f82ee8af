"""dbt, run in-process through its Python runner against the warehouse file.

The profile, the target and the logs live beside the DuckDB file, so a read-only checkout and
several warehouses side by side both work.
"""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path
from typing import Any

import yaml
from prefect import task
from pydantic import BaseModel

import warehouse
from tasks.progress import progress_steps

PROJECT_DIR = Path(warehouse.__file__).resolve().parent


class NodeResult(BaseModel):
    name: str
    resource_type: str
    status: str
    message: str | None
    failures: int | None


class DbtOutcome(BaseModel):
    success: bool
    seconds: float
    results: list[NodeResult]
    error: str | None = None

    def failed(self) -> list[NodeResult]:
        return [r for r in self.results if r.status in {"error", "fail", "runtime error"}]

    def describe_failures(self) -> str:
        lines = [f"{r.resource_type} {r.name}: {r.status} ({r.message})" for r in self.failed()]
        return "\n".join(lines or [self.error or "dbt failed without a node result"])


class DbtBuildError(RuntimeError):
    """dbt build failed; the message names each failing model or test."""


def write_profile(db_path: Path) -> Path:
    """A profiles.yml pointing dbt-duckdb at `db_path`; returns its folder."""
    folder = db_path.resolve().parent / "dbt"
    folder.mkdir(parents=True, exist_ok=True)
    profile = {
        "globallm": {
            "target": "warehouse",
            "outputs": {
                "warehouse": {"type": "duckdb", "path": str(db_path.resolve()), "threads": 2}
            },
        }
    }
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return folder


def invoke(
    db_path: Path,
    command: str,
    select: list[str],
    variables: dict[str, Any],
    exclude: list[str] | None = None,
    label: str | None = None,
) -> DbtOutcome:
    """Run one dbt command (build, run, test) and collect per-node results."""
    from dbt.cli.main import dbtRunner

    folder = write_profile(db_path)
    args = [
        command,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(folder),
        "--target-path", str(folder / "target"),
        "--log-path", str(folder / "logs"),
        "--vars", json.dumps(variables),
        "--quiet",
        "--no-version-check",
    ]  # fmt: skip
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    started = time.perf_counter()
    with progress_steps(label or f"dbt {command}", total=None) as advance:

        def on_event(event: Any) -> None:
            if event.info.name == "NodeFinished":
                advance(event.data.node_info.node_name)

        try:
            result = dbtRunner(callbacks=[on_event]).invoke(args)
        finally:
            _release_warehouse()
    nodes = []
    for node in getattr(result.result, "results", None) or []:
        nodes.append(
            NodeResult(
                name=node.node.name,
                resource_type=str(node.node.resource_type),
                status=str(node.status),
                message=node.message,
                failures=node.failures,
            )
        )
    return DbtOutcome(
        success=bool(result.success),
        seconds=time.perf_counter() - started,
        results=nodes,
        error=str(result.exception) if result.exception else None,
    )


def _release_warehouse() -> None:
    """dbt-duckdb caches its DuckDB handle per process; drop it so the file is free again."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()
    gc.collect()


@task(name="dbt-build")
def dbt_build(
    db_path: Path,
    select: list[str],
    exclude: list[str],
    variables: dict[str, Any],
    label: str = "dbt build",
) -> DbtOutcome:
    """`dbt build` for the selected models and their tests; raises naming what failed."""
    outcome = invoke(db_path, "build", select, variables, exclude, label)
    if not outcome.success:
        raise DbtBuildError(f"dbt build failed:\n{outcome.describe_failures()}")
    return outcome
