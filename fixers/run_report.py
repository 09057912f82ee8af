"""The campaign report a platform team hands to the repositories' owners: what happened to
each repository, tests and coverage before and after, why a change was held, and where it is.
Pure: ledger rows in, markdown out (`globallm runs report`, and the campaign's Prefect
artifact)."""

from __future__ import annotations

import json
from collections import Counter


def _cell(value: object) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _coverage(before: float | None, after: float | None) -> str:
    if before is None and after is None:
        return "—"
    show = lambda v: "?" if v is None else f"{v:.1f}%"  # noqa: E731
    return f"{show(before)} → {show(after)}"


def _tests(row: dict) -> str:
    if row.get("tests_after") is None:
        return "—"
    return f"{row.get('passed_before') or 0}/{row.get('tests_before') or 0} → " + (
        f"{row.get('passed_after') or 0}/{row['tests_after']}"
    )


def _interpreters(row: dict) -> str:
    """The sandbox and the interpreter; under several, each one's tests and coverage."""
    several = json.loads(row["pythons"]) if row.get("pythons") else []
    if len(several) < 2:
        return " · ".join(str(v) for v in (row.get("isolation"), row.get("python")) if v)
    each = [
        f"{p['version'] or p['python']}: {_tests(p)}, "
        f"{_coverage(p.get('coverage_before'), p.get('coverage_after'))}"
        for p in several
    ]
    return " · ".join([*([row["isolation"]] if row.get("isolation") else []), *each])


def reasons_line(reasons: list[dict]) -> str:
    """ "3 blocked: 2 x no test passes, 1 x coverage unknown; 1 failed: ..." (empty: none)."""
    parts = []
    for state in ("BLOCKED", "FAILED"):
        mine = [r for r in reasons if r["state"] == state]
        if mine:
            total = sum(r["changes"] for r in mine)
            listed = ", ".join(f"{r['changes']} x {r['reason']}" for r in mine)
            parts.append(f"{total} {state.lower()}: {listed}")
    return "; ".join(parts)


def render_report(run: dict, changes: list[dict], reasons: list[dict]) -> str:
    """The report of one run as markdown."""
    states = Counter(row["state"] for row in changes)
    summary = ", ".join(f"{n} {state.lower()}" for state, n in sorted(states.items()))
    lines = [
        f"# Campaign report: {run.get('recipe') or run.get('kind') or 'run'} "
        f"`{str(run['run_id'])[:8]}`",
        "",
        f"Run `{run['run_id']}` · status {run.get('status', '—')} · started "
        f"{run.get('created_at', '—')} · {len(changes)} change(s): {summary or 'none'}",
        "",
    ]
    held = reasons_line(reasons)
    if held:
        lines += [f"**Held back**: {held}", ""]
    lines += [
        "| repository | state | tests passed (before → after) | coverage | lines | why | "
        "sandbox · interpreter | pull request / branch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in changes:
        why = "; ".join(row.get("gate_reasons") or [])
        if row.get("new_failures"):
            why += f" (new failures: {', '.join(row['new_failures'])})"
        where = row.get("pr_url") or f"`{row.get('branch')}`"
        lines.append(
            "| "
            + " | ".join(
                _cell(value)
                for value in (
                    row["repo"],
                    row["state"],
                    _tests(row),
                    _coverage(row.get("coverage_before"), row.get("coverage_after")),
                    f"+{row.get('lines_added') or 0} -{row.get('lines_removed') or 0}",
                    why,
                    _interpreters(row),
                    where,
                )
            )
            + " |"
        )
    if not changes:
        lines.append("| — | no change | | | | | | |")
    return "\n".join(lines) + "\n"
