"""A run's campaign report (fixers/run_report.py) from the ledger, as markdown and as a
Prefect markdown artifact of the flow run that made it."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from fixers.run_report import render_report
from warehouse.readers import run_queries


def report_markdown(db_path: Path, run_id: str) -> str:
    """The report of run `run_id`, from the ledger."""
    run, changes, reasons = run_queries.run_report_rows(db_path, run_id)
    return render_report(run, changes, reasons.to_dicts())


@task(name="publish-run-report", cache_policy=NO_CACHE)
def publish_report(db_path: Path, run_id: str) -> str:
    """The report as an artifact of the running flow (the Prefect UI shows it with the run)."""
    markdown = report_markdown(db_path, run_id)
    create_markdown_artifact(
        markdown=markdown, key=f"campaign-report-{run_id[:8]}", description="Campaign report"
    )
    return markdown
