"""`globallm campaign ...`, `globallm runs ...` and `globallm revert`: the fix engine's CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from fixers.llm_patch import mentioned_files
from fixers.recipe import UnknownRecipe, available_recipes, load_recipe
from flows.cli.common import fail, settings_for
from flows.cli.output import console
from settings import Settings
from tasks.local import git
from warehouse.readers import run_queries

campaign_app = typer.Typer(
    help="Plan and run changes across many repositories.", no_args_is_help=True
)

EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}
PathsOption = Annotated[
    list[Path] | None,
    typer.Option("--path", "-p", help="Folder to search for git repositories (repeatable)."),
]


def recipe_options(args: list[str]) -> dict[str, object]:
    """`--target-version 3.12 --old a.b` -> {"target_version": "3.12", "old": "a.b"}."""
    options: dict[str, object] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("--"):
            raise fail(f"unexpected argument {arg!r}: recipe options look like --name value", 2)
        key, _, value = arg[2:].partition("=")
        if not value:
            nxt = args[index + 1] if index + 1 < len(args) else None
            if nxt is not None and not nxt.startswith("--"):
                value, index = nxt, index + 1
        options[key.replace("-", "_")] = value if value else True
        index += 1
    return options


def _checked_recipe(name: str, args: list[str]) -> dict[str, object]:
    options = recipe_options(args)
    try:
        load_recipe(name, options)
    except UnknownRecipe as error:
        raise fail(str(error), 2) from error
    except ValidationError as error:
        raise fail(f"invalid options for recipe {name!r}:\n{error}", 2) from error
    return options


def _spec(settings: Settings, recipe: str, ctx: typer.Context, paths: list[Path] | None):
    from flows.campaign import CampaignSpec

    return CampaignSpec(
        recipe=recipe,
        options=_checked_recipe(recipe, ctx.args),
        paths=paths or [Path(".")],
        skip_dirs=settings.crawl.skip_dirs,
        runs_dir=settings.db.parent / "runs",
    )


@campaign_app.command("recipes")
def list_recipes() -> None:
    """List installed recipes (entry-point group `globallm.recipes`)."""
    for name, recipe in available_recipes().items():
        fields = ", ".join(f"--{f.replace('_', '-')}" for f in recipe.options_model.model_fields)
        console.print(
            f"[bold]{name}[/bold] ({recipe.language}) {recipe.description}"
            + (f"  options: {fields}" if fields else "")
        )


@campaign_app.command("plan", context_settings=EXTRA_ARGS)
def plan(
    ctx: typer.Context,
    recipe: Annotated[str, typer.Option(help="Recipe name (see `campaign recipes`)")],
    path: PathsOption = None,
) -> None:
    """Write a plan (ledger and runs/<run_id>/plan.json) for a recipe; change no file."""
    from flows.campaign import campaign_plan_flow

    settings = settings_for(ctx)
    summary = campaign_plan_flow(db_path=settings.db, spec=_spec(settings, recipe, ctx, path))
    console.print(
        f"run {summary.run_id}: {summary.planned} files to change in {summary.repositories} "
        f"repositories, {summary.failed} failed to plan · {summary.plan_path}"
    )


@campaign_app.command("run", context_settings=EXTRA_ARGS)
def run(
    ctx: typer.Context,
    recipe: Annotated[str, typer.Option(help="Recipe name (see `campaign recipes`)")],
    path: PathsOption = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Files per change (1 = one PR each)")] = 10,
    group_by: Annotated[str, typer.Option(help="directory or owner (CODEOWNERS)")] = "directory",
    max_lines: Annotated[int, typer.Option(min=1, help="Changed lines per PR at most")] = 300,
    max_open_prs: Annotated[int, typer.Option(min=0)] = 10,
    prs_per_hour: Annotated[int, typer.Option(min=0)] = 20,
    concurrency: Annotated[int, typer.Option(min=1, help="Repositories at once")] = 2,
    timeout: Annotated[float, typer.Option(help="Seconds a test suite may run")] = 600.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Verify, publish nothing")] = False,
    provider: Annotated[str, typer.Option(help="local (push to origin) or github")] = "local",
    python: Annotated[
        str | None,
        typer.Option(
            help="Interpreter for the targets' test suites (with pytest-cov installed); "
            "no environment is built"
        ),
    ] = None,
    environments: Annotated[
        bool,
        typer.Option(help="Run each target's suite in an environment of its declared deps"),
    ] = True,
    test_python: Annotated[
        list[str] | None,
        typer.Option(
            "--test-python",
            metavar="VERSION",
            help="Run each target's suite under this Python version (repeatable: "
            "--test-python 3.11 --test-python 3.12), each with its own environment and "
            "baseline; a change merges only if it passes under every one",
        ),
    ] = None,
    resume: Annotated[str | None, typer.Option(help="Finish an interrupted run (its id)")] = None,
) -> None:
    """Plan, apply, verify, gate and propose a recipe's changes, one subflow per repository."""
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.campaign import campaign_run_flow
    from flows.campaign_repository import CampaignPolicy
    from tasks.campaign.sandbox import Limits

    settings = settings_for(ctx)
    spec = _spec(settings, recipe, ctx, path)
    if group_by not in {"directory", "owner"}:
        raise fail("--group-by takes directory or owner", 2)
    if provider not in {"local", "github"}:
        raise fail("--provider takes local or github", 2)
    if python is not None and test_python:
        raise fail("--python names the one interpreter: give it or --test-python, not both", 2)
    if any(not re.fullmatch(r"\d+\.\d+", version) for version in test_python or []):
        raise fail("--test-python takes a version such as 3.12", 2)
    policy = CampaignPolicy(
        batch_size=batch_size,
        max_lines=max_lines,
        group_by=group_by,
        merge=settings.merge,
        rollout={"max_open_prs": max_open_prs, "prs_per_hour": prs_per_hour},
        limits=Limits(wall_seconds=timeout),
        dry_run=dry_run,
        provider=provider,
        github=settings.github.endpoint(),
        python=python,
        environments=environments,
        test_pythons=test_python or [],
    )
    resume_id = run_queries.resolve_run_id(settings.db, resume) if resume else None
    flow = campaign_run_flow.with_options(task_runner=ThreadPoolTaskRunner(concurrency))
    summary = flow(db_path=settings.db, spec=spec, policy=policy, resume_run_id=resume_id)
    states = ", ".join(f"{k} {v}" for k, v in sorted(summary.states.items())) or "no change"
    console.print(f"run {summary.run_id}: {states} · {summary.skipped_done} items already done")
    console.print(f"details: globallm runs show {summary.run_id[:8]}")


