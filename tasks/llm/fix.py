"""Ask the configured LLM for search/replace edits that resolve an issue in named files.

Each file gets its own prompt and answer, through the privacy gate: a file its owners opted
out is never read into a prompt (reported as skipped, with the rule), a large one is sent as
the regions the issue names, and every secret goes out as a placeholder. The edits are merged
into one answer for the llm-patch recipe, which restores placeholders exactly or fails the
file. A file whose answer is malformed or whose request failed is reported with the reason,
and the others go on. With no LLM configured nothing is asked.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, SecretStr

from fixers.llm_patch import MalformedAnswer, parse_edits
from scoring.budget import estimate_tokens
from tasks.llm.client import LlmCall, LlmConfig, LlmEndpoint, LlmError, complete
from tasks.llm.context import wanted_names
from tasks.llm.endpoint import LlmPolicy
from tasks.llm.gate import OptedOut, PromptTooLarge, Unreadable, admit, prepare
from tasks.llm.pacing import LlmLimits, LlmPacer
from tasks.local import git
from warehouse.io.llm_cache import LlmCache

PROMPT = "llm_patch"


class IssueSpec(BaseModel):
    url: str
    title: str
    body: str = ""
    repo: str | None = None  # OWNER/NAME: what budgets and LLM calls are counted against
    language: str | None = None


class EditsProposal(BaseModel):
    answer: str | None  # merged {"edits": [...]} for llm-patch; None when no LLM is configured
    model: str | None
    calls: list[LlmCall]
    problems: dict[str, str]  # file -> why no edit came for it (its plan item FAILS)
    skipped: dict[str, str] = {}  # file -> why it was not sent (opted out: SKIPPED)
    # file -> its request's placeholders and the secrets they stand for (for exact restoring)
    secrets: dict[str, dict[str, SecretStr]] = {}
    budget_stop: str | None = None  # why the token allowance stopped the asking, if it did


# Never persisted or cached by Prefect: the proposal holds the secrets its placeholders stand for.
@task(name="propose-edits", tags=["llm"], cache_policy=NO_CACHE, persist_result=False)
def propose_edits(
    repo_path: Path,
    files: list[str],
    issue: IssueSpec,
    run_id: str,
    endpoint: LlmEndpoint | None = None,
    db_path: Path | None = None,
    policy: LlmPolicy | None = None,
    limits: LlmLimits | None = None,
    tokens_left: int | None = None,
) -> EditsProposal:
    """One gated prompt per file, answered from the warehouse cache (`db_path`) when it can
    be. The endpoint is a value from the entrypoint; the API key comes from the environment
    here, never as a parameter. With a `tokens_left`, a request whose estimate would go
    past what is left is not sent, and neither is any after it (`budget_stop` says why)."""
    config = LlmConfig.for_endpoint(endpoint)
    policy = policy or LlmPolicy()
    skipped: dict[str, str] = {}
    for rel in files:  # opted-out files are skipped whether or not an LLM is configured
        try:
            admit(repo_path, rel, policy)
        except OptedOut as why:
            skipped[rel] = str(why)
        except Unreadable:
            pass  # reported below when there is an LLM to ask
    if config is None:
        return EditsProposal(answer=None, model=None, calls=[], problems={}, skipped=skipped)
    cache = LlmCache(db_path, policy.cache_days) if db_path is not None else None
    repo = issue.repo or git.remote_url(repo_path) or str(repo_path)
    pacer = LlmPacer(config, limits)
    wanted = wanted_names(f"{issue.title}\n{issue.body}")
    edits, summaries, confidences, calls, problems, secrets = [], [], [], [], {}, {}
    spent, budget_stop = 0, None
    for rel in files:
        if rel in skipped:
            continue
        try:
            source = admit(repo_path, rel, policy, wanted)
            prompt = prepare(
                PROMPT,
                policy,
                sources={"file_content": source},
                repo=repo,
                issue_title=issue.title,
                issue_body=issue.body,
                file_path=rel,
                shortened=source.cut is not None,
            )
            if tokens_left is not None:
                need = estimate_tokens(len(prompt.text), config.max_answer_tokens)
                if spent + need > tokens_left:
                    budget_stop = (
                        f"budget: this request needs about {need:,} tokens and "
                        f"{max(tokens_left - spent, 0):,} are left"
                    )
                    break
            answer = complete(config, prompt, run_id, cache=cache, pacer=pacer)
        except (Unreadable, PromptTooLarge) as error:
            problems[rel] = str(error)
            continue
        except LlmError as error:
            problems[rel] = f"LLM request failed: {error}"
            continue
        calls.append(answer.call)
        spent += (answer.call.tokens_in or 0) + (answer.call.tokens_out or 0)
        try:
            proposal = parse_edits(answer.text)
        except MalformedAnswer as error:
            problems[rel] = f"malformed LLM answer: {error}"
            continue
        if prompt.redaction.values:
            secrets[rel] = {k: SecretStr(v) for k, v in prompt.redaction.values.items()}
        edits += [edit.model_dump() for edit in proposal.edits if _same(edit.path, rel)]
        summaries.append(proposal.summary)
        confidences.append(proposal.confidence)
    merged = {
        "edits": edits,
        "summary": "; ".join(s for s in summaries if s),
        "confidence": min(confidences, default=0.0),
    }
    return EditsProposal(
        answer=json.dumps(merged),
        model=config.model,
        calls=calls,
        problems=problems,
        skipped=skipped,
        secrets=secrets,
        budget_stop=budget_stop,
    )


def _same(a: str, b: str) -> bool:
    """An edit for the file its prompt showed ("./src/a.py" is "src/a.py"): a file's request
    can only speak for that file, and its placeholders mean nothing in another."""
    return PurePosixPath(a.strip()) == PurePosixPath(b)
