"""Ask the configured LLM for search/replace edits that resolve an issue in named files.

Each file gets its own prompt and answer; the edits are merged into one answer for the
llm-patch recipe. A file whose answer is malformed or whose request failed is reported with
the reason, and the others go on. With no LLM configured nothing is asked.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect import task
from pydantic import BaseModel

from fixers.llm_patch import MalformedAnswer, parse_edits
from prompts import render
from tasks.llm.client import LlmCall, LlmConfig, LlmEndpoint, LlmError, complete


class IssueSpec(BaseModel):
    url: str
    title: str
    body: str = ""


class EditsProposal(BaseModel):
    answer: str | None  # merged {"edits": [...]} for llm-patch; None when no LLM is configured
    model: str | None
    calls: list[LlmCall]
    problems: dict[str, str]  # file -> why no edit came for it


@task(name="propose-edits", tags=["llm"])
def propose_edits(
    repo_path: Path,
    files: list[str],
    issue: IssueSpec,
    run_id: str,
    endpoint: LlmEndpoint | None = None,
) -> EditsProposal:
    """One prompt per file. The endpoint is a value from the entrypoint; the API key comes
    from the environment here, never as a parameter."""
    config = LlmConfig.for_endpoint(endpoint)
    if config is None:
        return EditsProposal(answer=None, model=None, calls=[], problems={})
    edits, summaries, confidences, calls, problems = [], [], [], [], {}
    for rel in files:
        try:
            content = (repo_path / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems[rel] = f"unreadable: {error}"
            continue
        prompt = render(
            "llm_patch",
            issue_title=issue.title,
            issue_body=issue.body,
            file_path=rel,
            file_content=content,
        )
        try:
            answer = complete(config, prompt, run_id)
        except LlmError as error:
            problems[rel] = f"LLM request failed: {error}"
            continue
        calls.append(answer.call)
        try:
            proposal = parse_edits(answer.text)
        except MalformedAnswer as error:
            problems[rel] = f"malformed LLM answer: {error}"
            continue
        edits += [edit.model_dump() for edit in proposal.edits]
        summaries.append(proposal.summary)
        confidences.append(proposal.confidence)
    merged = {
        "edits": edits,
        "summary": "; ".join(s for s in summaries if s),
        "confidence": min(confidences, default=0.0),
    }
    return EditsProposal(
        answer=json.dumps(merged), model=config.model, calls=calls, problems=problems
    )
