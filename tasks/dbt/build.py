"""dbt, run in-process through its Python runner against the warehouse file.

The profile, the target and the logs live beside the DuckDB file, so a read-only checkout and
several warehouses side by side both work.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml
from prefect import task
from pydantic import BaseModel

import warehouse
from tasks.progress import progress_steps

PROJECT_DIR = Path(warehouse.__file__).resolve().parent
PARTIAL_PARSE_FILE = "partial_parse.msgpack"  # what dbt writes into the target folder


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


def _arguments(command: str, folder: Path, variables: dict[str, Any]) -> list[str]:
    """`command` on our project, with the profile, target and logs in the warehouse's folder."""
    return [
        command,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(folder),
        "--target-path", str(folder / "target"),
        "--log-path", str(folder / "logs"),
        "--vars", json.dumps(variables),
        "--quiet",
        "--no-version-check",
    ]  # fmt: skip


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
    args = _arguments(command, folder, variables)
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
            manifest = _parsed_manifest(db_path, folder, variables)
            result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(args)
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


# Parsed manifests of this process, newest last: (db file stem, vars, project files) -> Manifest.
_MANIFESTS: OrderedDict[tuple[str, str, tuple], Any] = OrderedDict()
_MANIFESTS_KEPT = 16


def _project_files() -> tuple:
    """What a parse reads from the project: a changed model, macro or YAML file is a new key."""
    files = [PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        files += sorted(p for p in (PROJECT_DIR / folder).rglob("*") if p.is_file())
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())


def _parsed_manifest(db_path: Path, folder: Path, variables: dict[str, Any]) -> Any:
    """The project parsed once per process for these vars, handed to every later invocation
    (dbt's documented `dbtRunner(manifest=...)`): a parse is 1.5-2 s and the vars of build and
    score differ, so dbt's partial parsing never applies between them, and a new warehouse
    (another profile path) always parses in full. The profile differs between warehouses only
    in the file's path; the relation names hold its stem, so the stem is in the key. None when
    the parse fails, so that the command itself parses again and reports the error."""

    key = (db_path.stem, json.dumps(variables, sort_keys=True), _project_files())
    if key in _MANIFESTS:
        _MANIFESTS.move_to_end(key)
        return _MANIFESTS[key]
    result = _parse(db_path, folder, variables)
    if not result.success or result.result is None:
        return None
    _MANIFESTS[key] = result.result
    while len(_MANIFESTS) > _MANIFESTS_KEPT:
        _MANIFESTS.popitem(last=False)
    return result.result


def _parse_cache_file(folder: Path, db_path: Path, variables: dict[str, Any]) -> Path:
    """One saved parse per dbt version, project folder, database name and vars, kept beside
    the warehouse: dbt's own state check compares the profile's values too (the file's path),
    so a parse is only ever reused by the same warehouse."""
    from dbt.version import __version__

    key = json.dumps([__version__, str(PROJECT_DIR), db_path.stem, variables], sort_keys=True)
    return folder / "parses" / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.msgpack"


def _replace_atomically(source: Path, destination: Path) -> None:
    """Copy beside `destination`, then rename: a concurrent reader sees the old file or the new."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _parse(db_path: Path, folder: Path, variables: dict[str, Any]) -> Any:
    """`dbt parse`, partial where dbt can: a full parse of the project is 4-6 s of CPU and a
    partial one about 1.5 s in a new process. dbt keeps one partial-parse file per target
    folder, and the build's and the scores' vars differ, so each would throw the other's away
    and every new process parsed twice in full: a file per set of vars is kept and copied in
    before, out after. dbt checks the file itself (version, vars, profile, every file's
    checksum) and parses in full when it does not match; a file that cannot be written only
    costs that speed."""
    from dbt.cli.main import dbtRunner

    saved = _parse_cache_file(folder, db_path, variables)
    current = folder / "target" / PARTIAL_PARSE_FILE
    try:
        if saved.exists():
            _replace_atomically(saved, current)
    except OSError:
        pass
    result = dbtRunner().invoke(_arguments("parse", folder, variables))
    try:
        if result.success and current.exists():
            _replace_atomically(current, saved)
    except OSError:
        pass
    return result


def _release_warehouse() -> None:
    """dbt-duckdb caches its DuckDB handle per process; drop it so the file is free again.
    (Its environment closes the database with its last cursor: no garbage collection needed,
    which cost 0.3-1 s after every invocation in a process as large as a test worker.)"""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


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
