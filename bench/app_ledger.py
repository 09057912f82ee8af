"""A ledger with history for bench/app.py: daily pipeline runs, campaigns (plan items, changes
with diffs, verifications, events) and LLM fix runs, as the flows write them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bench.app_data import WORDS, Synthetic
from warehouse.io.tables import LEDGER_TABLES

# --- a ledger with history: daily pipelines, campaigns, LLM fixes -----------------------------

CHANGE_STATES = {  # state -> share, for a finished campaign and for the one still running
    "MERGED": (0.72, 0.35),
    "BLOCKED": (0.10, 0.10),
    "OPEN": (0.06, 0.20),
    "WAITING": (0.00, 0.28),
    "CLOSED": (0.03, 0.00),
    "FAILED": (0.05, 0.05),
    "REVERTED": (0.04, 0.02),
}
# the events a change in that state went through, with hours between them
STATE_PATH = {
    "MERGED": ["OPEN", "MERGED"],
    "BLOCKED": ["BLOCKED"],
    "OPEN": ["OPEN"],
    "WAITING": ["WAITING"],
    "CLOSED": ["OPEN", "CLOSED"],
    "FAILED": ["FAILED"],
    "REVERTED": ["OPEN", "MERGED", "REVERTED"],
}
PUBLISHED = {"OPEN", "MERGED", "CLOSED", "REVERTED"}
RECIPES = ["upgrade-python", "rename-api"]


class Ledger:
    """Ledger rows as the flows write them (ids, states, events), over months of use."""

    def __init__(self, source: Synthetic) -> None:
        self.src, self.rng, self.now = source, source.rng, source.now
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in LEDGER_TABLES}

    def uid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))

    def run(self, kind: str, at: datetime, hours: float, status: str = "COMPLETED", **extra):
        run_id, end = self.uid(), at + timedelta(hours=hours)
        self.tables["ledger_runs"].append(
            {
                "run_id": run_id,
                "parent_run_id": extra.get("parent"),
                "kind": kind,
                "recipe": extra.get("recipe"),
                "actor": extra.get("actor", "schedule"),
                "status": status,
                "config": {"db_path": "/srv/globallm/warehouse.duckdb"},
                "summary": extra.get("summary"),
                "summary_confidence": None,
                "created_at": at,
                "updated_at": end if status != "RUNNING" else at,
            }
        )
        self.event(run_id, "run", run_id, "RUNNING", at)
        if status != "RUNNING":
            self.event(run_id, "run", run_id, status, end)
        return run_id

    def event(self, run_id: str, kind: str, subject: str, state: str, at: datetime, detail=None):
        self.tables["ledger_events"].append(
            {
                "event_id": self.uid(),
                "run_id": run_id,
                "subject_kind": kind,
                "subject_id": subject,
                "state": state,
                "occurred_at": at,
                "detail": detail,
            }
        )

    def pipelines(self, days: int) -> None:
        """One scheduled `globallm run` a day; now and then a build fails."""
        for day in range(days, 0, -1):
            at = self.now - timedelta(days=day, hours=-2)
            failed = self.rng.random() < 0.03
            status = "FAILED" if failed else "COMPLETED"
            parent = self.run("pipeline", at, 0.5, status)
            for step, hours in (("crawl", 0.2), ("build", 0.2), ("score", 0.1)):
                step_failed = failed and step == "build"
                self.run(step, at, hours, "FAILED" if step_failed else "COMPLETED", parent=parent)
                if step_failed:
                    break

    def campaigns(self, count: int, repos: int) -> None:
        """`count` campaigns over the last 150 days, each over `repos` Python repositories; the
        last one still running (changes waiting and open)."""
        python = np.flatnonzero(self.src.lang == 0)
        for c in range(count):
            start = self.now - timedelta(days=150 * (count - c) / count, hours=1)
            running = c == count - 1
            if running:
                start = self.now - timedelta(days=2)
            recipe = RECIPES[c % len(RECIPES)]
            chosen = self.rng.choice(python, min(repos, python.size), replace=False)
            states = list(CHANGE_STATES)
            shares = np.array([CHANGE_STATES[s][1 if running else 0] for s in states])
            picked = self.rng.choice(len(states), chosen.size, p=shares / shares.sum())
            summary = {"states": {s: int((picked == k).sum()) for k, s in enumerate(states)}}
            status = "RUNNING" if running else "COMPLETED"
            run_id = self.run("campaign", start, 48, status, recipe=recipe, actor="user",
                              summary=summary)  # fmt: skip
            for repo, state in zip(chosen, picked, strict=True):
                self.change(run_id, recipe, int(repo), states[state], start)

    def change(
        self, run_id: str, recipe: str, repo: int, state: str, start: datetime, llm: bool = False
    ) -> None:
        """One change with its plan items, verification and events; `llm`: a `globallm fix`
        patch (confidence 0.7, so the default gate blocks it for a person)."""
        rng, full = self.rng, self.src.full_names[repo]
        at = start + timedelta(hours=float(rng.uniform(0.05, 40 if not llm else 0.1)))
        if not llm:
            self.run("campaign-repository", at, 0.1, parent=run_id, recipe=recipe, actor="user")
        issue = f"https://github.com/{full}/issues/{repo % 97 + 1}"
        change_id, files = self.uid(), [f"src/{m}.py" for m in rng.choice(WORDS, 4, False)]
        files = files[: int(rng.integers(1, 5))]
        lines = [int(rng.integers(1, 9)) for _ in files]
        risk = "LOW" if rng.random() < 0.8 else "MEDIUM"
        for path, n in zip(files, lines, strict=True):
            item = self.uid()
            self.tables["ledger_plan_items"].append(
                {
                    "plan_item_id": item,
                    "run_id": run_id,
                    "repo": f"https://github.com/{full}.git",
                    "repo_path": f"/srv/src/{full}",
                    "file_path": path,
                    "action": "MODIFY",
                    "reason": f"fix {issue}" if llm else f"{recipe}: rewrite for Python 3.12",
                    "source": issue if llm else f"recipe:{recipe}",
                    "recipe": None if llm else recipe,
                    "rules": [] if llm else ["UP006", "UP045"],
                    "confidence": 0.7 if llm else 0.95,
                    "risk": risk,
                    "status": state,
                    "change_id": change_id,
                    "lines_added": n,
                    "lines_removed": n,
                    "created_at": start,
                    "updated_at": at,
                }
            )
            self.event(run_id, "plan_item", item, "PENDING", start, path)
        blocked = state == "BLOCKED"
        reasons = (
            ["confidence 0.70 < 0.80"]
            if llm
            else ["tests fail after the change: tests/test_core.py::test_parse"]
            if blocked
            else ["confidence 0.95 >= 0.80", f"risk {risk} may auto-merge", "coverage delta +0.0"]
        )
        diff = "".join(
            f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1,{n} +1,{n} @@\n"
            + "".join(f"-x: List[int] = f({k})\n+x: list[int] = f({k})\n" for k in range(n))
            for p, n in zip(files, lines, strict=True)
        )
        self.tables["ledger_changes"].append(
            {
                "change_id": change_id,
                "run_id": run_id,
                "plan_item_id": None,
                "repo": f"https://github.com/{full}.git",
                "batch_key": "src#0",
                "branch": f"globallm/{run_id}/{recipe}",
                "base_branch": "main",
                "base_sha": rng.bytes(20).hex(),
                "commit_sha": rng.bytes(20).hex() if state != "FAILED" else None,
                "provider": "github",
                "pr_url": f"https://github.com/{full}/pull/{repo % 997 + 1}"
                if state in PUBLISHED
                else None,
                "pr_body": f"## {recipe}: src#0\n\n" + "\n".join(f"- `{p}`" for p in files),
                "files_changed": len(files),
                "lines_added": sum(lines),
                "lines_removed": sum(lines),
                "state": state,
                "gate_merge": not blocked,
                "gate_reasons": reasons,
                "merged": state in {"MERGED", "REVERTED"},
                "merge_sha": None,
                "reverted": state == "REVERTED",
                "reverts_change_id": None,
                "generated_by": "llm:gpt-4.1-mini" if llm else f"recipe:{recipe}",
                "diff": diff,
                "created_at": at,
                "updated_at": at,
            }
        )
        if state != "FAILED":
            tests = int(rng.integers(5, 800))
            failing = 1 if blocked and not llm else 0
            coverage = float(rng.uniform(40, 95))
            self.tables["ledger_verifications"].append(
                {
                    "change_id": change_id,
                    "tests_before": tests,
                    "tests_after": tests,
                    "passed_before": tests,
                    "passed_after": tests - failing,
                    "failed_before": 0,
                    "failed_after": failing,
                    "errors_before": 0,
                    "errors_after": 0,
                    "new_failures": ["tests/test_core.py::test_parse"] if failing else [],
                    "preexisting_failures": [],
                    "flaky": [],
                    "coverage_before": coverage,
                    "coverage_after": coverage,
                    "coverage_delta": 0.0,
                    "timed_out": False,
                    "lint": None,
                    "isolation": "bwrap",
                    "duration_s": float(rng.lognormal(3, 1)),
                }
            )
        when = at
        for step in STATE_PATH[state]:
            self.event(run_id, "change", change_id, step, when, "; ".join(reasons))
            when += timedelta(hours=float(rng.exponential(12)))

    def llm_fixes(self, runs: int) -> None:
        """`globallm fix` runs over the last 60 days, each with a few LLM calls."""
        for _ in range(runs):
            at = self.now - timedelta(days=float(self.rng.uniform(0, 60)))
            run_id = self.run("fix", at, 0.2, actor="user")
            self.change(run_id, "llm-fix", int(self.rng.integers(self.src.n)), "BLOCKED", at, True)
            for k in range(int(self.rng.integers(1, 12))):
                tokens_in = int(self.rng.integers(500, 8000))
                self.tables["ledger_llm_calls"].append(
                    {
                        "call_id": self.uid(),
                        "run_id": run_id,
                        "prompt_name": "llm_patch",
                        "prompt_sha": "0" * 64,
                        "model": "gpt-4.1-mini",
                        "tokens_in": tokens_in,
                        "tokens_out": tokens_in // 4,
                        "cost": tokens_in * 4e-7,
                        "cache_hit": k > 0 and self.rng.random() < 0.2,
                        "latency_s": float(self.rng.lognormal(0.5, 0.5)),
                        "called_at": at + timedelta(seconds=10 * k),
                    }
                )
