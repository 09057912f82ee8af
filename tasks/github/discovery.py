"""Discovery: every repository of a language above a star threshold, through GraphQL search,
with the health fields in the same query (a new repository's health costs only its share of
one more request per 100 discovered: the exact count of issues closed in 90 days, an issue
search per repository, asked after the pages by the task, see github_health.fetch_closed).

GitHub's search returns at most 1,000 results per query, so the star range is split: one
aliased request asks the `repositoryCount` of many ranges at once, and a range above 1,000 is
split until each fits, on a grid anchored at min_stars with the top range open, so the ranges
(and their checkpoints) are the same on every run; a single star count above 1,000 is then
halved by creation time (`created:A..B`, the last one open; split points come from the day
the plan was first made, kept in a checkpoint, so a resume on a later day asks the same
ranges). Each range then pages by cursor; after each page its rows and the cursor are
checkpointed (`search:<query>` in raw_github_cursors), so a killed crawl resumes there, and a
range already done is skipped. A re-crawl passes `pushed_after` and only asks what changed
since then.

The selection rule is stars > min_stars OR dependents > min_dependents (`passes_filter`);
search can only express the stars half, dependents come from the registries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from tasks.github.graphql import (
    RATE_LIMIT_FIELDS,
    GitHubError,
    GraphQLClient,
    TooLarge,
    graphql_string,
)
from tasks.github.health import REPO_FIELDS, repo_row, since_variables

SEARCH_CAP = 1000
PAGE = 100
LANGUAGES = ("python", "javascript", "typescript", "go", "rust", "java")

# (scope) -> (cursor, done) or None; (scope, cursor, done, rows) lands rows then the cursor
Load = Callable[[str], tuple[str | None, bool] | None]
Save = Callable[[str, str | None, bool, list[dict]], None]


def passes_filter(
    stars: int | None, dependents: int | None, min_stars: int, min_dependents: int
) -> bool:
    """The source's selection rule: popular by stars OR depended upon."""
    return (stars or 0) > min_stars or (dependents or 0) > min_dependents


