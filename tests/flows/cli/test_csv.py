"""CSV output of lists and structs (as JSON text), and SQL errors as messages, never tracebacks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.cli.output import OutputFormat, print_frame
from warehouse.io import store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A warehouse with one run, one plan item and its change, blocked by the gate for two
    reasons (gate_reasons is a VARCHAR[] column)."""
    path = tmp_path / "w.duckdb"
    now = store.now()
    with store.connect(path) as con:
        store.upsert_run(con, "run-1", "campaign", "COMPLETED")
        store.land(
            con,
            "ledger_plan_items",
            [
                {
                    "plan_item_id": "item-1",
                    "run_id": "run-1",
                    "repo": "alpha",
                    "file_path": "app/core.py",
                    "action": "MODIFY",
                    "rules": ["upgrade", "typing"],
                    "status": "BLOCKED",
                    "change_id": "change-1",
                    "created_at": now,
                }
            ],
        )
        store.land(
            con,
            "ledger_changes",
            [
                {
                    "change_id": "change-1",
                    "run_id": "run-1",
                    "plan_item_id": "item-1",
                    "repo": "alpha",
                    "branch": "globallm/upgrade",
                    "state": "BLOCKED",
                    "gate_merge": False,
                    "gate_reasons": ["tests failed after", 'coverage fell, "a lot"'],
                    "created_at": now,
                }
            ],
        )
    return path


def sql(db: Path, query: str, fmt: str = "csv"):
    return runner.invoke(app, ["--db", str(db), "sql", query, "--format", fmt])


def test_sql_csv_writes_lists_and_structs_as_json_text(db: Path):
    result = sql(
        db,
        "SELECT change_id, gate_reasons, {'merge': gate_merge, 'n': 2} AS gate,"
        " map(['k'], [1]) AS m, [[1, 2], [3]] AS nested, NULL::VARCHAR[] AS none"
        " FROM ledger_changes",
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert row["change_id"] == "change-1"
    assert json.loads(row["gate_reasons"]) == ["tests failed after", 'coverage fell, "a lot"']
    assert json.loads(row["gate"]) == {"merge": False, "n": 2}
    assert json.loads(row["m"]) == {"k": 1}
    assert json.loads(row["nested"]) == [[1, 2], [3]]
    assert row["none"] == ""  # null stays an empty field


def test_sql_json_keeps_lists_as_lists(db: Path):
    result = sql(db, "SELECT gate_reasons FROM ledger_changes", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"gate_reasons": ["tests failed after", 'coverage fell, "a lot"']}
    ]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_sql_types_polars_cannot_hold_come_back_as_text(db: Path, fmt: str):
    result = sql(
        db,
        "SELECT INTERVAL 1 MONTH AS i, [INTERVAL 2 DAY] AS li, union_value(k := 1) AS u,"
        " '101'::BIT AS b, 'ab'::BLOB AS blob",
        fmt,
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "1 month" in result.output and "2 days" in result.output


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM no_such_table",
        "SELECT error('boom [/red] [bold]')",  # rich markup in the message is printed as text
        "SELECT 'x' + 1",
    ],
)
def test_sql_errors_are_a_message_and_exit_1(db: Path, query: str):
    result = sql(db, query)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "Error" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_runs_export_csv_writes_lists_as_json_text(db: Path):
    result = runner.invoke(app, ["--db", str(db), "runs", "export", "run-1", "--format", "csv"])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert json.loads(row["gate_reasons"]) == ["tests failed after", 'coverage fell, "a lot"']
    assert json.loads(row["rules"]) == ["upgrade", "typing"]


def test_print_frame_csv_of_every_nested_kind(capsys):
    frame = pl.DataFrame(
        {
            "list": [["a", "b"], None],
            "struct": [{"x": 1, "y": "z"}, None],
            "array": pl.Series([[1, 2], [3, 4]], dtype=pl.Array(pl.Int64, 2)),
            "bytes": [b"\x00\xff", None],
            "plain": [1.5, None],
        }
    )
    print_frame(frame, OutputFormat.csv)
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [json.loads(r["list"]) if r["list"] else None for r in rows] == [["a", "b"], None]
    assert json.loads(rows[0]["struct"]) == {"x": 1, "y": "z"}
    assert [json.loads(r["array"]) for r in rows] == [[1, 2], [3, 4]]
    assert rows[0]["bytes"] == "00ff" and rows[1]["bytes"] == ""
    assert rows[0]["plain"] == "1.5"
