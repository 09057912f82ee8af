"""`globallm solve`: the top open issues of the work queue through LLM patch -> verify -> gate
-> propose, within the budgets, each decision as the issue's risk level allows."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli.common import fail, settings_for
from flows.cli.output import console

NO_QUEUE = "no work queue in {db}: `globallm issues --repo OWNER/NAME` or `globallm discover` first"


def solve(
    ctx: typer.Context,
    top: Annotated[
        int | None, typer.Option(min=1, help="How many issues to try [default: solve.top]")
    ] = None,
    language: Annotated[str | None, typer.Option(help="Only repositories in language L")] = None,
    repo: Annotated[str | None, typer.Option(help="Only OWNER/NAME's issues")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Verify, publish nothing")] = False,
    provider: Annotated[str, typer.Option(help="local (push to origin) or github")] = "local",
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Repositories at once [default: solve.concurrency]")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds a test suite may run")] = 600.0,
) -> None:
    """Fix the top open issues of `prioritize --issues` that automation may touch."""
    settings = settings_for(ctx)
    if provider not in {"local", "github"}:
        raise fail("--provider takes local or github", 2)
    params = solve_params_of(
        settings, top=top, language=language, repo=repo, concurrency=concurrency
    )
    summary = run_solve(settings, params, dry_run=dry_run, provider=provider, timeout=timeout)
    print_summary(summary)


def solve_params_of(
    settings,
    top: int | None = None,
    language: str | None = None,
    repo: str | None = None,
    concurrency: int | None = None,
):
    """The solve flow's parameters: the options given, else the settings (`solve.*`)."""
    from flows.solve import SolveParams

    return SolveParams(
        top=top or settings.solve.top,
        language=language,
        repo=repo,
        concurrency=concurrency or settings.solve.concurrency,
        clone_url_template=settings.solve.clone_url_template,
        checkouts_dir=settings.db.parent / "checkouts",
        runs_dir=settings.db.parent / "runs",
    )


def run_solve(settings, params, *, dry_run: bool = False, provider: str = "local", timeout=600.0):
    """The solve flow on the settings' warehouse (also `run --solve N`'s last step)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.campaign_repository import CampaignPolicy
    from flows.cli.budget import budget_limits
    from flows.solve import solve_flow
    from tasks.campaign.sandbox import Limits
    from warehouse.io import store
    from warehouse.readers import queries

    try:
        with store.connect(settings.db, read_only=True) as con:
            ready = "fct_issue_priority" in queries.existing_tables(con)
    except FileNotFoundError:
        ready = False
    if not ready:
        raise fail(NO_QUEUE.format(db=settings.db))
    policy = CampaignPolicy(
        merge=settings.merge,
        limits=Limits(wall_seconds=timeout),
        dry_run=dry_run,
        provider=provider,
        github=settings.github.endpoint(),
    )
    flow = solve_flow.with_options(task_runner=ThreadPoolTaskRunner(params.concurrency))
    return flow(
        db_path=settings.db,
        params=params,
        policy=policy,
        llm=settings.llm.endpoint(),
        llm_policy=settings.llm.policy(),
        budgets=budget_limits(settings),
    )


def print_summary(summary) -> None:
    """One line per issue, then the totals and where the details are."""
    if summary.notice:
        console.print(summary.notice)
    for outcome in summary.outcomes:
        states = ", ".join(f"{k} {v}" for k, v in sorted(outcome.states.items()))
        why = outcome.reason if outcome.reason != summary.notice else None  # said once above
        what = " · ".join(part for part in (outcome.status.lower(), states or why) if part)
        console.print(f"#{outcome.rank} {outcome.url} [{outcome.decision}]: {what}")
    if summary.never:
        console.print(
            f"{len(summary.never)} issue(s) in range are never automated (security, breaking)"
        )
    states = ", ".join(f"{k} {v}" for k, v in sorted(summary.states.items())) or "no change"
    console.print(
        f"run {summary.run_id}: {summary.candidates} issues · {summary.attempted} attempted, "
        f"{summary.skipped} skipped, {summary.failed} failed · {states} · "
        f"{summary.tokens:,} tokens"
    )
    if summary.attempted:
        console.print(f"details: globallm runs show {summary.run_id[:8]}")
