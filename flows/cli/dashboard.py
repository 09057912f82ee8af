"""`globallm app` starts the Streamlit app; `globallm status` prints its Overview in the terminal.

Both read the warehouse's published snapshot (warehouse/io/snapshot.py), so neither waits for a
running flow nor holds one up.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import duckdb
import polars as pl
import typer
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from flows.cli.common import FILL_HINT, FormatOption, fail, settings_for
from flows.cli.output import OutputFormat, console, print_frame
from warehouse.io import snapshot
from warehouse.readers import queries

DEFAULT_PORT = 8501
LAST_RUNS = 10
TOP_PRIORITIES = 10
STOP_GRACE_S = 10.0

# Overview figure -> label, in the order the Overview page shows them.
FIGURE_LABELS = {
    "repositories": "Repositories",
    "packages": "Packages",
    "issues": "Open issues",
    "plan_items": "Plan items",
    "prs_opened": "PRs opened",
    "prs_merged": "PRs merged",
    "prs_blocked": "PRs blocked",
    "llm_tokens_7d": "LLM tokens (7 days)",
    "runs": "Runs",
}
RUN_COLUMNS = ["run_id", "kind", "status", "recipe", "started", "duration_s"]
PRIORITY_COLUMNS = ["rank", "name", "kind", "language", "priority", "health", "impact"]


def app_script() -> Path:
    """app.py as installed (a py-module), else the one at the repository root."""
    spec = importlib.util.find_spec("app")
    if spec is not None and spec.origin:
        origin = Path(spec.origin)
        # Another `app` (a folder or script in the current directory) is not ours.
        if origin.name == "app.py" and (origin.parent / "app_pages").is_dir():
            return origin
    return Path(__file__).resolve().parents[2] / "app.py"


def streamlit_command(script: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        # Named, so Streamlit prints this URL instead of asking checkip.amazonaws.com for one.
        "--browser.serverAddress",
        "localhost",
    ]


# SIGKILL reaches no handler, so on Linux the child asks the kernel for a SIGTERM when its parent
# dies (PR_SET_PDEATHSIG, kept across exec) and then becomes the command. A parent already gone
# before that call would never send it: then the child exits at once.
_DIES_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"
    "os.getppid() == int(sys.argv[1]) or sys.exit(1)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def dies_with_parent(command: list[str]) -> list[str]:
    """`command`, ended by the kernel if this process is killed (Linux; elsewhere as it is).
    The kernel watches the thread that starts it: call this from the main thread."""
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-c", _DIES_WITH_PARENT, str(os.getpid()), *command]


# A supervisor (systemd, docker, `kill`) stops with SIGTERM, a terminal with SIGINT or SIGHUP.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Stopped(Exception):
    """A stop signal reached `globallm app`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


def _stop_child(process: subprocess.Popen, signum: int) -> None:
    """Pass the stop on to the child and wait for it to end; after STOP_GRACE_S, or at a
    second stop signal, kill it."""
    again: list[int] = []
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda received, _frame: again.append(received))
    # From a terminal the child saw the same Ctrl-C; a lone signal to us has to be passed on.
    if process.poll() is None:
        process.send_signal(signum)
    deadline = time.monotonic() + STOP_GRACE_S
    while process.poll() is None and not again and time.monotonic() < deadline:
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:
        process.kill()
        process.wait()


