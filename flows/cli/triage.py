"""`globallm triage`: category, complexity, scope, risk and solvability of every open issue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import duckdb
import typer
from rich.markup import escape

from flows.cli.budget import budget_limits
from flows.cli.common import RANKED, build_failures_as_messages, fail, scoring_of, settings_for
from flows.cli.output import console
from warehouse.io import store
from warehouse.readers import queries

if TYPE_CHECKING:
    from flows.triage import TriageSummary

NO_ISSUES = "no GitHub issues in {db}: `globallm issues --repo OWNER/NAME` or `globallm discover`"


def triage(
    ctx: typer.Context,
    repo: Annotated[str | None, typer.Option("--repo", help="Only OWNER/NAME's issues")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Triage at most N issues")] = None,
    method: Annotated[
        str,
        typer.Option(
            help="auto: the configured LLM (llm.base_url or an API key), else the classifier "
            "trained on the warehouse's labelled issues when there are enough, else the "
            "heuristic; llm: fail without an LLM; classifier: fail without enough labels "
            "(issues the LLM answers badly are triaged offline)",
            case_sensitive=False,
        ),
    ] = "auto",
    rank: Annotated[
        bool, typer.Option(help="Then rebuild and score the marts (--no-rank: only land)")
    ] = True,
    embeddings: Annotated[
        str | None,
        typer.Option(
            help="The classifier's MiniLM sentence embeddings (cached per issue version): "
            "auto: when the `embeddings` extra is installed; minilm: fail without it; off: "
            "TF-IDF only [default: the setting triage.embeddings, auto]",
            case_sensitive=False,
        ),
    ] = None,
) -> None:
    """Triage the open issues not yet triaged as they are now, then rank them."""
    from flows.triage import NO_LLM, NoLlmConfigured, TriageMethod, TriageOptions, triage_flow
    from scoring.issue_classifier import NotEnoughLabels
    from tasks.llm.client import llm_configured
    from tasks.local.embeddings import ModelNotInstalled

    try:
        chosen = TriageMethod(method.lower())
    except ValueError:
        choices = ", ".join(m.value for m in TriageMethod)
        raise fail(f"--method must be one of {choices}", 2) from None
    if embeddings is not None and embeddings.lower() not in ("auto", "minilm", "off"):
        raise fail("--embeddings must be one of auto, minilm, off", 2)
    settings = settings_for(ctx)
    llm = settings.llm.endpoint()
    if chosen == TriageMethod.llm and not llm_configured(llm):
        raise fail(NO_LLM)  # said before a flow run starts
    if not _has_issues(settings.db):
        raise fail(NO_ISSUES.format(db=settings.db))
    try:
        with build_failures_as_messages():
            summary = triage_flow(
                db_path=settings.db,
                repo=repo,
                limit=limit,
                method=chosen,
                rank=rank,
                scoring=scoring_of(settings),
                options=TriageOptions(
                    llm=llm,
                    llm_policy=settings.llm.policy(),
                    budgets=budget_limits(settings),
                    embeddings=(embeddings or settings.triage.embeddings).lower(),
                ),
            )
    except NotEnoughLabels as error:
        raise fail(f"no classifier: {error}") from None
    except ModelNotInstalled as error:
        raise fail(str(error)) from None
    except NoLlmConfigured as error:
        raise fail(str(error)) from None
    console.print(escape(summary.notice), soft_wrap=True)
    print_llm_usage(summary)
    console.print(
        f"triaged {summary.triaged} of {summary.open_issues} open issues ({summary.method}; "
        f"the others are triaged as they are)"
    )
    if rank:
        console.print(RANKED)


def print_llm_usage(summary: TriageSummary) -> None:
    """The LLM's requests, cache hits, tokens and cost (the notice says what fell back)."""
    if summary.llm_calls:
        cached = f" ({summary.cache_hits} answered from the cache)" if summary.cache_hits else ""
        console.print(
            f"LLM: {summary.llm_calls} request(s){cached}, {summary.tokens:,} tokens, "
            f"cost {summary.cost:.4f}"
        )


def _has_issues(db) -> bool:
    try:
        with store.connect(db, read_only=True) as con:
            if "raw_github_issues" not in queries.existing_tables(con):
                return False
            return con.execute("SELECT count(*) FROM raw_github_issues").fetchone()[0] > 0
    except (FileNotFoundError, duckdb.Error):
        return False
