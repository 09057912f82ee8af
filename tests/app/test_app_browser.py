"""End to end: `globallm app` serves every page to headless Chromium with the warehouse's figures.

One server and one browser for the module. Each page is loaded by its URL, waited for until its
expected text shows (bounded, no fixed sleeps), screenshotted under the test's tmp_path, and its
text checked. Chromium is Debian's package (`make test` installs it as root); the test installs
it itself as root with apt, and skips saying why where it cannot.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_warehouse import ISSUES
from warehouse.io import snapshot
from warehouse.readers import queries

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_S = 45
METRICS = {
    "Repositories": "repositories",
    "Packages": "packages",
    "Open issues": "issues",
    "Plan items": "plan_items",
    "PRs opened": "prs_opened",
    "PRs merged": "prs_merged",
    "PRs blocked": "prs_blocked",
}


def chromium_or_skip() -> str:
    """Debian's chromium, installed here when missing and we are root with apt."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and cannot be (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"could not install chromium: {done.stderr.strip()[-300:]}")
    return shutil.which("chromium") or pytest.skip("apt-get installed no `chromium` command")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(app_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`globallm --db <warehouse> app --port <free port>`, healthy, stopped with Ctrl-C after."""
    work = tmp_path_factory.mktemp("app-server")
    port = free_port()
    script = Path(sys.executable).with_name("globallm")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli.main"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLOBALLM_")}
    env["XDG_CONFIG_HOME"] = str(work / "config")  # no developer configuration
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [*command, "--db", str(app_warehouse.db), "app", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, (work / "server.log").read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    break
        except OSError:
            assert time.monotonic() < deadline, "the app did not become healthy within 60 s"
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Debian's chromium with the agreed flags and a new, empty profile."""
    executable = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def figures(app_warehouse) -> dict[str, int]:
    with snapshot.connect_reader(app_warehouse.db) as con:
        return queries.overview_figures(con)


class Shown:
    """A loaded page: its text (tables' cells included) and a way to wait for more."""

    def __init__(self, page) -> None:
        self.page = page

    def text(self) -> str:
        main = self.page.locator('[data-testid="stMain"]')
        # st.dataframe draws on a canvas; its accessible <table> holds the visible cells.
        grids = self.page.locator('[data-testid="stDataFrame"] table')
        cells = []
        for i in range(grids.count()):
            try:  # a rerun can replace the grid between the count and the read: read it again
                cells.append(grids.nth(i).text_content(timeout=1_000) or "")
            except Exception as error:  # playwright's TimeoutError; the module is imported lazily
                if type(error).__name__ != "TimeoutError":
                    raise
        return "\n".join([main.inner_text(), *cells])

    def wait_for(self, *expected: str, pattern: str | None = None) -> str:
        """The page text once every `expected` string (and `pattern`) shows; fails after WAIT_S."""
        deadline = time.monotonic() + WAIT_S
        while True:
            text = self.text()
            missing = [e for e in expected if e not in text]
            if pattern and not re.search(pattern, text):
                missing.append(f"/{pattern}/")
            running = self.page.locator('[data-testid="stStatusWidget"]').count() > 0
            if not missing and not running:
                return text
            if time.monotonic() > deadline:
                pytest.fail(f"not shown within {WAIT_S} s: {missing}\n--- page text ---\n{text}")
            self.page.wait_for_timeout(250)

    def grid_rows(self, index: int = 0) -> list[dict[str, str]]:
        """The visible rows of the `index`-th st.dataframe, read from its accessible table."""
        table = self.page.locator('[data-testid="stDataFrame"] table').nth(index)
        table.wait_for(state="attached", timeout=WAIT_S * 1000)
        header, *rows = [
            row.locator("th, td").all_text_contents() for row in table.locator("tr").all()
        ]
        return [dict(zip(header, row, strict=False)) for row in rows]

    def select_first_row(self) -> None:
        """Tick the first data row's selection box (drawn on the grid's canvas, 35 px rows)."""
        box = self.page.locator('[data-testid="data-grid-canvas"]').first.bounding_box()
        assert box is not None
        self.page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)

    def element(self, test_id: str, within: str = "") -> None:
        """Wait until an element with this data-testid is on the page (charts draw late)."""
        selector = f'[data-testid="{test_id}"] {within}'.strip()
        self.page.locator(selector).first.wait_for(state="attached", timeout=WAIT_S * 1000)

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def screenshot(self, folder: Path, name: str) -> Path:
        """The whole page: Streamlit scrolls inside stMain, so the viewport is made that tall."""
        height = self.page.evaluate(
            "Math.max(document.querySelector('[data-testid=\"stMain\"]').scrollHeight, 900)"
        )
        self.page.set_viewport_size({"width": 1400, "height": min(int(height), 12000)})
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size({"width": 1400, "height": 900})
        print(f"screenshot: {path}")
        return path


def open_page(browser, app_url: str, path: str, title: str) -> Shown:
    page = browser.new_page()
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator('[data-testid="stMain"] h1', has_text=title).wait_for(timeout=WAIT_S * 1000)
    return Shown(page)


def finish(shown: Shown, tmp_path: Path, name: str) -> None:
    """Screenshot the page and check it raised nothing; close it."""
    path = shown.screenshot(tmp_path / "screenshots", name)
    assert path.stat().st_size > 10_000
    assert shown.exceptions() == []
    shown.page.close()


