"""The app reads while a flow writes: neither side waits for the other or fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from prefect.settings import get_current_settings

from tests.app_warehouse import open_app
from warehouse.io import snapshot
from warehouse.readers import queries


def test_the_app_answers_while_a_crawl_writes_the_same_warehouse(
    app_warehouse, tmp_path: Path, monkeypatch
):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(app_warehouse.db, db)
    # The CLI in its own process, on this worker's Prefect test server (PREFECT_API_URL is
    # inherited): what matters here is the warehouse both sides open, not a server's start-up
    env = dict(os.environ, PREFECT_API_URL=get_current_settings().api.url)
    crawl = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli.main",
            "--db",
            str(db),
            "run",
            "--path",
            str(app_warehouse.workspace),
            "--no-environment",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    renders_while_running = 0
    try:
        while crawl.poll() is None:
            at = open_app(db, monkeypatch)  # asserts the page raised nothing
            with snapshot.connect_reader(db) as con:
                assert queries.overview_figures(con)["repositories"] > 0
            assert not at.exception
            renders_while_running += crawl.poll() is None
    finally:
        output, _ = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, output
    assert renders_while_running >= 3  # the crawl held the writer lock for part of this
    with snapshot.connect_reader(db) as con:  # the crawl's end published a fresh snapshot
        assert (
            con.execute("SELECT count(*) FROM ledger_runs WHERE kind = 'pipeline'").fetchone()[0]
            == 2
        )
