"""`globallm runs ...` and `globallm revert`: reading the ledger of runs, undoing a change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import duckdb
import polars as pl
import typer

from fixers.run_report import reasons_line
from flows.cli.common import FILL_HINT, FormatOption, fail, settings_for
from flows.cli.output import OutputFormat, console, print_frame
from warehouse.io import llm_cache, snapshot
from warehouse.readers import llm_queries, run_queries

runs_app = typer.Typer(help="Read the ledger of runs.", no_args_is_help=True)


@runs_app.command("list")
def runs_list(ctx: typer.Context, limit: int = 20, fmt: FormatOption = OutputFormat.table) -> None:
    """Runs, newest first, with plan items and changes."""
    db = settings_for(ctx).db
    try:
        frame = run_queries.list_runs(db, limit)
    except (FileNotFoundError, duckdb.CatalogException) as error:
        raise _no_ledger(db, error) from error
    if frame.is_empty() and fmt is OutputFormat.table:
        console.print(f"no runs yet in {db}: {FILL_HINT}", soft_wrap=True)
        return
    print_frame(frame, fmt)


def _no_ledger(db: Path, error: Exception) -> typer.Exit:
    """No warehouse, or a DuckDB file without the ledger: say what fills it."""
    if isinstance(error, FileNotFoundError):
        return fail(f"no warehouse at {db}: {FILL_HINT}")
    return fail(f"no runs yet in {db}: {FILL_HINT}")


def _run_id(ctx: typer.Context, prefix: str) -> tuple[Path, str]:
    db = settings_for(ctx).db
    try:
        return db, run_queries.resolve_run_id(db, prefix)
    except run_queries.UnknownRun as error:
        raise fail(str(error)) from error
    except (FileNotFoundError, duckdb.CatalogException) as error:
        raise _no_ledger(db, error) from error


@runs_app.command("show")
def runs_show(ctx: typer.Context, run_id: str) -> None:
    """Per repository and file: what changed, why, confidence, verification, gate, PR."""
    db, full = _run_id(ctx, run_id)
    items = run_queries.run_items(db, full)
    print_frame(
        items.select(
            "repo",
            "file_path",
            "status",
            "confidence",
            "risk",
            "change_state",
            "tests_after",
            "coverage_delta",
            "branch",
        ),
        OutputFormat.table,
        title=f"run {full}",
    )
    for change in run_queries.run_changes(db, full).iter_rows(named=True):
        reasons = "; ".join(change["gate_reasons"] or [])
        console.print(
            f"[bold]{change['branch']}[/bold] {change['state']} "
            f"(+{change['lines_added']} -{change['lines_removed']}): {reasons}"
        )
    held = reasons_line(run_queries.run_reasons(db, full).to_dicts())
    if held:
        console.print(f"held back: {held}")
    llm = llm_queries.run_llm_usage(db, full)
    if llm["calls"]:
        console.print(
            f"LLM: {_count(llm['calls'], 'call')} ({llm['cache_hits']} cached), "
            f"{llm['tokens_in'] + llm['tokens_out']:,} tokens, cost {llm['cost']:.4f}"
        )


@runs_app.command("report")
def runs_report(
    ctx: typer.Context,
    run_id: str,
    out: Annotated[Path | None, typer.Option("--out", help="Write the markdown here")] = None,
) -> None:
    """A markdown report of a campaign run for the repositories' owners: per change the state,
    tests and coverage before and after, the gate's reasons, the sandbox, the pull request."""
    from tasks.store.run_report import report_markdown

    db, full = _run_id(ctx, run_id)
    markdown = report_markdown(db, full)
    if out is None:
        typer.echo(markdown, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown, encoding="utf-8")
    console.print(f"wrote {out}")


@runs_app.command("compare")
def runs_compare(
    ctx: typer.Context, first: str, second: str, fmt: FormatOption = OutputFormat.table
) -> None:
    """Files planned in either run and their state in each."""
    db, a = _run_id(ctx, first)
    _, b = _run_id(ctx, second)
    print_frame(run_queries.compare_runs(db, a, b), fmt)


@runs_app.command("export")
def runs_export(
    ctx: typer.Context,
    run_id: str,
    fmt: FormatOption = OutputFormat.json,
) -> None:
    """Every plan item of a run with its change and verification, as JSON or CSV."""
    db, full = _run_id(ctx, run_id)
    print_frame(run_queries.run_items(db, full), fmt)  # CSV: lists as JSON text


