"""The published snapshot: readers and writers in different processes never wait for each other."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from warehouse.io import snapshot, store


def _write_runs(db: Path, count: int) -> None:
    with store.connect(db) as con:
        for i in range(count):
            store.upsert_run(con, f"run-{i}", kind="crawl", status="COMPLETED")


def _runs_in_snapshot(db: Path) -> int:
    with snapshot.connect_reader(db) as con:
        return con.execute("SELECT count(*) FROM ledger_runs").fetchone()[0]


def test_a_reader_sees_each_new_publication_in_the_same_process(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 2)
    snapshot.publish(db)
    with snapshot.connect_reader(db) as old_reader:  # held open across the next publication
        _write_runs(db, 5)
        snapshot.publish(db)
        assert old_reader.execute("SELECT count(*) FROM ledger_runs").fetchone()[0] == 2
        assert _runs_in_snapshot(db) == 5


def test_only_the_newest_snapshots_are_kept(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 1)
    published = [snapshot.publish(db) for _ in range(snapshot.KEEP + 2)]
    assert snapshot.snapshots(db) == published[-snapshot.KEEP :]
    assert snapshot.latest(db) == published[-1]


def test_republishing_leaves_only_a_copy_of_the_warehouse_as_it_is_now(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 3)
    snapshot.publish(db)
    with snapshot.connect_reader(db) as old_reader:  # a reader on a copy about to be deleted
        with store.connect(db) as con:
            con.execute("DELETE FROM ledger_runs WHERE run_id = 'run-0'")
        snapshot.publish(db)
        fresh = snapshot.republish(db)
        assert snapshot.snapshots(db) == [fresh]
        assert old_reader.execute("SELECT count(*) FROM ledger_runs").fetchone()[0] == 3
    assert _runs_in_snapshot(db) == 2


def test_a_recent_snapshot_is_not_copied_again_within_the_interval(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 1)
    first = snapshot.publish(db)
    assert snapshot.publish(db, min_interval_s=60) is None
    assert snapshot.latest(db) == first


def test_no_warehouse_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="globallm run"):
        snapshot.readable_path(tmp_path / "none.duckdb")


def test_a_warehouse_without_a_snapshot_gets_one_on_first_read(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 3)
    assert snapshot.latest(db) is None
    assert _runs_in_snapshot(db) == 3


HOLD_WRITER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("INSERT INTO ledger_runs (run_id, kind, actor, status, created_at, updated_at)"
                " VALUES ('other', 'crawl', 'user', 'RUNNING', now(), now())")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)

HOLD_READER = textwrap.dedent(
    """
    import sys, time
    from warehouse.io import snapshot
    with snapshot.connect_reader(sys.argv[1]) as con:
        n = con.execute("SELECT count(*) FROM ledger_runs").fetchone()[0]
        print("reading", n, flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


# The other process holds its connection this long, then is stopped once the test has its answer:
# "did not wait" is "finished while the other process still held on", not a bound on the time,
# so a loaded machine (xdist workers, other jobs) cannot make it fail.
HOLD_S = 120


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=30)


def _hold(script: str, db: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(db), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert process.stdout is not None
    assert process.stdout.readline().split()[0] in {"holding", "reading"}
    return process


def test_a_reader_does_not_wait_while_another_process_writes(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 2)
    snapshot.publish(db)
    writer = _hold(HOLD_WRITER, db, HOLD_S)
    try:
        assert _runs_in_snapshot(db) == 2  # the published state, not the writer's
        assert writer.poll() is None  # read while the live file was still locked
    finally:
        _stop(writer)


def test_a_writer_publishes_while_another_process_reads(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 1)
    snapshot.publish(db)
    reader = _hold(HOLD_READER, db, HOLD_S)
    try:
        _write_runs(db, 4)
        snapshot.publish(db)
        assert reader.poll() is None  # published while the old snapshot was still open
        assert _runs_in_snapshot(db) == 4
    finally:
        _stop(reader)


def test_publishing_waits_for_this_process_open_connections(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    _write_runs(db, 1)
    published = threading.Event()
    with store.connect(db) as con:
        thread = threading.Thread(target=lambda: (snapshot.publish(db), published.set()))
        thread.start()
        time.sleep(0.3)
        assert not published.is_set()  # a copy now could catch a half-written file
        store.upsert_run(con, "late", kind="crawl", status="COMPLETED")
    thread.join(10)
    assert published.is_set()
    assert _runs_in_snapshot(db) == 2
