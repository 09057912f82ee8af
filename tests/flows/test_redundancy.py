"""`globallm redundancy` end to end: real repositories, a real run, Prefect, dbt and DuckDB.

Four Python repositories: `fetchy` (active, used by `plotter`) and `grabby` (a near-duplicate
README, quiet for 900 days, one non-UTF-8 source file), `plotter` (unrelated, depends on
fetchy) and `baker` (unrelated, with grabby's exact history, so the two tie on every other term).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.redundancy import redundancy_flow
from tasks.local.embeddings import FALLBACK_NOTICE, model_installed
from tests.gitrepos import CommitSpec, make_repo
from warehouse.io import store

runner = CliRunner()

FETCHY_README = """# fetchy

A small HTTP client for Python with retries, timeouts and connection pooling.
Fetch JSON from REST APIs with automatic retry and exponential backoff.
"""
GRABBY_README = """# grabby

A small HTTP client for Python with retries, timeouts and connection pooling.
Fetch JSON from REST APIs with automatic retries and exponential backoff.
"""


def make_workspace(root: Path) -> Path:
    code = "def get(url):\n    pass\n\n\ndef post(url):\n    pass\n\n\nclass Client:\n    pass\n"
    make_repo(
        root / "fetchy",
        [
            CommitSpec("Ada", 30, {"README.md": FETCHY_README, "fetchy/__init__.py": code}),
            CommitSpec("Bob", 2, {"pyproject.toml": '[project]\nname = "fetchy"\n'}),
        ],
    )
    make_repo(
        root / "grabby",
        [
            CommitSpec(
                "Cyd",
                900,
                {
                    "README.md": GRABBY_README,
                    "grabby/__init__.py": code.replace("post", "post_json"),
                    "grabby/latin1.py": b"NAME = '\xe9t\xe9'\n",
                },
            )
        ],
    )
    make_repo(
        root / "baker",
        [
            CommitSpec(
                "Dee",
                900,
                {
                    "README.md": "# baker\n\nVegetarian dinner recipes with shopping lists.\n",
                    "baker/__init__.py": "def bake(recipe):\n    pass\n",
                    "baker/menu.py": "MENU = []\n",
                },
            )
        ],
    )
    make_repo(
        root / "plotter",
        [
            CommitSpec(
                "Eve",
                10,
                {
                    "README.md": "# plotter\n\nDraw bar charts and sparklines in a terminal.\n",
                    "plotter.py": "def bar(values):\n    pass\n",
                    "requirements.txt": "fetchy\n",
                },
            )
        ],
    )
    return root


def priorities(db: Path) -> dict[str, tuple[int, float, float | None]]:
    """name -> (rank, priority, redundancy) of the repositories in fct_priority."""
    with store.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT name, rank, priority, redundancy FROM fct_priority WHERE kind = 'repo'"
        ).fetchall()
    return {name: (rank, priority, redundancy) for name, rank, priority, redundancy in rows}


@pytest.fixture(scope="module")
def assessed(prefect_server, tmp_path_factory) -> tuple[Path, dict, str, dict]:
    root = make_workspace(tmp_path_factory.mktemp("redundancy") / "ws")
    db = tmp_path_factory.mktemp("wh") / "w.duckdb"
    ran = runner.invoke(app, ["--db", str(db), "run", "--path", str(root), "--no-environment"])
    assert ran.exit_code == 0, ran.output
    before = priorities(db)
    result = runner.invoke(
        app, ["--db", str(db), "redundancy", "--language", "python", "--no-model"]
    )
    assert result.exit_code == 0, result.output
    return db, before, result.output, priorities(db)


def test_output_says_fallback_first_and_recommends(assessed):
    _, _, output, _ = assessed
    assert output.splitlines()[0] == FALLBACK_NOTICE
    assert "4 python projects" in output
    assert "Reading public APIs (tree-sitter)" in output  # progress of the longer steps
    lines = {line.split("│")[2].strip(): line for line in output.splitlines() if "│" in line}
    assert "keep" in lines["fetchy"]
    assert "archive candidate" in lines["grabby"]
    assert "baker" not in lines and "plotter" not in lines


def test_rows_carry_method_evidence_and_skipped_files(assessed):
    db, _, _, _ = assessed
    with store.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT name, method, recommendation, keep_entity_id LIKE '%fetchy', api_overlap,"
            " api_files_skipped, redundancy FROM raw_redundancy_scores ORDER BY name"
        ).fetchall()
    by_name = {row[0]: row[1:] for row in rows}
    assert set(by_name) == {"baker", "fetchy", "grabby", "plotter"}
    assert {row[0] for row in by_name.values()} == {"tfidf-fallback"}
    assert by_name["grabby"][1:3] == ("archive candidate", True)
    assert by_name["grabby"][3] == pytest.approx(0.5)  # {get, client} of {get, post, postjson, ...}
    assert by_name["grabby"][4] == 1  # latin1.py is not UTF-8: skipped and counted
    assert by_name["grabby"][5] > 0.3
    assert by_name["baker"][1] is None and by_name["baker"][5] == 0.0


def test_fct_priority_lowers_the_archive_candidate(assessed):
    _, before, _, after = assessed
    assert all(redundancy is None for _, _, redundancy in before.values())
    assert all(redundancy is not None for _, _, redundancy in after.values())
    assert before["grabby"][1] == pytest.approx(before["baker"][1])  # tied on every other term
    assert after["grabby"][1] < after["baker"][1]
    assert after["grabby"][0] > after["baker"][0]


def test_a_warehouse_never_scored_is_a_clear_failure(tmp_path: Path):
    result = runner.invoke(
        app, ["--db", str(tmp_path / "none.duckdb"), "redundancy", "--language", "python"]
    )
    assert result.exit_code == 1
    assert "run `globallm run` first" in result.output


def test_a_language_with_no_projects_lands_nothing_and_fails_nothing(assessed):
    db, _, _, _ = assessed
    summary = redundancy_flow(db_path=db, language="rust", use_model=False, rebuild_priority=False)
    assert (summary.projects, summary.pairs, summary.clusters) == (0, 0, 0)
    with store.connect(db, read_only=True) as con:
        languages = con.execute("SELECT DISTINCT language FROM raw_redundancy_scores").fetchall()
    assert languages == [("python",)]


@pytest.mark.skipif(not model_installed(), reason="the `embeddings` extra is not installed")
def test_minilm_clusters_the_near_duplicates(assessed):
    db, _, _, _ = assessed
    summary = redundancy_flow(db_path=db, language="Python", rebuild_priority=False)
    assert summary.method == "minilm"
    assert "TF-IDF" not in summary.notice
    with store.connect(db, read_only=True) as con:
        rows = dict(
            con.execute("SELECT name, recommendation FROM raw_redundancy_scores").fetchall()
        )
    assert rows == {"fetchy": "keep", "grabby": "archive candidate", "baker": None, "plotter": None}