@dataclass(frozen=True)
class StarRange:
    language: str
    low: int
    high: int | None  # None: open-ended
    pushed_after: str | None = None
    created_from: datetime | None = None  # with created_to: created:A..B (inclusive)
    created_to: datetime | None = None

    def query(self) -> str:
        stars = f"stars:>={self.low}" if self.high is None else f"stars:{self.low}..{self.high}"
        pushed = f" pushed:>{self.pushed_after}" if self.pushed_after else ""
        created = ""
        if self.created_from and self.created_to:
            created = f" created:{_stamp(self.created_from)}..{_stamp(self.created_to)}"
        elif self.created_from:
            created = f" created:>={_stamp(self.created_from)}"
        return f"language:{self.language} {stars}{pushed}{created} sort:stars-desc"

    def halves(self) -> list[StarRange]:
        """Split points that depend only on the range (a grid anchored at min_stars): the
        same ranges, so the same `search:` checkpoints, on every run. The top range stays
        open (`stars:>=X`), so a repository that gains stars is still in it. No repository has
        fewer than 0 stars, so an open range from 0 or below splits into 0 and `>=1`."""
        if self.high is None:
            if self.low <= 0:  # doubling 0 (or a negative bound) would never shrink the range
                return [replace(self, low=0, high=0), replace(self, low=1)]
            return [replace(self, high=2 * self.low - 1), replace(self, low=2 * self.low)]
        if self.high <= self.low:
            return []
        mid = (self.low + self.high) // 2
        return [replace(self, high=mid), replace(self, low=mid + 1)]

    def date_halves(self, today: datetime) -> list[StarRange]:
        """A star range that cannot be split (one star count above 1,000 results) split by
        creation time instead, down to one second. The last half stays open (`created:>=A`)
        and split points come from `today` (00:00 UTC), so a resumed crawl the same day asks
        the same ranges."""
        start, end = self.created_from or GITHUB_EPOCH, self.created_to
        stop = end or today
        if stop - start < timedelta(seconds=1):
            return []
        mid = start + timedelta(seconds=(stop - start).total_seconds() // 2)
        return [
            replace(self, created_from=start, created_to=mid),
            replace(self, created_from=mid + timedelta(seconds=1), created_to=end),
        ]


GITHUB_EPOCH = datetime(2007, 10, 1, tzinfo=UTC)  # before the first GitHub repository


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _probe(client: GraphQLClient, ranges: Sequence[StarRange]) -> list[int]:
    """The repositoryCount of each range, in one aliased request."""
    fields = "\n".join(
        f"r{i}: search(query: {graphql_string(r.query())}, type: REPOSITORY, first: 1) "
        "{ repositoryCount }"
        for i, r in enumerate(ranges)
    )
    data = client.query(f"query Probe {{\n{RATE_LIMIT_FIELDS}\n{fields}\n}}")
    return [(data.get(f"r{i}") or {}).get("repositoryCount", 0) for i in range(len(ranges))]


def day_of(at: datetime) -> datetime:
    """00:00 UTC of `at`'s day: where date-split ranges end."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def plan_ranges(
    client: GraphQLClient,
    languages: Sequence[str],
    min_stars: int,
    pushed_after: str | None,
    today: datetime | None = None,
) -> list[tuple[StarRange, int]]:
    """Ranges of at most 1,000 results each (with their counts), empty ranges dropped.
    `today`: the day date splits are made from (the plan's day, kept by a resumed crawl)."""
    todo = [StarRange(lang, min_stars + 1, None, pushed_after) for lang in languages]
    planned: list[tuple[StarRange, int]] = []
    today = day_of(today or datetime.now(UTC))
    while todo:
        counts = _probe(client, todo[:50])
        batch, todo = todo[:50], todo[50:]
        for star_range, count in zip(batch, counts, strict=True):
            halves = []
            if count > SEARCH_CAP:
                halves = star_range.halves() or star_range.date_halves(today)
            if halves:
                todo.extend(halves)
            elif count:
                planned.append((star_range, count))
    return planned


SEARCH_DOCUMENT = (
    "query Discover($q: String!, $first: Int!, $after: String, $gitSince: GitTimestamp!) {\n"
    f"  {RATE_LIMIT_FIELDS}\n"
    "  search(query: $q, type: REPOSITORY, first: $first, after: $after) {\n"
    "    repositoryCount pageInfo { hasNextPage endCursor }\n"
    f"    nodes {{ ... on Repository {{ {REPO_FIELDS} }} }}\n  }}\n}}"
)


def crawl_range(
    client: GraphQLClient,
    star_range: StarRange,
    load: Load,
    save: Save,
    limit: int | None,
    as_of: datetime,
) -> int:
    """Page one range from its checkpoint to its end (or `limit` rows); rows landed."""
    scope = "search:" + star_range.query()
    cursor, done = load(scope) or (None, False)
    landed, page, tries = 0, PAGE, 0
    variables = since_variables(as_of) | {"q": star_range.query()}
    while not done and (limit is None or landed < limit):
        first = page if limit is None else min(page, limit - landed)
        try:
            page_vars = variables | {"first": first, "after": cursor}
            data = client.query(SEARCH_DOCUMENT, page_vars, split=True)
        except TooLarge as error:
            if page == 1 and tries >= client.timing.max_retries:
                raise GitHubError(f"GitHub search {scope!r} failed: {error}") from None
            client.backoff_before_split(tries, f"search page of {first}: {error}")
            tries = tries + 1 if page == 1 else 0
            page = max(1, page // 2)
            continue
        found = data["search"]
        now = datetime.now(UTC)
        rows = [repo_row(n, now) for n in found["nodes"] if n and n.get("nameWithOwner")]
        cursor = found["pageInfo"]["endCursor"] or cursor
        done = not found["pageInfo"]["hasNextPage"]
        save(scope, cursor, done, rows)
        landed += len(rows)
    return landed


def discover(
    client: GraphQLClient,
    languages: Sequence[str],
    min_stars: int,
    load: Load,
    save: Save,
    failed: Callable[[str, str], None],
    limit: int | None = None,
    pushed_after: str | None = None,
    as_of: datetime | None = None,
    today: datetime | None = None,
) -> int:
    """Every repository above `min_stars` in `languages` (or changed since `pushed_after`),
    landed page by page through `save`; a range that fails goes to `failed` and the rest go
    on. `today`: the plan's day (see plan_ranges). Returns the rows landed."""
    as_of = as_of or datetime.now(UTC)
    landed = [0]

    def counted(scope: str, cursor: str | None, done: bool, rows: list[dict]) -> None:
        save(scope, cursor, done, rows)
        landed[0] += len(rows)

    try:
        planned = plan_ranges(client, languages, min_stars, pushed_after, today)
    except GitHubError as error:  # not even the counts: the whole discovery is retried next time
        failed(f"search:{','.join(languages)} stars:>{min_stars}", str(error))
        return 0
    for star_range, _count in planned:
        if limit is not None and landed[0] >= limit:
            break
        left = None if limit is None else limit - landed[0]
        try:
            crawl_range(client, star_range, load, counted, left, as_of)
        except GitHubError as error:
            failed("search:" + star_range.query(), str(error))
    return landed[0]
