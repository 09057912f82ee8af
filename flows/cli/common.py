"""What every CLI command shares: the settings with the global --db, and failing cleanly."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

import settings as config
from flows.cli.output import OutputFormat, console
from flows.score import Scoring

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
# What fills an empty warehouse, for every command that finds no warehouse or no marts yet.
FILL_HINT = "run `globallm run` first (local sources) or `globallm discover` (GitHub, registries)"
RANKED = "built and scored: `globallm prioritize` shows the ranking, `globallm app` the dashboard"


def scoring_of(settings: config.Settings) -> Scoring:
    """The score flow's parameters from the settings (as `globallm run` passes them)."""
    return Scoring(health=settings.health, impact=settings.impact, priority=settings.priority)


def settings_for(ctx: typer.Context, **overrides: object) -> config.Settings:
    """Settings with the global `--db` and this command's flags on top (exit 2 if invalid)."""
    root = ctx.find_root()
    db = (root.obj or {}).get("db")
    try:
        return config.load_settings(db=db, **overrides)
    except ValidationError as error:
        console.print(f"[red]invalid configuration:[/red]\n{error}")
        raise typer.Exit(2) from error


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` in red and return the Exit to raise (1 failure, 2 usage error).

    The message is text, never markup: an SQL error quoting `[/x]` prints as it is; its lines
    are not wrapped (a terminal wraps them, a log keeps them whole)."""
    console.print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    return typer.Exit(code)


def github_enabled() -> bool:
    """Whether GITHUB_TOKEN is set, i.e. the GitHub source can run; without it, says so in
    one line. Only whether it is set is looked at here: the tasks read the token themselves."""
    from tasks import progress
    from tasks.github.http import token_from_env

    if token_from_env() is not None:
        return True
    progress.console.print("GitHub skipped: GITHUB_TOKEN is not set")  # stderr, like progress
    return False
