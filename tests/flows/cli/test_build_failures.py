"""A dbt build that fails inside `globallm discover` or `globallm run` prints one clean message
naming the failing model and test, exits 1, and leaves the run FAILED in the ledger."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.common import _BuildFailureFilter
from flows.cli.main import app
from tasks.dbt import build as dbt
from tests.fakes.registry_servers import pip_index
from tests.gitrepos import CommitSpec, make_repo
from warehouse.io import store

runner = CliRunner()
FAILED = dbt.DbtOutcome(
    success=False,
    seconds=0.1,
    results=[
        dbt.NodeResult(
            name="fct_priority", resource_type="model", status="error",
            message="Binder Error: no column priority", failures=None,
        ),
        dbt.NodeResult(
            name="not_null_dim_packages_name", resource_type="test", status="fail",
            message="Got 2 results", failures=2,
        ),
    ],
)  # fmt: skip


@pytest.fixture
def failing_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every dbt build fails the way a broken model and a failing test do."""
    monkeypatch.setattr(dbt, "invoke", lambda *args, **kwargs: FAILED)


def assert_clean_failure(result) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not DbtBuildError
    assert "Traceback" not in result.output
    assert "model fct_priority: error (Binder Error: no column priority)" in result.output
    assert "test not_null_dim_packages_name: fail (Got 2 results)" in result.output


def ledger(db: Path) -> list[tuple[str, str]]:
    with store.connect(db, read_only=True) as con:
        return con.execute("SELECT kind, status FROM ledger_runs ORDER BY kind").fetchall()


@pytest.mark.usefixtures("prefect_server", "failing_dbt")
def test_discover_with_a_failing_build_says_which_model_and_test_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pip_index(monkeypatch) as server:
        server.add_pypi("a", "1.0")
        db = tmp_path / "w.duckdb"
        argv = ["--db", str(db), "discover", "--source", "registries", "--ecosystem", "pypi"]
        result = runner.invoke(app, [*argv, "--packages", "a", "--depth", "0"])
    assert_clean_failure(result)
    assert ledger(db) == [("build", "FAILED"), ("registry-crawl", "FAILED")]


@pytest.mark.usefixtures("prefect_server", "failing_dbt")
def test_run_with_a_failing_build_says_which_model_and_test_failed(tmp_path: Path) -> None:
    make_repo(tmp_path / "src" / "lib", [CommitSpec("Ann", 3, {"lib.py": "X = 1\n"})])
    db = tmp_path / "w.duckdb"
    result = runner.invoke(
        app, ["--db", str(db), "run", "--path", str(tmp_path / "src"), "--no-environment"]
    )
    assert_clean_failure(result)
    assert ("pipeline", "FAILED") in ledger(db) and ("build", "FAILED") in ledger(db)


def test_prefects_records_of_a_failed_build_stay_off_the_terminal() -> None:
    def record(message: str, error: BaseException | None) -> logging.LogRecord:
        exc_info = (type(error), error, None) if error else None
        return logging.LogRecord("prefect.task_runs", logging.ERROR, "", 0, message, (), exc_info)

    quiet = _BuildFailureFilter()
    failed = dbt.DbtBuildError("dbt build failed:\nmodel fct_priority: error")
    assert not quiet.filter(record("Task run failed with exception", failed))
    assert not quiet.filter(record("Finished in state Failed('DbtBuildError: dbt...')", None))
    assert quiet.filter(record("Task run failed with exception", ValueError("other")))
    assert quiet.filter(record("Crawling pypi", None))
