"""`globallm discover` and `globallm issues`: the GitHub source and the package registries
from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli.budget import budget_limits
from flows.cli.common import RANKED, build_failures_as_messages, fail, scoring_of, settings_for
from flows.cli.output import console
from tasks.github.discovery import LANGUAGES
from tasks.github.http import token_from_env

UNRANKED = (
    "not built or scored (--no-rank): a `globallm discover` without it, or `globallm run`, ranks it"
)
NO_TOKEN = "GitHub needs GITHUB_TOKEN (github.api_url / github.graphql_url for Enterprise)"


def _usage(summary) -> str:
    usage = summary.usage
    left = f" · {usage.remaining} points left" if usage.remaining is not None else ""
    return f"{usage.requests} requests · {usage.points} rate-limit points{left}"


class Source(StrEnum):
    github = "github"
    registries = "registries"


class Ecosystem(StrEnum):
    pypi = "pypi"
    npm = "npm"
    crates = "crates"
    go = "go"


def discover(
    ctx: typer.Context,
    language: Annotated[
        list[str] | None,
        typer.Option("--language", "-l", help=f"One of {', '.join(LANGUAGES)} (github)"),
    ] = None,
    min_stars: Annotated[
        int | None,
        typer.Option(min=0, help="Stars above this [default filter.min_stars] (github)"),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Stop after N repositories (github)")] = None,
    source: Annotated[Source, typer.Option(help="Where to discover")] = Source.github,
    ecosystem: Annotated[Ecosystem | None, typer.Option(help="Registry (registries)")] = None,
    packages: Annotated[
        list[str] | None, typer.Option("--packages", help="Seed package (repeatable)")
    ] = None,
    from_lockfile: Annotated[
        Path | None,
        typer.Option(help="Seeds from requirements*.txt, poetry.lock, uv.lock, package-lock.json"),
    ] = None,
    depth: Annotated[
        int | None, typer.Option(help="Dependency hops to follow from the seeds [default 1]")
    ] = None,
    rank: Annotated[
        bool,
        typer.Option(
            help="Then build and score the marts, so `prioritize` ranks what was found "
            "(--no-rank: several discoveries in a row, the last one ranks)"
        ),
    ] = True,
) -> None:
    """Find GitHub repositories by language and stars, or crawl a package registry's
    dependency graph from seed packages (--source registries)."""
    from flows.github_crawl import GitHubCrawlParams, github_crawl_flow

    if source is Source.registries:
        if language or min_stars is not None or limit is not None:
            raise fail("--language, --min-stars and --limit are for --source github", 2)
        _discover_registries(ctx, ecosystem, packages or [], from_lockfile, depth, rank)
        return
    if ecosystem or packages or from_lockfile or depth is not None:
        raise fail(
            "--ecosystem, --packages, --from-lockfile and --depth need --source registries", 2
        )
    if not language:
        raise fail("--language is required for --source github", 2)
    unknown = [lang for lang in language if lang.lower() not in LANGUAGES]
    if unknown:
        raise fail(f"unknown language {', '.join(unknown)}: one of {', '.join(LANGUAGES)}", 2)
    if token_from_env() is None:
        raise fail(NO_TOKEN)
    settings = settings_for(ctx)
    stars = settings.filter.min_stars if min_stars is None else min_stars
    params = GitHubCrawlParams(
        endpoint=settings.github.endpoint(),
        languages=[lang.lower() for lang in language],
        min_stars=stars,
        min_dependents=settings.filter.min_dependents,
        health=False,
        issues=False,
        limit=limit,
        requests_per_second=settings.github.requests_per_second,
        rank=rank,  # what was discovered shows in dim_repos and the ranking at once
        scoring=scoring_of(settings),
    )
    with build_failures_as_messages():  # with rank: a failed model or test, one message
        summary = github_crawl_flow(db_path=settings.db, params=params)
    found = summary.discovery
    console.print(
        f"repositories {found.repositories} · failed {found.failed} · {_usage(found)}"
        f" · warehouse [bold]{settings.db.resolve()}[/bold]"
    )
    console.print(RANKED if rank else UNRANKED)
    if found.failed:
        raise typer.Exit(1)


def _discover_registries(
    ctx: typer.Context,
    ecosystem: Ecosystem | None,
    packages: list[str],
    lockfile: Path | None,
    depth: int | None,
    rank: bool,
) -> None:
    """`discover --source registries`: check the flags, find the registry the user's own
    tools are configured with, crawl, and print one summary line."""
    from flows.registry_crawl import RegistryCrawlParams, registry_crawl_flow
    from tasks.local.lockfiles import LockfileError, parse_lockfile
    from tasks.registries.endpoints import public_url, registry_url
    from tasks.registries.models import ECOSYSTEMS, RegistryNotConfigured

    if ecosystem is None:
        raise fail("--source registries needs --ecosystem pypi|npm|crates|go", 2)
    if not packages and lockfile is None:
        raise fail("--source registries needs --packages NAME or --from-lockfile PATH", 2)
    depth = 1 if depth is None else depth
    if depth < 0:
        raise fail("--depth must be 0 or more", 2)
    purl_type = ECOSYSTEMS[ecosystem.value]
    if lockfile is not None:
        try:
            locked = parse_lockfile(lockfile)
        except LockfileError as error:
            raise fail(f"--from-lockfile: {error}", 2) from error
        if not packages and not any(p.ecosystem == purl_type for p in locked.packages):
            raise fail(f"{lockfile} holds no {ecosystem.value} packages", 2)
    settings = settings_for(ctx)
    conf = settings.registries
    try:  # said here, before a flow run starts; the flow finds the registry again itself
        registry_url(purl_type, conf.crates_url, conf.go_proxy_url)
    except RegistryNotConfigured as error:
        raise fail(str(error), 2) from error
    params = RegistryCrawlParams(  # no URL with credentials becomes a flow parameter
        crates_url=public_url(conf.crates_url) if conf.crates_url else None,
        go_proxy_url=public_url(conf.go_proxy_url) if conf.go_proxy_url else None,
        packages=packages,
        lockfile=lockfile,
        depth=depth,
        dependents_url=conf.dependents_url,
        requests_per_second=conf.requests_per_second,
        rank=rank,  # what was crawled shows in dim_packages and the ranking at once
        scoring=scoring_of(settings),
    )
    with build_failures_as_messages():  # with rank: a failed model or test, one message
        summary = registry_crawl_flow(db_path=settings.db, ecosystem=purl_type, params=params)
    failed = summary.failed + summary.unknown
    console.print(
        f"packages {summary.packages} · edges {summary.edges} · failed {len(failed)}"
        f" · {summary.usage.requests} requests · {summary.usage.not_modified} cache hits"
        f" · dependents {summary.dependents_source}"
        f" · warehouse [bold]{settings.db.resolve()}[/bold]"
    )
    console.print(RANKED if rank else UNRANKED)
    if summary.unknown:
        console.print(f"[red]unknown packages: {', '.join(summary.unknown)}[/red]")
    if summary.failed:
        console.print(
            f"[red]failed: {', '.join(summary.failed)} (see raw_registry_fetch_failures)[/red]"
        )
    if failed:
        raise typer.Exit(1)


ISSUES_RANKED = "triaged and ranked: `globallm prioritize --issues` shows the work queue"


def issues(
    ctx: typer.Context,
    repo: Annotated[str, typer.Option("--repo", help="OWNER/NAME")],
    max_issues: Annotated[int, typer.Option(help="Open issues to read at most")] = 50,
) -> None:
    """Read a GitHub repository's open issues, triage them, and rebuild the work queue."""
    from flows.cli.triage import print_llm_usage
    from flows.github_crawl import github_issues_flow
    from flows.triage import TriageOptions, triage_flow

    if repo.count("/") != 1 or not all(repo.split("/")):
        raise fail(f"--repo must be OWNER/NAME, not {repo!r}", 2)
    if token_from_env() is None:
        raise fail(NO_TOKEN)
    settings = settings_for(ctx)
    summary = github_issues_flow(
        db_path=settings.db,
        repository=repo,
        max_issues=max_issues,
        requests_per_second=settings.github.requests_per_second,
        endpoint=settings.github.endpoint(),
    )
    console.print(f"issues {summary.issues} · failed {summary.failed} · {_usage(summary)}")
    if summary.failed:
        raise typer.Exit(1)
    with build_failures_as_messages():  # the marts rebuilt, so `prioritize --issues` shows them
        triaged = triage_flow(
            db_path=settings.db,
            repo=repo,
            scoring=scoring_of(settings),
            # auto: the LLM when one is configured, else offline
            options=TriageOptions(
                llm=settings.llm.endpoint(),
                llm_policy=settings.llm.policy(),
                budgets=budget_limits(settings),
                embeddings=settings.triage.embeddings,
            ),
        )
    console.print(
        f"{escape(triaged.notice)} · triaged {triaged.triaged} of {triaged.open_issues} open",
        soft_wrap=True,
    )
    print_llm_usage(triaged)
    console.print(ISSUES_RANKED)
