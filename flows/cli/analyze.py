"""`globallm analyze --repo OWNER/NAME`: one repository's health and impact with every component,
its top open issues with their triage and priority, its budget spent this week and its open
changes, read from the published snapshot (warehouse/readers/analyze_queries.py)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import duckdb
import polars as pl
import typer
from rich.markup import escape

from flows.cli.budget import _for_people, budget_limits
from flows.cli.common import FILL_HINT, FormatOption, fail, settings_for
from flows.cli.output import OutputFormat, console, print_frame
from warehouse.io import snapshot
from warehouse.readers import analyze_queries
from warehouse.readers.analyze_queries import Analysis

ISSUE_COLUMNS = ["rank", "number", "title", "priority", "urgency", "solvability", "category",
                 "complexity", "risk", "decision", "triage_method"]  # fmt: skip
CHANGE_COLUMNS = ["change_id", "state", "branch", "pr_url", "issue", "recipe", "files", "lines",
                  "created"]  # fmt: skip


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _components(analysis: Analysis) -> pl.DataFrame:
    """One row per score column: which score it belongs to, its name and its value."""
    health = set(analysis.health_components)
    names = list(analysis.scores)
    return pl.DataFrame(
        {
            "score": ["health" if n in health else "impact" for n in names],
            "component": names,
            "value": [_value(analysis.scores[n]) for n in names],
        },
        schema={"score": pl.String, "component": pl.String, "value": pl.String},
    )


def _changes_for_people(changes: pl.DataFrame) -> pl.DataFrame:
    """The changes as the table shows them: lines as +added -removed, the time to the minute."""
    return changes.with_columns(
        pl.col("files_changed").alias("files"),
        pl.format("+{} -{}", pl.col("lines_added"), pl.col("lines_removed")).alias("lines"),
        pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M").alias("created"),
    ).select(CHANGE_COLUMNS)


def _header(analysis: Analysis) -> str:
    repo, scores = analysis.repo, analysis.scores
    parts = [f"[bold]{escape(repo['name'])}[/bold] ({repo['source']}, {escape(repo['repo_id'])})"]
    parts.append(f"health {_value(scores.get('health'))}")
    parts.append(f"impact {_value(scores.get('impact'))}")
    priority = repo["priority"]
    if priority is not None:
        parts.append(
            f"priority rank {priority['rank']} of {priority['ranked']}"
            f" ({_value(priority['priority'])})"
        )
    else:
        parts.append("not ranked")
    return " · ".join(parts)


def _print_table(analysis: Analysis, top: int) -> None:
    repo = analysis.repo
    console.print(_header(analysis), soft_wrap=True)
    if repo["canonical_url"]:
        console.print(repo["canonical_url"], soft_wrap=True, markup=False)
    for path in repo["checkouts"]:
        console.print(f"checkout {path}", soft_wrap=True, markup=False)
    if analysis.scores:
        print_frame(_components(analysis), OutputFormat.table, title="Health and impact")
    else:
        console.print("not scored yet: `globallm run` or `globallm discover` scores it")
    if analysis.issues.is_empty():
        console.print("no open issue in the work queue")
    else:
        title = f"Top {min(top, analysis.open_issues)} of {analysis.open_issues} open issues"
        print_frame(analysis.issues.select(ISSUE_COLUMNS), OutputFormat.table, title=title)
    if analysis.budget.is_empty():
        console.print("no budget spent this week")
    else:
        print_frame(_for_people(analysis.budget), OutputFormat.table, title="Budget this week")
    if analysis.changes.is_empty():
        console.print("no open change")
    else:
        print_frame(_changes_for_people(analysis.changes), OutputFormat.table, title="Open changes")


def _as_json(analysis: Analysis) -> dict:
    return {
        "repo": analysis.repo,
        "scores": analysis.scores,
        "open_issues": analysis.open_issues,
        "issues": analysis.issues.to_dicts(),
        "budget": analysis.budget.to_dicts(),
        "changes": analysis.changes.to_dicts(),
    }


def analyze(
    ctx: typer.Context,
    repo: Annotated[str, typer.Option("--repo", help="The repository, OWNER/NAME (or its URL)")],
    top: Annotated[int, typer.Option("--top", min=1, help="How many open issues")] = 10,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One repository: health and impact with every component, its top open issues with their
    triage and priority, its budget spent this week and its open (and waiting) changes.

    JSON: one object (repo, scores, open_issues, issues, budget, changes); CSV: the issues only.
    """
    settings = settings_for(ctx)
    key = analyze_queries.repo_key(repo)
    if not analyze_queries.is_owner_name(key):
        raise fail(f"--repo must be OWNER/NAME, not {repo!r}", 2)
    shown = repo.strip() if analyze_queries.is_owner_name(repo.strip()) else key  # not a URL
    try:
        with snapshot.connect_reader(settings.db) as con:
            analysis = analyze_queries.analyze(con, key, top, budget_limits(settings))
    except FileNotFoundError as error:
        raise fail(f"no warehouse at {settings.db}: {FILL_HINT}") from error
    except duckdb.CatalogException as error:  # crawled, never built and scored
        raise fail(f"no ranking yet in {settings.db}: {FILL_HINT}") from error
    except duckdb.Error as error:
        raise fail(f"{error}".split("\n")[0]) from error
    if analysis is None:
        raise fail(
            f"no repository {shown} in {settings.db}: "
            f"`globallm issues --repo {shown}` or `globallm discover`"
        )
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(_as_json(analysis), default=str, indent=2) + "\n")
    elif fmt is OutputFormat.csv:
        print_frame(analysis.issues, fmt)
    else:
        _print_table(analysis, top)
