"""What every CLI command shares: the settings with the global --db, and failing cleanly."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

import settings as config
from flows.cli.output import OutputFormat, console
from flows.score import Scoring
from scoring.risk import RiskConfig
from scoring.urgency import UrgencyConfig
from tasks.dbt.build import DbtBuildError

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
# What fills an empty warehouse, for every command that finds no warehouse or no marts yet.
FILL_HINT = "run `globallm run` first (local sources) or `globallm discover` (GitHub, registries)"
RANKED = "built and scored: `globallm prioritize` shows the ranking, `globallm app` the dashboard"


def scoring_of(settings: config.Settings) -> Scoring:
    """The score flow's parameters from the settings (as `globallm run` passes them)."""
    urgency = settings.urgency
    return Scoring(
        health=settings.health,
        impact=settings.impact,
        priority=settings.priority,
        urgency=UrgencyConfig(
            multiplier_security=urgency.security,
            multiplier_bug=urgency.bug,
            multiplier_feature=urgency.feature,
        ),
        risk=RiskConfig.model_validate(settings.risk.model_dump()),
        issues_per_repo=settings.budgets.issues_per_repo,
    )


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


def _is_build_failure(record: logging.LogRecord) -> bool:
    """Whether a log record reports a failed dbt build (its exception, or a state naming it)."""
    error = record.exc_info[1] if record.exc_info else None
    return isinstance(error, DbtBuildError) or DbtBuildError.__name__ in record.getMessage()


class _BuildFailureFilter(logging.Filter):
    """Keeps Prefect's records of a failed dbt build (tracebacks included) off the terminal; the
    command says what failed itself, and Prefect's API log still gets every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _is_build_failure(record)


@contextmanager
def build_failures_as_messages() -> Iterator[None]:
    """A dbt build that fails inside the flows a command runs prints one message naming each
    failing model or test and exits 1, never a traceback. The flows still fail, so the ledger
    records the run (and its subflows) FAILED."""
    from prefect.logging.handlers import PrefectConsoleHandler

    quiet = _BuildFailureFilter()
    consoles = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    for handler in consoles:
        handler.addFilter(quiet)
    try:
        yield
    except DbtBuildError as error:
        raise fail(f"{error}\n(the run is recorded FAILED in ledger_runs)") from None
    finally:
        for handler in consoles:
            handler.removeFilter(quiet)