@runs_app.command("sync")
def runs_sync(
    ctx: typer.Context,
    run_id: Annotated[
        str | None, typer.Argument(help="Only this run's changes (id or id prefix); default all")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Read the GitHub pull requests of OPEN changes back: merged, closed, checks."""
    from flows.sync import sync_flow
    from tasks.github.http import token_from_env

    db, full = _run_id(ctx, run_id) if run_id else (settings_for(ctx).db, None)
    if not db.exists():
        raise fail(f"no warehouse at {db}: run a campaign first")
    if token_from_env() is None:
        raise fail("runs sync reads pull requests from GitHub: set GITHUB_TOKEN", 2)
    github = settings_for(ctx).github.endpoint()
    summary = sync_flow(db_path=db, run_id=full, github=github)
    if not summary.rows and fmt is OutputFormat.table:
        console.print("no OPEN github changes to sync")
        return
    frame = pl.DataFrame(
        [
            {
                "change": row.change_id[:8],
                "repo": row.repo,
                "pr": row.pr_url,
                "state": f"{row.before} -> {row.after}",
                "checks": row.checks,
            }
            for row in summary.rows
        ],
        schema=dict.fromkeys(["change", "repo", "pr", "state", "checks"], pl.String),
    )
    print_frame(frame, fmt, title="runs sync" + (f" {full}" if full else ""))
    if summary.unread and fmt is OutputFormat.table:
        console.print(
            f"[yellow]{summary.unread} pull request(s) could not be read; their changes stay "
            "OPEN until a later sync[/yellow]"
        )


@dataclass(frozen=True)
class Age:
    """A `--older-than` value: how many days, and the words the user gave it in."""

    days: float
    words: str


_UNITS = {"h": ("hour", 1 / 24), "d": ("day", 1.0), "w": ("week", 7.0)}
MAX_AGE_DAYS = 36_525


def _count(n: float, noun: str) -> str:
    return f"{n:g} {noun}" + ("" if n == 1 else "s")


def parse_age(text: str) -> Age:
    """`30d`, `12h`, `2w`, or a plain number of days."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hdw]?)\s*", text.lower())
    if found is None:
        raise typer.BadParameter(
            f"{text!r} is not an age: give a number of days (30) or of hours, days or weeks "
            "(12h, 30d, 2w)"
        )
    number, unit = float(found[1]), found[2] or "d"
    noun, days = _UNITS[unit]
    if number * days > MAX_AGE_DAYS:
        raise typer.BadParameter(f"{text!r} is longer ago than anything kept: at most 100 years")
    return Age(number * days, _count(number, noun))


@runs_app.command("purge")
def runs_purge(
    ctx: typer.Context,
    older_than: Annotated[
        Age | None,
        typer.Option(
            "--older-than",
            parser=parse_age,
            metavar="AGE",
            help="30d, 12h, 2w or a number of days; default llm.retention_days",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be removed")
    ] = False,
) -> None:
    """Remove the prompts and answers kept with LLM calls older than AGE, and cached answers
    as old; the call rows (tokens, cost) and everything else stay."""
    settings = settings_for(ctx)
    db = settings.db
    age = older_than or Age(settings.llm.retention_days, _count(settings.llm.retention_days, "day"))
    try:  # read-only first: a file without the ledger is reported, never given one
        counted = llm_cache.count_llm_texts(db, age.days)
    except (FileNotFoundError, duckdb.CatalogException) as error:
        raise _no_ledger(db, error) from error
    if dry_run:
        console.print(
            f"would remove the prompts and answers of {_count(counted.calls, 'LLM call')} and "
            f"{_count(counted.cached_answers, 'cached answer')} older than {age.words} "
            "(nothing changed)"
        )
        return
    purged = llm_cache.purge_llm_texts(db, age.days)
    if purged.calls or purged.cached_answers:
        snapshot.republish(db)  # the app's read copies must not keep what was removed
    console.print(
        f"removed the prompts and answers of {_count(purged.calls, 'LLM call')} and "
        f"{_count(purged.cached_answers, 'cached answer')} older than {age.words} "
        "(call rows, tokens and costs stay)"
    )


def revert(
    ctx: typer.Context,
    change_id: Annotated[str, typer.Argument(help="The change to revert (id or id prefix)")],
) -> None:
    """Make and propose the revert of a merged change; the ledger links both."""
    from flows.revert import revert_flow

    db = settings_for(ctx).db
    try:
        change = run_queries.find_change(db, change_id)
    except run_queries.UnknownRun as error:
        raise fail(str(error)) from error
    except (FileNotFoundError, duckdb.CatalogException) as error:
        raise _no_ledger(db, error) from error
    if change["state"] != "MERGED" or not change["merge_sha"]:
        raise fail(
            f"change {change['change_id']} is {change['state']}: only a merged change "
            "can be reverted",
            2,
        )
    made = revert_flow(
        db_path=db, change=change, worktree_root=db.parent / "runs" / "reverts" / change_id
    )
    console.print(
        f"change {made.change_id} reverts {change['change_id']}: {made.pr_url} "
        f"merged as {made.merge_sha}"
    )