def test_overview_shows_the_warehouse_figures(browser, app_url, app_warehouse, figures, tmp_path):
    shown = open_page(browser, app_url, "", "Overview")
    shown.wait_for(*METRICS, "Last runs", app_warehouse.campaign_run_id[:8])
    shown.element("stVegaLiteChart")  # runs over time
    metrics = {}
    for block in shown.page.locator('[data-testid="stMetric"]').all():
        label = block.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = block.locator('[data-testid="stMetricValue"]').inner_text().strip()
        metrics[label] = value
    for label, key in METRICS.items():
        assert metrics[label].replace(",", "") == str(figures[key]), (label, metrics)
    assert (metrics["Open issues"], metrics["PRs merged"], metrics["PRs blocked"]) == (
        "3",
        "2",
        "1",
    )
    assert metrics["LLM tokens (7 days)"].replace(",", "") == "1500"
    finish(shown, tmp_path, "overview")


def test_priorities_lists_the_ranking_and_a_selected_row_opens_its_detail(
    browser, app_url, app_warehouse, tmp_path
):
    ranked = queries.top_priorities(app_warehouse.db, 5)
    shown = open_page(browser, app_url, "priorities", "Priorities")
    shown.wait_for(*ranked["name"])
    rows = shown.grid_rows()
    assert [(r["rank"], r["name"]) for r in rows[:5]] == [
        (str(rank), name) for rank, name in ranked.select("rank", "name").iter_rows()
    ]
    # The fixture library's GitHub upstream: the checkout's signals plus stars, CI, issues
    assert rows[0]["name"] == "acme/core"
    shown.select_first_row()
    shown.wait_for(
        "acme/core (repo, rank 1)",
        "On GitHub",
        "4,200",
        "Open issues",
        *(issue["title"] for issue in ISSUES),
    )
    finish(shown, tmp_path, "priorities")


def test_issues_lists_the_work_queue_and_a_selected_issue_opens_its_triage(
    browser, app_url, app_warehouse, tmp_path
):
    queue = queries.top_issues(app_warehouse.db, 3)
    shown = open_page(browser, app_url, "issues", "Issues")
    shown.wait_for(*queue["title"], "3 open issues match")
    rows = shown.grid_rows()
    assert [(r["rank"], r["title"]) for r in rows[:3]] == [
        (str(rank), title) for rank, title in queue.select("rank", "title").iter_rows()
    ]
    shown.select_first_row()
    first = queue.row(0, named=True)
    shown.wait_for(
        f"acme/core#{first['number']} (rank 1)",
        "Category",
        "Complexity",
        "No change proposed for this issue yet",
    )
    finish(shown, tmp_path, "issues")


def test_repositories_shows_the_scatter_pagerank_and_a_neighbourhood(
    browser, app_url, app_warehouse, tmp_path
):
    with snapshot.connect_reader(app_warehouse.db) as con:
        central = con.execute(
            "SELECT name FROM fct_repo_scores ORDER BY pagerank DESC NULLS LAST, name LIMIT 1"
        ).fetchone()[0]
    shown = open_page(browser, app_url, "repositories", "Repositories")
    shown.wait_for("Health against impact", "Top PageRank", central)
    shown.element("stVegaLiteChart")  # health against impact
    assert shown.grid_rows()[0]["name"] == central
    shown.element("stGraphVizChart", "svg g.node")  # core's neighbourhood, best-ranked first
    graph = shown.page.locator('[data-testid="stGraphVizChart"] svg').first.text_content() or ""
    for node in ("core", "acme-core", "app"):  # the repo, the package it publishes, a dependent
        assert node in graph, graph
    finish(shown, tmp_path, "repositories")


def choose(selectbox, option: str) -> None:
    """Pick `option` in a Streamlit selectbox (a react-aria combobox): type it to filter the
    list, then take the match; retried, as the list renders after the box opens."""
    box = selectbox.locator("input").first
    for _ in range(3):
        box.click()
        box.fill(option)
        match = selectbox.page.get_by_role("option", name=re.compile(rf"^{re.escape(option)}\b"))
        try:
            match.first.click(timeout=10_000)
            return
        except Exception as error:  # playwright's TimeoutError; the module is imported lazily
            if type(error).__name__ != "TimeoutError":
                raise
            selectbox.page.keyboard.press("Escape")
    raise AssertionError(f"no option {option!r} in the selectbox")


def test_campaigns_shows_the_run_its_burndown_and_the_blocked_change(
    browser, app_url, app_warehouse, tmp_path
):
    shown = open_page(browser, app_url, "campaigns", "Campaigns")
    shown.wait_for(app_warehouse.campaign_run_id[:8], "upgrade-python", "Burndown", "MERGED")
    shown.element("stVegaLiteChart")  # the burndown
    repository = shown.page.locator('[data-testid="stSelectbox"]').filter(has_text="Repository")
    choose(repository, "gamma")
    shown.wait_for("BLOCKED", "Gate: no merge", "tests/test_style.py::test_old_spelling")
    finish(shown, tmp_path, "campaigns")


def test_sql_runs_a_select_and_refuses_a_write(browser, app_url, tmp_path):
    shown = open_page(browser, app_url, "sql", "SQL")
    editor = shown.page.locator('[data-testid="stTextArea"] textarea').first
    run = shown.page.get_by_role("button", name=re.compile("Run"))

    editor.fill("SELECT name FROM dim_repos WHERE name IN ('alpha', 'gamma') ORDER BY name")
    run.click()
    text = shown.wait_for("alpha", "gamma", pattern=r"\b2 rows")
    assert "Download CSV" in text
    finish_shot = shown.screenshot(tmp_path / "screenshots", "sql")
    assert finish_shot.exists()

    editor.fill("DELETE FROM dim_repos")
    run.click()
    text = shown.wait_for("refused")
    assert shown.page.locator('[data-testid="stAlertContentError"]').count() >= 1
    finish(shown, tmp_path, "sql-refused")