def _issue(url: str, title: str | None, body: str, db: Path, github):
    """The issue as given, or read from GitHub when no title is given (conditionally: an
    unchanged issue is a 304 answered from the warehouse's cache)."""
    from tasks.github.crawl import fetch_issue, parse_issue_url
    from tasks.github.http import GitHubError
    from tasks.llm.fix import IssueSpec

    if title:
        return IssueSpec(url=url, title=title, body=body)
    try:
        parse_issue_url(url)
        return fetch_issue.fn(url, db, github)  # before any flow: a missing token fails fast
    except (ValueError, GitHubError) as error:
        raise fail(f"{error}; or give the issue with --title (and --body)", 2) from error


def fix(
    ctx: typer.Context,
    issue_url: Annotated[str, typer.Option(help="The issue to resolve (recorded as the source)")],
    file: Annotated[
        list[str] | None,
        typer.Option("--file", "-f", help="File the fix may edit [default: files the issue names]"),
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="The issue's title [default: read from GitHub]")
    ] = None,
    body: Annotated[str, typer.Option(help="The issue's text")] = "",
    path: Annotated[Path, typer.Option("--path", "-p", help="The repository")] = Path("."),
    timeout: Annotated[float, typer.Option(help="Seconds a test suite may run")] = 600.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Verify, publish nothing")] = False,
) -> None:
    """Ask the configured LLM (GLOBALLM_LLM_BASE_URL / OPENAI_API_KEY) for edits resolving an
    issue, then apply, verify, gate and propose them like a campaign."""
    from flows.campaign_repository import CampaignPolicy
    from flows.fix import fix_flow
    from tasks.campaign.sandbox import Limits

    settings = settings_for(ctx)
    if not (path / ".git").exists():
        raise fail(f"{path} is not a git repository", 2)
    issue = _issue(issue_url, title, body, settings.db, settings.github.endpoint())
    files = file or mentioned_files(f"{issue.title}\n{issue.body}", git.listed_files(path))
    if not files:
        raise fail("the issue names no file of the repository: name them with --file", 2)
    summary = fix_flow(
        db_path=settings.db,
        issue=issue,
        repo_path=path,
        files=files,
        runs_dir=settings.db.parent / "runs",
        policy=CampaignPolicy(
            merge=settings.merge,
            limits=Limits(wall_seconds=timeout),
            dry_run=dry_run,
            github=settings.github.endpoint(),
        ),
        llm=settings.llm.endpoint(),
        llm_policy=settings.llm.policy(),
    )
    if summary.model is None:
        console.print(
            "no LLM configured: the llm-patch step was skipped (set llm.base_url, e.g. "
            "GLOBALLM_LLM_BASE_URL, or OPENAI_API_KEY)"
        )
    for rel, problem in summary.problems.items():
        console.print(f"[yellow]{rel}[/yellow]: {problem}")
    if summary.llm_calls:
        cached = f" ({summary.cache_hits} answered from the cache)" if summary.cache_hits else ""
        console.print(
            f"LLM: {summary.llm_calls} request(s){cached}, {summary.tokens:,} tokens, "
            f"cost {summary.cost:.4f}, {summary.secrets_redacted} secret(s) redacted"
        )
    states = ", ".join(f"{k} {v}" for k, v in sorted(summary.states.items())) or "no change"
    console.print(
        f"run {summary.run_id}: {summary.planned} planned, {summary.skipped} skipped, "
        f"{summary.failed} failed · {states}"
    )
