"""The `globallm` command line (typer): the entrypoint that reads settings and starts flows."""

from __future__ import annotations

import logging
import os
import re

# Prefect's per-hook INFO lines drown the CLI's output; PREFECT_LOGGING_LEVEL=INFO restores them.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# globallm runs offline by default: the embedded Prefect server must not phone home.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Its first start on a new PREFECT_HOME migrates a database: Prefect's 20 s are too few on a
# busy 2-core machine (seen: a timeout while a test suite ran beside it).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from pathlib import Path
from typing import Annotated

import duckdb
import polars as pl
import typer
from pydantic import ValidationError

import settings as config
from flows.cli.analyze import analyze
from flows.cli.budget import budget, budget_limits
from flows.cli.campaign import campaign_app, fix
from flows.cli.common import (
    FILL_HINT,
    FormatOption,
    build_failures_as_messages,
    fail,
    github_enabled,
    scoring_of,
    settings_for,
)
from flows.cli.dashboard import serve_app, status
from flows.cli.discover import discover, issues
from flows.cli.output import OutputFormat, console, print_frame
from flows.cli.redundancy import redundancy
from flows.cli.runs import revert, runs_app
from flows.cli.solve import print_summary as print_solve
from flows.cli.solve import run_solve, solve, solve_params_of
from flows.cli.triage import triage
from flows.runtime.heartbeats import heartbeats_off_when_embedded
from warehouse.readers import queries


class _TracebackInTheRunOnly(logging.Filter):
    """Prefect logs a failed task's traceback at ERROR. The run records the failure and the CLI
    says it in a line, so the terminal gets the message without the traceback; the run's log
    in Prefect (its API handler comes first) keeps it, and PREFECT_LOGGING_LEVEL=DEBUG shows it
    here too."""

    def filter(self, record: logging.LogRecord) -> bool:
        debugging = os.environ.get("PREFECT_LOGGING_LEVEL", "").upper() == "DEBUG"
        if record.name.startswith("prefect.") and record.exc_info and not debugging:
            record.exc_info, record.exc_text = None, None
        return True


for _handler in logging.getLogger().handlers:
    if type(_handler).__name__ == "PrefectConsoleHandler":
        _handler.addFilter(_TracebackInTheRunOnly())

app = typer.Typer(
    help="globallm: find the code whose problems matter most, and fix it safely at scale.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(campaign_app, name="campaign")
app.add_typer(runs_app, name="runs")
app.command()(revert)
app.command()(fix)
app.command("app")(serve_app)
app.command()(status)
app.command()(analyze)
app.command()(budget)
app.command()(discover)
app.command()(issues)
app.command()(redundancy)
app.command()(triage)
app.command()(solve)

PRIORITY_COLUMNS = ["rank", "name", "kind", "source", "language", "priority", "health", "impact"]
ISSUE_COLUMNS = ["rank", "repo", "number", "title", "priority", "category", "complexity", "risk",
                 "decision"]  # fmt: skip
ISSUES_HINT = "crawl issues (`globallm issues --repo OWNER/NAME`), then `globallm triage`"
_MISSING_TABLE = re.compile(r"Table with name (\w+) does not exist")


def _unbuilt_model(error: duckdb.CatalogException) -> str | None:
    """The dbt model (a mart, say) the query names that the warehouse does not hold yet."""
    from tasks.dbt.build import PROJECT_DIR

    missing = _MISSING_TABLE.search(str(error))
    if missing is None:
        return None
    models = {p.stem for p in (PROJECT_DIR / "models").rglob("*") if p.suffix in {".sql", ".py"}}
    return missing.group(1) if missing.group(1) in models else None


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="DuckDB warehouse file [env GLOBALLM_DB; default .globallm/warehouse.duckdb]",
        ),
    ] = None,
) -> None:
    ctx.obj = {"db": db}
    ctx.with_resource(heartbeats_off_when_embedded())