def _run_until_done(command: list[str], env: dict[str, str]) -> int:
    """Run `command` and return its exit code. SIGINT (Ctrl-C), SIGTERM and SIGHUP stop it:
    the signal is passed on and the child waited for, so no server outlives the command."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} if in_main_thread else {}
    for sig in previous:
        if sig != signal.SIGINT:  # SIGINT already raises KeyboardInterrupt
            signal.signal(sig, _raise_stopped)
    process: subprocess.Popen | None = None
    try:
        process = subprocess.Popen(command, env=env)
        # Wait in short steps: a signal that lands on another thread (polars and jemalloc keep
        # some) would not interrupt one long waitpid, and the stop would go unnoticed.
        while True:
            try:
                return process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
    except (KeyboardInterrupt, _Stopped) as stop:
        signum = stop.signum if isinstance(stop, _Stopped) else signal.SIGINT
        if process is not None and in_main_thread:
            _stop_child(process, signum)
        console.print(f"globallm app stopped ({signal.Signals(signum).name})")
        return 0
    finally:
        if process is not None and process.poll() is None:  # never leave the server behind
            process.kill()
            process.wait()
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def serve_app(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to serve on")
    ] = DEFAULT_PORT,
) -> None:
    """Start the Streamlit app on the warehouse (read-only; usable while flows run)."""
    settings = settings_for(ctx)
    db = settings.db.resolve()
    env = {**os.environ, "GLOBALLM_DB": str(db)}
    console.print(f"globallm app: http://localhost:{port} · warehouse {db} · Ctrl-C stops it")
    code = _run_until_done(dies_with_parent(streamlit_command(app_script(), port)), env)
    raise typer.Exit(code)


def _read_status(db: Path) -> tuple[dict[str, int], pl.DataFrame] | None:
    """The Overview figures and the last runs from the newest snapshot; None when empty."""
    with snapshot.connect_reader(db) as con:
        figures = queries.overview_figures(con)
        if "dim_repos" not in queries.existing_tables(con) and figures["runs"] == 0:
            return None
        return figures, queries.last_runs(con, LAST_RUNS)


def _tokens_cell(used: int, budget: int) -> str:
    return f"{used:,} of {budget:,} ({100 * used / budget:.2f} %)" if budget else f"{used:,}"


def _figures_table(figures: dict[str, int], budget: int) -> Table:
    table = Table(title="globallm overview", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, label in FIGURE_LABELS.items():
        value = figures[key]
        table.add_row(
            label, _tokens_cell(value, budget) if key == "llm_tokens_7d" else f"{value:,}"
        )
    return table


def _frame_table(frame: pl.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for column in frame.columns:
        justify = "right" if frame.schema[column].is_numeric() else "left"
        table.add_column(column, justify=justify)
    for row in frame.iter_rows():
        table.add_row(
            *("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in row)
        )
    return table


def _runs_frame(runs: pl.DataFrame) -> pl.DataFrame:
    """The last runs as people read them: an id prefix (`globallm runs` accepts it), seconds."""
    return runs.select(RUN_COLUMNS).with_columns(
        pl.col("run_id").str.slice(0, 8), pl.col("started").dt.strftime("%Y-%m-%d %H:%M:%S")
    )


class _Sized:
    """A Layout drawn at the height its content needs, not the terminal's (which it fills)."""

    def __init__(self, layout: Layout, height: int) -> None:
        self.layout, self.height = layout, height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.layout, options.update(height=self.height))


def _dashboard(db: Path, budget: int) -> RenderableType:
    """The figures, last runs and top priorities as one Layout."""
    status = _read_status(db)
    if status is None:
        return Panel(f"The warehouse is empty: {FILL_HINT}.")
    figures, runs = status
    try:
        top = queries.top_priorities(db, TOP_PRIORITIES).select(PRIORITY_COLUMNS)
        bottom: RenderableType = _frame_table(top, f"Top {TOP_PRIORITIES} by priority")
    except duckdb.CatalogException:
        top = pl.DataFrame()
        bottom = f"No priorities yet: {FILL_HINT}."
    upper = max(len(FIGURE_LABELS), runs.height) + 6
    lower = top.height + 7
    layout = Layout()
    layout.split_column(Layout(name="upper", size=upper), Layout(name="lower", size=lower))
    layout["upper"].split_row(
        Layout(Panel(_figures_table(figures, budget), title="Figures"), ratio=1),
        Layout(Panel(_frame_table(_runs_frame(runs), "Last runs"), title="Runs"), ratio=2),
    )
    layout["lower"].update(Panel(Group(bottom), title="Priorities"))
    return _Sized(layout, upper + lower)


def status(
    ctx: typer.Context,
    dashboard: Annotated[
        bool, typer.Option("--dashboard", help="Figures, last runs and top priorities as panels")
    ] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="With --dashboard: refresh every few seconds")
    ] = False,
    every: Annotated[float, typer.Option("--every", min=0.5, help="Seconds between refreshes")] = 5,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The Overview figures and the last runs, read from the published snapshot.

    `--format json` gives both; `--format csv` the figures only.
    """
    settings = settings_for(ctx)
    budget = settings.budgets.tokens_per_week
    try:
        current = _read_status(settings.db)
    except FileNotFoundError as error:
        raise fail(f"no warehouse at {settings.db}: {FILL_HINT}") from error
    except duckdb.Error as error:
        raise fail(f"{error}".split("\n")[0]) from error
    if current is None:
        raise fail(f"the warehouse {settings.db} is empty: {FILL_HINT}")
    figures, runs = current
    if dashboard:
        _show_dashboard(settings.db, budget, watch, every)
    elif fmt is OutputFormat.json:
        out = {"figures": figures, "weekly_token_budget": budget, "last_runs": runs.to_dicts()}
        sys.stdout.write(json.dumps(out, default=str, indent=2) + "\n")
    elif fmt is OutputFormat.csv:
        print_frame(pl.DataFrame({"figure": list(figures), "value": list(figures.values())}), fmt)
    else:
        console.print(_figures_table(figures, budget))
        print_frame(_runs_frame(runs), fmt, title=f"Last {LAST_RUNS} runs")


def _show_dashboard(db: Path, budget: int, watch: bool, every: float) -> None:
    view = _dashboard(db, budget)
    if not watch:
        console.print(view)
        return
    try:
        with Live(view, console=console, auto_refresh=False, vertical_overflow="visible") as live:
            while True:
                time.sleep(every)
                live.update(_dashboard(db, budget), refresh=True)
    except KeyboardInterrupt:
        pass
