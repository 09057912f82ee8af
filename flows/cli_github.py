"""`globallm discover` and `globallm issues`: the GitHub source from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli_common import fail, settings_for
from flows.output import console
from tasks.github_discovery import LANGUAGES
from tasks.github_http import GitHubConfig

NO_TOKEN = "GitHub needs GITHUB_TOKEN (GITHUB_API_URL / GITHUB_GRAPHQL_URL for Enterprise)"


def _usage(summary) -> str:
    usage = summary.usage
    left = f" · {usage.remaining} points left" if usage.remaining is not None else ""
    return f"{usage.requests} requests · {usage.points} rate-limit points{left}"


def discover(
    ctx: typer.Context,
    language: Annotated[
        list[str], typer.Option("--language", "-l", help=f"One of {', '.join(LANGUAGES)}")
    ],
    min_stars: Annotated[
        int | None, typer.Option(help="Stars above this [default filter.min_stars]")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Stop after N repositories")] = None,
) -> None:
    """Find GitHub repositories by language and stars, with their health signals."""
    from flows.github_crawl import github_crawl_flow

    unknown = [lang for lang in language if lang.lower() not in LANGUAGES]
    if unknown:
        raise fail(f"unknown language {', '.join(unknown)}: one of {', '.join(LANGUAGES)}", 2)
    if GitHubConfig.from_env() is None:
        raise fail(NO_TOKEN)
    settings = settings_for(ctx)
    stars = settings.filter.min_stars if min_stars is None else min_stars
    summary = github_crawl_flow(
        db_path=settings.db,
        languages=[lang.lower() for lang in language],
        min_stars=stars,
        min_dependents=settings.filter.min_dependents,
        health=False,
        issues=False,
        limit=limit,
        requests_per_second=settings.github.requests_per_second,
    )
    found = summary.discovery
    console.print(
        f"repositories {found.repositories} · failed {found.failed} · {_usage(found)}"
        f" · warehouse [bold]{settings.db.resolve()}[/bold]"
    )
    if found.failed:
        raise typer.Exit(1)


def issues(
    ctx: typer.Context,
    repo: Annotated[str, typer.Option("--repo", help="OWNER/NAME")],
    max_issues: Annotated[int, typer.Option(help="Open issues to read at most")] = 50,
) -> None:
    """Read a GitHub repository's open issues (later: only what changed)."""
    from flows.github_crawl import github_issues_flow

    if repo.count("/") != 1 or not all(repo.split("/")):
        raise fail(f"--repo must be OWNER/NAME, not {repo!r}", 2)
    if GitHubConfig.from_env() is None:
        raise fail(NO_TOKEN)
    settings = settings_for(ctx)
    summary = github_issues_flow(
        db_path=settings.db,
        repository=repo,
        max_issues=max_issues,
        requests_per_second=settings.github.requests_per_second,
    )
    console.print(f"issues {summary.issues} · failed {summary.failed} · {_usage(summary)}")
    if summary.failed:
        raise typer.Exit(1)
