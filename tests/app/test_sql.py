"""The SQL page on the session warehouse: reads run and download as CSV; writes are refused."""

from __future__ import annotations

import csv
import io
from typing import ClassVar

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from tests.app_warehouse import open_app
from warehouse.io import snapshot
from warehouse.readers import adhoc

PAGE = "app_pages/sql.py"


class _KeptStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media store, kept after the run so a test can read a download."""

    made: ClassVar[list[MemoryMediaFileStorage]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.made.append(self)


@pytest.fixture
def page(app_warehouse, monkeypatch):
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _KeptStorage)
    return open_app(app_warehouse.db, monkeypatch, page=PAGE)


def _run(at, sql: str):
    at.text_area(key="sql_text").input(sql)
    at.button(key="sql_run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _download(at) -> str:
    (button,) = at.get("download_button")
    stored = _KeptStorage.made[-1].get_file(button.proto.url.rsplit("/", 1)[-1])
    return stored.content.decode()


def _warehouse_state(db) -> dict[str, int]:
    with snapshot.connect_reader(db) as con:
        tables = sorted(r[0] for r in con.execute("SHOW TABLES").fetchall())
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_the_page_opens_with_an_example_and_the_list_of_tables(page):
    assert "FROM fct_priority" in page.text_area(key="sql_text").value
    tables = next(d.value for d in page.dataframe if "columns" in d.value.columns)
    assert {"dim_repos", "fct_priority", "ledger_changes"} <= set(tables["table"])
    assert not page.error


def test_a_select_shows_its_rows_and_downloads_them_as_csv(app_warehouse, page):
    sql = (
        "SELECT regexp_extract(repo, '[^/]+$') AS repo, state, gate_merge FROM ledger_changes"
        f" WHERE run_id = '{app_warehouse.campaign_run_id}' ORDER BY repo"
    )
    at = _run(page, sql)
    shown = at.dataframe[0].value
    assert shown.to_dict("records") == [
        {"repo": "alpha", "state": "MERGED", "gate_merge": True},
        {"repo": "beta", "state": "MERGED", "gate_merge": True},
        {"repo": "gamma", "state": "BLOCKED", "gate_merge": False},
    ]
    assert "3 rows" in [c.value for c in at.main.caption]
    rows = list(csv.DictReader(io.StringIO(_download(at))))
    assert [(r["repo"], r["state"], r["gate_merge"]) for r in rows] == [
        ("alpha", "MERGED", "true"),
        ("beta", "MERGED", "true"),
        ("gamma", "BLOCKED", "false"),
    ]


def test_a_large_result_is_capped_in_sql_and_says_so(page):
    at = _run(page, "SELECT range AS n, [range] AS nested FROM range(25000) ORDER BY n")
    assert len(at.dataframe[0].value) == adhoc.MAX_ROWS
    assert any("first 10,000 rows" in c.value for c in at.main.caption)
    lines = _download(at).splitlines()
    assert lines[0] == "n,nested"
    assert lines[1:3] == ["0,[0]", "1,[1]"]
    assert len(lines) == adhoc.MAX_ROWS + 1


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO ledger_runs (run_id) VALUES ('x')", "INSERT"),
        ("DROP TABLE dim_repos", "DROP"),
        ("SELECT 1; DELETE FROM ledger_changes", "DELETE"),
        ("ATTACH '{path}' AS other", "ATTACH"),
    ],
)
def test_a_statement_that_writes_is_refused_and_nothing_runs(
    app_warehouse, page, tmp_path, sql, kind
):
    before = _warehouse_state(app_warehouse.db)
    attached = tmp_path / "other.duckdb"
    at = _run(page, sql.format(path=attached))
    (error,) = at.error
    assert f"refused: {kind} statements" in error.value
    assert not at.get("download_button")
    assert _warehouse_state(app_warehouse.db) == before
    assert not attached.exists()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELEC name FROM dim_repos", 'syntax error at or near "SELEC"'),
        ("SELECT no_such_column FROM dim_repos", 'column "no_such_column" not found'),
        ("SELECT 1; SELECT 2", "run one at a time"),
    ],
)
def test_bad_sql_shows_an_error_not_a_traceback(page, sql, message):
    at = _run(page, sql)
    (error,) = at.error
    assert message in error.value
    assert not at.get("download_button")


def test_a_select_cannot_read_files_on_the_server(page, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token-abc")
    at = _run(page, f"SELECT content FROM read_text('{secret}')")
    assert at.error, "reading a server file must be refused"
    assert "token-abc" not in " ".join(str(d.value) for d in at.dataframe)