@app.command()
def run(
    ctx: typer.Context,
    path: Annotated[
        list[Path] | None,
        typer.Option("--path", "-p", help="Folder to search for git repositories (repeatable)."),
    ] = None,
    top: Annotated[
        int | None, typer.Option(help="How many ranked rows to print [default 20]")
    ] = None,
    environment: Annotated[
        bool, typer.Option(help="Also crawl the installed Python environment's packages.")
    ] = True,
    solve_top: Annotated[
        int | None,
        typer.Option(
            "--solve", min=1, help="Then solve the top N issues of the work queue (`solve`)"
        ),
    ] = None,
) -> None:
    """Crawl local sources, build the warehouse, score and rank (offline, no keys)."""
    from flows.github_crawl import GitHubCrawlParams
    from flows.pipeline import PipelineParams, pipeline_flow

    settings = settings_for(ctx, top=top)
    roots = path or [Path(".")]
    missing = [str(p) for p in roots if not p.is_dir()]
    if missing:
        raise fail(f"not a folder: {', '.join(missing)}", 2)
    github = None
    if github_enabled():  # GITHUB_TOKEN is set; without it says "GitHub skipped" once
        github = GitHubCrawlParams(
            endpoint=settings.github.endpoint(),
            languages=settings.github.languages,
            min_stars=settings.filter.min_stars,
            min_dependents=settings.filter.min_dependents,
            max_issues=settings.github.max_issues,
            requests_per_second=settings.github.requests_per_second,
            llm=settings.llm.endpoint(),  # the issue crawl's triage asks it when configured
            llm_policy=settings.llm.policy(),
            budgets=budget_limits(settings),
        )
    local = settings.crawl.model_copy(
        update={"include_environment": environment and settings.crawl.include_environment}
    )
    params = PipelineParams(
        paths=roots,
        crawl=local,
        scoring=scoring_of(settings),
        github=github,
    )
    with build_failures_as_messages():  # a failed model or test: one message, exit 1
        summary = pipeline_flow(db_path=settings.db, params=params)
    frame = queries.top_priorities(settings.db, settings.top).select(PRIORITY_COLUMNS)
    print_frame(frame, OutputFormat.table, title=f"Top {settings.top} by priority")
    repos = queries.top_priorities(settings.db, settings.top, kind="repo")
    if not repos.is_empty() and not set(repos["rank"]) <= set(frame["rank"]):
        title = "Crawled repositories by priority"
        print_frame(repos.select(PRIORITY_COLUMNS), OutputFormat.table, title=title)
    crawl = summary.crawl
    console.print(
        f"repositories {crawl.repositories} · findings {crawl.findings} · "
        f"distributions {crawl.distributions} · failed {len(crawl.failed)}"
    )
    counts = " · ".join(
        f"{table} {count}"
        for table, count in crawl.row_counts.items()
        if count or not table.startswith("raw_github")  # GitHub's tables only once it is used
    )
    console.print(f"rows: {counts}")
    console.print(f"run {summary.run_id} · warehouse [bold]{settings.db.resolve()}[/bold]")
    if solve_top is not None:
        solve_params = solve_params_of(settings, top=solve_top)
        print_solve(run_solve(settings, solve_params))
    console.print("look around: [bold]globallm app[/bold] (the dashboard) · globallm status")


@app.command()
def prioritize(
    ctx: typer.Context,
    top: Annotated[int | None, typer.Option(help="How many rows [default 20]")] = None,
    issues: Annotated[
        bool, typer.Option("--issues", help="Rank open issues (the work queue), not projects")
    ] = False,
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Only this language, e.g. python")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Print the ranked projects, or with --issues the ranked open issues, without crawling."""
    settings = settings_for(ctx, top=top)
    try:
        if issues:
            frame = queries.top_issues(settings.db, settings.top, language)
        else:
            frame = queries.top_priorities(settings.db, settings.top, language=language)
    except FileNotFoundError as error:
        raise fail(f"no warehouse at {settings.db}: {FILL_HINT}") from error
    except duckdb.CatalogException as error:  # crawled, never built and scored
        hint = ISSUES_HINT if issues else FILL_HINT
        raise fail(f"no ranking yet in {settings.db}: {hint}") from error
    if fmt is OutputFormat.table:
        frame = frame.select(ISSUE_COLUMNS if issues else PRIORITY_COLUMNS)
    what = "open issues" if issues else "by priority"
    print_frame(frame, fmt, title=f"Top {settings.top} {what}")


@app.command()
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="SQL to run read-only against the warehouse")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run read-only SQL against the warehouse; a statement that writes is refused (exit 2)."""
    settings = settings_for(ctx)
    try:
        frame = queries.run_sql(settings.db, query)
        print_frame(frame, fmt)
    except queries.WriteRefused as error:
        raise fail(str(error), 2) from error
    except FileNotFoundError as error:
        raise fail(f"no warehouse at {settings.db}: {FILL_HINT}") from error
    except duckdb.CatalogException as error:
        model = _unbuilt_model(error)
        if model is None:  # the query's own mistake: DuckDB's message says which
            raise fail(str(error)) from error
        raise fail(f"{model} is not built yet: {FILL_HINT}") from error
    except (duckdb.Error, pl.exceptions.PolarsError) as error:
        raise fail(str(error)) from error


@app.command("config")
def config_command(
    ctx: typer.Context,
    show: Annotated[bool, typer.Option("--show", help="Print each value and its origin")] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="KEY=VALUE to validate and write into ./globallm.yaml"),
    ] = None,
) -> None:
    """Show the effective configuration, or set values in ./globallm.yaml."""
    for assignment in set_ or []:
        try:
            key, value = config.set_project_value(assignment)
        except (config.ConfigKeyError, ValidationError, ValueError) as error:
            raise fail(f"not set: {error}", 2) from error
        console.print(f"set {key} = {value!r} in {config.project_config_path()}")
    if show or not set_:
        try:
            rows = config.explain({"db": (ctx.find_root().obj or {}).get("db")})
        except ValidationError as error:
            raise fail(f"invalid configuration:\n{error}", 2) from error
        frame = pl.DataFrame(
            {
                "key": [r[0] for r in rows],
                "value": [str(r[1]) for r in rows],
                "origin": [r[2] for r in rows],
            }
        )
        print_frame(frame, OutputFormat.table, title="globallm configuration")


def run_cli() -> None:
    """The console script: the CLI, with the embedded Prefect server's failure to start said in
    one line instead of a traceback (it is not the user's mistake, and retrying may do)."""
    try:
        app()
    except RuntimeError as error:
        if "ephemeral Prefect API server" not in str(error):
            raise
        timeout = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
        message = (
            f"the embedded Prefect server did not start within {timeout} s. Run the command "
            "again (a first start migrates its database), raise "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or point PREFECT_API_URL at a "
            "running `prefect server start`."
        )
        raise SystemExit(fail(message).exit_code) from None


if __name__ == "__main__":
    run_cli()
