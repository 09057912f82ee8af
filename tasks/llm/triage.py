"""Ask the configured LLM to triage open issues: one gated prompt (prompts/issue_triage.j2) and
one JSON answer per issue.

Each prompt carries the issue's repository, title, labels and body (the privacy gate redacts
secrets and shortens what is too long) and, when the warehouse knows a checkout of the
repository, some of its file paths (those its owners opted out of LLM requests are left out;
no file content is read). An issue whose request failed or whose answer is malformed is
reported with the reason, and the others go on: the flow triages it offline instead. Answers
come from the warehouse cache when the same prompt was asked before.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from prompts import registered
from scoring.budget import BudgetLimits, Spend, estimate_tokens, refusal
from scoring.triage_answer import MalformedTriage, TriageAnswer, parse_triage
from tasks.llm.client import LlmCall, LlmConfig, LlmEndpoint, LlmError, complete
from tasks.llm.endpoint import LlmPolicy
from tasks.llm.gate import PromptTooLarge, admit_paths, prepare, shorten_text
from tasks.llm.pacing import LlmLimits, LlmPacer
from tasks.local import git
from warehouse.io.llm_cache import LlmCache

PROMPT = "issue_triage"
SYSTEM_MESSAGE = (
    "You triage the open issues of software repositories for their maintainers. Answer with "
    "exactly one JSON object in the format the user asks for, and nothing else."
)
MAX_BODY_CHARS = 8_000  # an issue's text beyond this says little more about its triage
MAX_FILE_PATHS = 100  # of a checkout's files, named in the prompt


class IssueForTriage(BaseModel):
    """What the triage prompt shows of one issue."""

    issue_id: str
    repo: str  # OWNER/NAME
    number: int | None = None
    title: str
    body: str = ""
    labels: list[str] = []


class LlmTriage(BaseModel):
    """The model's triage of each issue it answered well, and why the others got none."""

    model: str | None
    version: str | None
    answers: dict[str, TriageAnswer]  # issue_id -> the answer
    calls: list[LlmCall]  # one per request asked (cache hits included), for the ledger
    problems: dict[str, str]  # issue_id -> why no usable answer came (it falls back)
    spend: Spend | None = None  # the week's spend after these calls, when budgets were given


def llm_version(endpoint: LlmEndpoint | None) -> str:
    """The triage version of the endpoint's model and the prompt's registered sha: an issue
    unchanged since it was triaged by this version is not asked again."""
    model = (endpoint or LlmEndpoint()).model
    return f"llm-{model}-{registered(PROMPT).sha256[:12]}"


def issues_for_triage(frame: pl.DataFrame) -> list[IssueForTriage]:
    """The issues of a frame with issue_id, repo_full_name, number, title, body and labels."""
    columns = ["issue_id", "repo_full_name", "number", "title", "body", "labels"]
    return [
        IssueForTriage(
            issue_id=row["issue_id"],
            repo=row["repo_full_name"],
            number=row["number"],
            title=row["title"] or "",
            body=row["body"] or "",
            labels=list(row["labels"] or []),
        )
        for row in frame.select(columns).iter_rows(named=True)
    ]


def _file_paths(checkout: Path | None, policy: LlmPolicy) -> list[str]:
    if checkout is None:
        return []
    try:
        listed = git.listed_files(checkout)
    except (git.GitError, OSError):
        return []  # a checkout moved or no longer a repository: the prompt names no file
    return admit_paths(checkout, listed, policy, MAX_FILE_PATHS)


# Never persisted or cached by Prefect: the calls hold the prompts as they were sent.
@task(name="triage-with-llm", tags=["llm"], cache_policy=NO_CACHE, persist_result=False)
def triage_with_llm(
    issues: list[IssueForTriage],
    run_id: str,
    endpoint: LlmEndpoint | None = None,
    policy: LlmPolicy | None = None,
    db_path: Path | None = None,
    limits: LlmLimits | None = None,
    checkouts: dict[str, Path] | None = None,
    budgets: BudgetLimits | None = None,
    spend: Spend | None = None,
) -> LlmTriage:
    """One gated prompt per issue, answered from the warehouse cache (`db_path`) when it can
    be. `checkouts` maps a repository (OWNER/NAME, any case) to a local checkout whose file
    paths the prompt may name. With `budgets` and this week's `spend`, a request whose estimate
    would go past the week's or its repository's tokens is not sent (that issue falls back,
    with the budget's reason). The API key comes from the environment here, never as a
    parameter; with no LLM configured nothing is asked and every issue is a problem."""
    config = LlmConfig.for_endpoint(endpoint)
    if config is None:
        problems = {issue.issue_id: "no LLM configured" for issue in issues}
        return LlmTriage(model=None, version=None, answers={}, calls=[], problems=problems)
    policy = policy or LlmPolicy()
    cache = LlmCache(db_path, policy.cache_days) if db_path is not None else None
    pacer = LlmPacer(config, limits)
    located = {repo.lower(): path for repo, path in (checkouts or {}).items()}
    listings: dict[str, list[str]] = {}
    answers: dict[str, TriageAnswer] = {}
    calls: list[LlmCall] = []
    problems: dict[str, str] = {}
    for issue in issues:
        repo = issue.repo.lower()
        if repo not in listings:
            listings[repo] = _file_paths(located.get(repo), policy)
        try:
            prompt = prepare(
                PROMPT,
                policy,
                repo=issue.repo,  # the ledger's
                repository=issue.repo,  # the prompt's
                issue_title=issue.title,
                issue_labels=issue.labels,
                issue_body=shorten_text(issue.body, MAX_BODY_CHARS),
                file_paths=listings[repo],
            )
            if budgets is not None and spend is not None:
                need = estimate_tokens(len(prompt.text), config.max_answer_tokens)
                over = refusal(budgets, spend, issue.repo, None, estimate_tokens=need)
                if over:
                    problems[issue.issue_id] = over
                    continue
            answer = complete(
                config, prompt, run_id, cache=cache, pacer=pacer, system=SYSTEM_MESSAGE
            )
        except PromptTooLarge as error:
            problems[issue.issue_id] = str(error)
            continue
        except LlmError as error:
            problems[issue.issue_id] = f"LLM request failed: {error}"
            continue
        calls.append(answer.call)
        if spend is not None:
            used = (answer.call.tokens_in or 0) + (answer.call.tokens_out or 0)
            spend = spend.add(issue.repo, None, tokens=used)
        try:
            answers[issue.issue_id] = parse_triage(answer.text)
        except MalformedTriage as error:
            problems[issue.issue_id] = f"malformed LLM answer: {error}"
    return LlmTriage(
        model=config.model,
        version=llm_version(endpoint),
        answers=answers,
        calls=calls,
        problems=problems,
        spend=spend,
    )
