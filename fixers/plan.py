"""Plan items and batches: which files change, why, and how they are grouped into changes.

Pure: the grouping rules (by package directory or CODEOWNERS owner, a batch size, a cap on
changed lines per change) are data in, batches out.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from pathlib import PurePosixPath

from pydantic import BaseModel


class PlanItem(BaseModel):
    """One file to change, as `ledger_plan_items` stores it."""

    plan_item_id: str
    run_id: str
    repo: str
    repo_path: str
    file_path: str
    action: str = "MODIFY"  # MODIFY | ADD | DELETE
    reason: str
    source: str
    recipe: str
    rules: list[str] = []
    confidence: float
    risk: str
    status: str = "PLANNED"  # PLANNED, FAILED, then the state of its change
    change_id: str | None = None
    lines_added: int = 0
    lines_removed: int = 0


class Batch(BaseModel):
    """Plan items that become one change (one branch, one pull request)."""

    key: str
    items: list[PlanItem]
    owners: list[str] = []  # CODEOWNERS owners of its files: who is asked to review

    @property
    def changed_lines(self) -> int:
        return sum(i.lines_added + i.lines_removed for i in self.items)


def assessed(items: list[PlanItem], risk: str | None, confidence: float | None) -> list[PlanItem]:
    """The items with the issue's risk level and the model's confidence in place of the
    recipe's fixed ones, where these are known: the gate then decides on what the triage and
    the model said of this very change."""
    update: dict[str, object] = {}
    if risk is not None:
        update["risk"] = risk
    if confidence is not None:
        update["confidence"] = confidence
    return [item.model_copy(update=update) for item in items] if update else items


def line_changes(before: str, after: str) -> tuple[int, int]:
    """(added, removed) lines between two texts, as a unified diff counts them."""
    added = removed = 0
    # keep line endings: a change that only adds a final newline or converts CRLF is a change
    diff = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), lineterm="", n=0
    )
    for line in diff:
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def parse_codeowners(text: str) -> list[tuple[str, list[str]]]:
    """(pattern, owners) rules in file order; the last matching rule wins, as on GitHub."""
    rules = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def _codeowners_regex(pattern: str) -> re.Pattern[str]:
    """GitHub's CODEOWNERS (gitignore-style) pattern as a regex over repository paths.

    A leading or inner `/` anchors the pattern at the root, otherwise it matches at any
    depth; `*` stays within one directory, `**` crosses them; a pattern whose last part has
    no wildcard also owns everything below it (`docs/*` owns only docs' direct files).
    """
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    parts = []
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif body.startswith("**", index):
            parts.append(".*")
            index += 2
        elif body[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif body[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(body[index]))
            index += 1
    last = body.rsplit("/", 1)[-1]
    below = "(?:/.*)?" if "*" not in last or last == "**" else ""
    if pattern.endswith("/"):
        below = "/.*"
    return re.compile(("^" if anchored else "^(?:.*/)?") + "".join(parts) + below + "$")


def owner_of(path: str, rules: list[tuple[str, list[str]]]) -> str:
    """The owners of a path under CODEOWNERS rules ("unowned" when none match)."""
    owners = "unowned"
    for pattern, names in rules:
        if _codeowners_regex(pattern).match(path):
            owners = " ".join(names) or "unowned"
    return owners


def make_batches(
    items: list[PlanItem],
    batch_size: int,
    max_lines: int,
    group_by: str = "directory",
    codeowners: list[tuple[str, list[str]]] | None = None,
) -> list[Batch]:
    """Group items (by directory or owner), then cut groups by size and by changed lines.

    An item larger than `max_lines` on its own still gets a batch of its own: it cannot be
    split further, and dropping it would lose work.
    """
    groups: dict[str, list[PlanItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.file_path):
        if group_by == "owner":
            key = owner_of(item.file_path, codeowners or [])
        else:
            key = str(PurePosixPath(item.file_path).parent)
        groups[key].append(item)
    batches: list[Batch] = []

    def owned(members: list[PlanItem]) -> list[str]:
        found = {owner_of(i.file_path, codeowners) for i in members} if codeowners else set()
        return sorted(found - {"unowned"})

    for key, members in sorted(groups.items()):
        current: list[PlanItem] = []
        lines = 0
        for item in members:
            size = item.lines_added + item.lines_removed
            if current and (len(current) >= batch_size or lines + size > max_lines):
                batches.append(
                    Batch(key=f"{key}#{len(batches)}", items=current, owners=owned(current))
                )
                current, lines = [], 0
            current.append(item)
            lines += size
        if current:
            batches.append(Batch(key=f"{key}#{len(batches)}", items=current, owners=owned(current)))
    return batches


def split_batch(batch: Batch) -> list[Batch]:
    """A batch in two halves (keys `<key>a` and `<key>b`), for a change whose final diff came
    out over the line cap: formatting can add lines the plan could not count."""
    middle = (len(batch.items) + 1) // 2
    return [
        Batch(key=f"{batch.key}{suffix}", items=items, owners=batch.owners)
        for suffix, items in (("a", batch.items[:middle]), ("b", batch.items[middle:]))
        if items
    ]


def longest_first(items: dict[str, int], batch_size: int, suite_s: dict[str, float]) -> list[str]:
    """The order a campaign starts its repositories (`items`: plan items per repository):
    never-verified ones first (their length is unknown), then by expected time, the suite's
    seconds times its runs (the baseline and one per batch), longest first. Parallel lanes
    then end together, instead of the longest repository starting last and running alone."""

    def expected(repo: str) -> float:
        runs = 1 + -(-items[repo] // max(batch_size, 1))
        return suite_s[repo] * runs

    unknown = sorted(repo for repo in items if repo not in suite_s)
    known = sorted((repo for repo in items if repo in suite_s), key=lambda r: (-expected(r), r))
    return unknown + known
