"""`globallm budget --show`: this week's spend against the budgets, read from the snapshot.

The week runs from Monday 00:00 UTC; a limit of 0 is no limit (scoring/budget.py has the
rules, warehouse/readers/budget_queries.py the figures).
"""

from __future__ import annotations

from typing import Annotated

import duckdb
import polars as pl
import typer

import settings as config
from flows.cli.common import FILL_HINT, FormatOption, fail, settings_for
from flows.cli.output import OutputFormat, print_frame
from scoring.budget import BudgetLimits
from warehouse.io import snapshot
from warehouse.readers import budget_queries


def budget_limits(settings: config.Settings) -> BudgetLimits:
    """The weekly limits from the settings' `budgets` section (0: no limit)."""
    budgets = settings.budgets
    return BudgetLimits(
        tokens_per_week=budgets.tokens_per_week,
        tokens_per_repo=budgets.tokens_per_repo,
        seconds_per_repo=budgets.seconds_per_repo,
        issues_per_repo=budgets.issues_per_repo,
        issues_per_language=budgets.issues_per_language,
    )


def _for_people(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows as a table shows them: thousands separated, "no limit" for 0, a percentage."""

    def count(column: str) -> pl.Expr:
        return pl.col(column).map_elements(lambda v: f"{v:,}", return_dtype=pl.String)

    return rows.with_columns(
        count("spent"),
        pl.when(pl.col("limit") == 0)
        .then(pl.lit("no limit"))
        .otherwise(count("limit"))
        .alias("limit"),
        count("left"),
        pl.format("{} %", pl.col("used_pct").round(1)).alias("used"),
    ).drop("used_pct")


def budget(
    ctx: typer.Context,
    show: Annotated[
        bool, typer.Option("--show", help="Print the budgets (the default: there is no other use)")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """This week's budgets (since Monday 00:00 UTC): spent, limit, left; a limit of 0 is none.

    The week's LLM tokens, and per repository its tokens, fix-run seconds and issues started;
    per language its issues. The solve loop refuses work that would go over one.
    """
    settings = settings_for(ctx)
    limits = budget_limits(settings)
    try:
        with snapshot.connect_reader(settings.db) as con:
            spend = budget_queries.read_spend(con)
    except FileNotFoundError as error:
        raise fail(f"no warehouse at {settings.db}: {FILL_HINT}") from error
    except duckdb.Error as error:
        raise fail(f"{error}".split("\n")[0]) from error
    rows = budget_queries.budget_rows(spend, limits)
    since = f"{spend.week_start:%a %Y-%m-%d} 00:00 UTC"
    if fmt is OutputFormat.table:
        rows = _for_people(rows)
    print_frame(rows, fmt, title=f"Budgets this week, since {since} (limit 0: no limit)")
