"""`globallm runs purge` (the retention of LLM prompts and answers, and nothing else) and what a
run's LLM calls cost in `globallm runs show`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.cli.runs import parse_age
from tests.ledger_rows import llm_call
from warehouse.io import snapshot, store
from warehouse.io.tables import ALL_TABLES

runner = CliRunner()
OLD, NEW = ("old-1", "old-2"), ("new-1",)
TEXTS = ("prompt_text", "response_text")


def _call(call_id: str, days_ago: float, **values) -> dict:
    at = store.now() - timedelta(days=days_ago)
    return (
        llm_call(call_id, "acme/core", at, tokens_in=1000, tokens_out=200)
        | {
            "cost": 0.0123,
            "latency_s": 1.5,
            "secrets_redacted": 1,
            "secret_kinds": '{"AWS Access Key": 1}',
            "prompt_chars": 5000,
            "prompt_text": f"fix <SECRET_1> in {call_id}",
            "response_text": f"answer to {call_id}",
        }
        | values
    )


def _answer(key: str, days_ago: float) -> dict:
    return {
        "cache_key": key,
        "prompt_name": "llm_patch",
        "prompt_sha": "0" * 64,
        "model": "m",
        "temperature": 0.0,
        "text_sha": key,
        "answer": f"cached {key}",
        "tokens_in": 10,
        "tokens_out": 5,
        "created_at": store.now() - timedelta(days=days_ago),
    }


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with store.connect(path) as con:
        store.upsert_run(con, "fix-run", "fix", "COMPLETED")
        store.record_event(con, "fix-run", "COMPLETED")
        store.land(
            con,
            "ledger_llm_calls",
            [
                _call("old-1", 40),
                _call("old-2", 31),
                _call("new-1", 1),
                _call("old-purged", 90, prompt_text=None, response_text=None),  # done before
            ],
        )
        store.land(con, "llm_cache", [_answer("old", 45), _answer("new", 2)])
    snapshot.publish(path)
    snapshot.publish(path)
    return path


def cli(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "runs", "purge", *args])


def calls(db: Path) -> dict[str, dict]:
    with store.connect(db, read_only=True) as con:
        cursor = con.execute("SELECT * FROM ledger_llm_calls ORDER BY call_id")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def counts(db: Path) -> dict[str, int]:
    with store.connect(db, read_only=True) as con:
        return store.row_counts(con, list(ALL_TABLES))


def cached_keys(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            row[0] for row in con.execute("SELECT cache_key FROM llm_cache ORDER BY 1").fetchall()
        ]


def test_purge_forgets_old_texts_and_cached_answers_and_nothing_else(db: Path):
    before, tables = calls(db), counts(db)
    result = cli(db)  # llm.retention_days: 30
    assert result.exit_code == 0, result.output
    assert result.output.replace("\n", " ").strip() == (
        "removed the prompts and answers of 2 LLM calls and 1 cached answer older than 30 days"
        " (call rows, tokens and costs stay)"
    )
    after = calls(db)
    assert set(after) == set(before)  # every call row stays
    for call_id, row in after.items():
        kept = {k: v for k, v in row.items() if k not in TEXTS}
        assert kept == {k: v for k, v in before[call_id].items() if k not in TEXTS}
    for call_id in (*OLD, "old-purged"):
        assert (after[call_id]["prompt_text"], after[call_id]["response_text"]) == (None, None)
    assert after["new-1"]["prompt_text"] == "fix <SECRET_1> in new-1"
    assert after["new-1"]["response_text"] == "answer to new-1"
    assert cached_keys(db) == ["new"]
    assert counts(db) == tables | {"llm_cache": 1}  # no other table changed
    # The app reads one fresh snapshot: no older copy keeps the removed texts.
    (published,) = snapshot.snapshots(db)
    with duckdb.connect(str(published), read_only=True) as con:
        texts = con.execute(
            "SELECT count(*) FROM ledger_llm_calls WHERE prompt_text IS NOT NULL"
        ).fetchone()
    assert texts == (1,)
    assert cached_keys(published) == ["new"]


def test_a_second_purge_removes_nothing(db: Path):
    assert cli(db).exit_code == 0
    published = snapshot.snapshots(db)
    again = cli(db)
    assert again.exit_code == 0
    assert "of 0 LLM calls and 0 cached answers older than 30 days" in again.output
    assert snapshot.snapshots(db) == published  # nothing removed, nothing republished


def test_older_than_sets_the_age(db: Path):
    result = cli(db, "--older-than", "12h")
    assert result.exit_code == 0, result.output
    assert "3 LLM calls and 2 cached answers older than 12 hours" in result.output
    assert all(row["prompt_text"] is None for row in calls(db).values())
    assert cached_keys(db) == []


def test_the_default_age_is_llm_retention_days(db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GLOBALLM_LLM__RETENTION_DAYS", "35")
    result = cli(db)
    assert result.exit_code == 0, result.output
    assert "1 LLM call and 1 cached answer older than 35 days" in result.output
    assert calls(db)["old-2"]["prompt_text"] == "fix <SECRET_1> in old-2"  # 31 days old


def test_dry_run_counts_and_changes_nothing(db: Path):
    before, published = calls(db), snapshot.snapshots(db)
    result = cli(db, "--older-than", "2w", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.replace("\n", " ").strip() == (
        "would remove the prompts and answers of 2 LLM calls and 1 cached answer older than"
        " 2 weeks (nothing changed)"
    )
    assert calls(db) == before
    assert cached_keys(db) == ["new", "old"]
    assert snapshot.snapshots(db) == published


@pytest.mark.parametrize(
    ("text", "days", "words"),
    [
        ("30d", 30, "30 days"),
        ("12h", 0.5, "12 hours"),
        ("2w", 14, "2 weeks"),
        ("3", 3, "3 days"),
        ("1D", 1, "1 day"),
        (" 1.5d ", 1.5, "1.5 days"),
        ("0", 0, "0 days"),
    ],
)
def test_ages(text: str, days: float, words: str):
    age = parse_age(text)
    assert (age.days, age.words) == (pytest.approx(days), words)


@pytest.mark.parametrize("value", ["abc", "30x", "-1d", "d", "1 2d", ""])
def test_a_bad_age_is_a_usage_error(db: Path, value: str):
    before = calls(db)
    result = cli(db, "--older-than", value)
    assert result.exit_code == 2
    assert "is not an age" in result.output and "12h, 30d, 2w" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert calls(db) == before


def test_an_age_beyond_any_date_is_a_usage_error(db: Path):
    result = cli(db, "--older-than", "99999999w")
    assert result.exit_code == 2 and "at most 100 years" in result.output
    assert isinstance(result.exception, SystemExit)


def test_no_warehouse_or_no_ledger_says_what_fills_it(tmp_path: Path):
    missing = tmp_path / "none.duckdb"
    result = cli(missing)
    assert result.exit_code == 1
    assert f"no warehouse at {missing}" in result.output.replace("\n", "")
    assert "globallm run" in result.output and not missing.exists()
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    result = cli(bare, "--dry-run")
    assert result.exit_code == 1 and "no runs yet" in result.output
    result = cli(bare)
    assert result.exit_code == 1 and "no runs yet" in result.output
    with duckdb.connect(str(bare), read_only=True) as con:  # given no tables
        assert con.execute("SELECT count(*) FROM information_schema.tables").fetchone() == (0,)


def test_runs_show_says_what_the_runs_llm_calls_cost(db: Path):
    with store.connect(db) as con:
        store.land(
            con,
            "ledger_llm_calls",
            [_call("cached", 0, cache_hit=True, tokens_in=0, tokens_out=0, cost=0.0)],
        )
    result = runner.invoke(app, ["--db", str(db), "runs", "show", "fix"])
    assert result.exit_code == 0, result.output
    # 4 calls of 1,200 tokens at 0.0123 each, and a cached answer: no tokens, no cost
    assert "LLM: 5 calls (1 cached), 4,800 tokens, cost 0.0492" in result.output
