"""Plan items and batches: line counts, CODEOWNERS rules and the batching cuts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixers.plan import (
    Batch,
    PlanItem,
    line_changes,
    longest_first,
    make_batches,
    owner_of,
    parse_codeowners,
)


def item(path: str, added: int = 0, removed: int = 0, item_id: str | None = None) -> PlanItem:
    return PlanItem(
        plan_item_id=item_id or path,
        run_id="run-1",
        repo="acme/app",
        repo_path="/repos/app",
        file_path=path,
        reason="UP006",
        source="recipe",
        recipe="upgrade-python",
        confidence=0.9,
        risk="LOW",
        lines_added=added,
        lines_removed=removed,
    )


def shape(batches: list[Batch]) -> list[tuple[str, list[str]]]:
    return [(b.key, [i.file_path for i in b.items]) for b in batches]


# --- PlanItem and Batch -------------------------------------------------------------------


def test_plan_item_defaults():
    plan = item("a.py")
    assert (plan.action, plan.status, plan.change_id, plan.rules) == ("MODIFY", "PLANNED", None, [])
    assert (plan.lines_added, plan.lines_removed) == (0, 0)


def test_batch_changed_lines_sums_added_and_removed_of_every_item():
    batch = Batch(key="src#0", items=[item("src/a.py", 3, 2), item("src/b.py", 0, 7)])
    assert batch.changed_lines == 12
    assert Batch(key="empty#0", items=[]).changed_lines == 0


# --- line_changes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("a\nb\nc\n", "a\nB\nc\n", (1, 1)),  # one line edited
        ("a\nb\nc\n", "a\nX\nY\nc\n", (2, 1)),  # one line replaced by two
        ("a\nc\n", "a\nb1\nb2\nc\n", (2, 0)),  # pure insertion in the middle
        ("", "x\ny\n", (2, 0)),  # a new file
        ("a\nb\nc\nd\n", "a\nd\n", (0, 2)),  # pure deletion
        ("a\nb\n", "", (0, 2)),  # everything deleted
        ("a\nb\nc\n", "a\nb\nc\n", (0, 0)),  # identical
        ("", "", (0, 0)),
        ("a\nb\n", "a\nb\n\n", (1, 0)),  # a trailing blank line is a line
        ("a\nb\nc\nd\n", "A\nb\nc\nD\n", (2, 2)),  # two separate hunks
    ],
)
def test_line_changes(before, after, expected):
    assert line_changes(before, after) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("a\nb", "a\nb\n", (1, 1)),  # ruff format adding the missing final newline
        ("a\nb\n", "a\nb", (1, 1)),
        ("a\r\nb\r\n", "a\nb\n", (2, 2)),  # CRLF -> LF
    ],
)
def test_line_changes_counts_newline_only_changes(before, after, expected):
    assert line_changes(before, after) == expected


# --- CODEOWNERS ---------------------------------------------------------------------------

CODEOWNERS = """\
# Default owners for everything
*       @acme/all

/docs/  @docs-team   # the docs at the root
src/    @acme/src
*.py    @py @lead

   # indented comment
/app/core.py  @core
"""


def test_parse_codeowners_skips_comments_and_blank_lines_and_keeps_file_order():
    assert parse_codeowners(CODEOWNERS) == [
        ("*", ["@acme/all"]),
        ("/docs/", ["@docs-team"]),
        ("src/", ["@acme/src"]),
        ("*.py", ["@py", "@lead"]),
        ("/app/core.py", ["@core"]),
    ]


def test_parse_codeowners_of_nothing_and_a_pattern_without_owners():
    assert parse_codeowners("") == []
    assert parse_codeowners("# only a comment\n\n   \n") == []
    assert parse_codeowners("/vendor/\n") == [("/vendor/", [])]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("README.md", "@acme/all"),  # only "*"
        ("docs/guide.md", "@docs-team"),  # "/docs/" after "*"
        ("docs/api/index.md", "@docs-team"),  # and its subdirectories
        ("docs/conf.py", "@py @lead"),  # "*.py" comes after "/docs/": the last match wins
        ("src/pkg/data.json", "@acme/src"),
        ("lib/src/data.json", "@acme/src"),  # "src/" (unanchored) matches at any depth
        ("src/pkg/mod.py", "@py @lead"),  # "*.py" after "src/"
        ("app/core.py", "@core"),  # anchored path, the last rule
        ("app/other.py", "@py @lead"),
        ("docsextra/x.md", "@acme/all"),  # "/docs/" is not a prefix match on the name
    ],
)
def test_owner_of_last_matching_rule_wins(path, expected):
    assert owner_of(path, parse_codeowners(CODEOWNERS)) == expected


def test_owner_of_unowned_when_no_rule_matches():
    rules = parse_codeowners("/docs/ @docs\n*.py @py\n/app/core.py @core\n")
    assert owner_of("web/index.js", rules) == "unowned"
    assert owner_of("lib/app/core.py.bak", rules) == "unowned"
    assert owner_of("anything.py", []) == "unowned"


def test_owner_of_anchored_file_and_directory_paths():
    rules = parse_codeowners("/app/core.py @core\n/apps/ @octocat\n/apps/github\n")
    assert owner_of("app/core.py", rules) == "@core"
    assert owner_of("apps/web/main.py", rules) == "@octocat"
    # a later rule with no owners takes the owners away, as on GitHub
    assert owner_of("apps/github/hook.py", rules) == "unowned"


def test_owner_of_glob_matches_a_file_name_at_any_depth():
    rules = [("*.py", ["@py"])]
    assert owner_of("a.py", rules) == "@py"
    assert owner_of("a/b/c.py", rules) == "@py"
    assert owner_of("a/b/c.pyi", rules) == "unowned"


def test_owner_of_anchored_directory_does_not_match_deeper():
    assert owner_of("src/docs/a.md", [("/docs/", ["@docs"])]) == "unowned"


def test_owner_of_star_does_not_cross_directories():
    rules = [("docs/*", ["@docs"])]
    assert owner_of("docs/getting-started.md", rules) == "@docs"
    assert owner_of("docs/build-app/troubleshooting.md", rules) == "unowned"


def test_owner_of_double_star_directory():
    rules = [("**/logs", ["@octocat"])]
    assert owner_of("build/logs/out.txt", rules) == "@octocat"
    assert owner_of("deeply/nested/logs/a.log", rules) == "@octocat"


# --- make_batches -------------------------------------------------------------------------


def test_make_batches_groups_by_parent_directory_with_root_files_under_dot():
    items = [item("src/pkg/b.py"), item("setup.py"), item("src/pkg/a.py"), item("src/c.py")]
    batches = make_batches(items, batch_size=10, max_lines=1000)
    assert shape(batches) == [
        (".#0", ["setup.py"]),
        ("src#1", ["src/c.py"]),
        ("src/pkg#2", ["src/pkg/a.py", "src/pkg/b.py"]),
    ]


def test_make_batches_cuts_a_group_at_batch_size():
    items = [item(f"pkg/m{n}.py") for n in range(5)]
    batches = make_batches(items, batch_size=2, max_lines=1000)
    assert shape(batches) == [
        ("pkg#0", ["pkg/m0.py", "pkg/m1.py"]),
        ("pkg#1", ["pkg/m2.py", "pkg/m3.py"]),
        ("pkg#2", ["pkg/m4.py"]),
    ]


def test_make_batches_cuts_a_group_at_max_lines():
    # 10 + 10 = 20 <= 25 fits; a third 10 would make 30 > 25
    items = [item("pkg/a.py", 6, 4), item("pkg/b.py", 10), item("pkg/c.py", 0, 10)]
    batches = make_batches(items, batch_size=10, max_lines=25)
    assert shape(batches) == [("pkg#0", ["pkg/a.py", "pkg/b.py"]), ("pkg#1", ["pkg/c.py"])]
    assert [b.changed_lines for b in batches] == [20, 10]


def test_make_batches_exactly_max_lines_fits():
    items = [item("pkg/a.py", 10), item("pkg/b.py", 15)]
    assert shape(make_batches(items, batch_size=10, max_lines=25)) == [
        ("pkg#0", ["pkg/a.py", "pkg/b.py"])
    ]


def test_make_batches_an_item_over_max_lines_gets_its_own_batch():
    items = [item("pkg/a.py", 10), item("pkg/big.py", 80, 20), item("pkg/c.py", 10)]
    batches = make_batches(items, batch_size=10, max_lines=25)
    assert shape(batches) == [
        ("pkg#0", ["pkg/a.py"]),
        ("pkg#1", ["pkg/big.py"]),
        ("pkg#2", ["pkg/c.py"]),
    ]
    assert batches[1].changed_lines == 100
    only_big = make_batches([item("big.py", 500)], batch_size=10, max_lines=25)
    assert shape(only_big) == [(".#0", ["big.py"])]


def test_make_batches_of_nothing():
    assert make_batches([], batch_size=10, max_lines=300) == []


def test_make_batches_by_owner():
    rules = parse_codeowners("* @all\n/docs/ @docs\n*.py @py @lead\n")
    items = [item("src/a.py"), item("docs/x.md"), item("README.md"), item("docs/conf.py")]
    batches = make_batches(items, 10, 300, group_by="owner", codeowners=rules)
    assert shape(batches) == [
        ("@all#0", ["README.md"]),
        ("@docs#1", ["docs/x.md"]),
        ("@py @lead#2", ["docs/conf.py", "src/a.py"]),
    ]


def test_make_batches_by_owner_without_codeowners_is_one_unowned_group():
    items = [item("b/x.py"), item("a/y.py"), item("z.py")]
    batches = make_batches(items, 2, 300, group_by="owner")
    assert shape(batches) == [("unowned#0", ["a/y.py", "b/x.py"]), ("unowned#1", ["z.py"])]


def test_make_batches_is_deterministic_whatever_the_input_order():
    items = [item("b/x.py", 5), item("a/y.py", 5), item("a/x.py", 5), item("c.py", 5)]
    first = make_batches(items, 1, 300)
    assert shape(first) == shape(make_batches(list(reversed(items)), 1, 300))
    assert shape(first) == [
        (".#0", ["c.py"]),
        ("a#1", ["a/x.py"]),
        ("a#2", ["a/y.py"]),
        ("b#3", ["b/x.py"]),
    ]


paths = st.lists(
    st.tuples(
        st.sampled_from(["", "src/", "src/pkg/", "docs/", "tests/"]),
        st.sampled_from(["a.py", "b.py", "c.md", "d.py"]),
        st.integers(min_value=0, max_value=60),
        st.integers(min_value=0, max_value=60),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(
    specs=paths,
    batch_size=st.integers(min_value=1, max_value=5),
    max_lines=st.integers(min_value=1, max_value=120),
    group_by=st.sampled_from(["directory", "owner"]),
)
def test_make_batches_keeps_every_item_exactly_once(specs, batch_size, max_lines, group_by):
    items = [
        item(d + name, add, rem, item_id=f"p{n}") for n, (d, name, add, rem) in enumerate(specs)
    ]
    rules = [("*", ["@all"]), ("src/", ["@src"]), ("*.md", ["@docs"])]
    batches = make_batches(items, batch_size, max_lines, group_by, rules)

    ids = [i.plan_item_id for b in batches for i in b.items]
    assert sorted(ids) == sorted(i.plan_item_id for i in items)
    assert len(ids) == len(set(ids))
    assert len({b.key for b in batches}) == len(batches)
    assert [b.key.rsplit("#", 1)[1] for b in batches] == [str(n) for n in range(len(batches))]
    assert shape(make_batches(items, batch_size, max_lines, group_by, rules)) == shape(batches)

    for b in batches:
        group = b.key.rsplit("#", 1)[0]
        assert 1 <= len(b.items) <= batch_size
        assert len(b.items) == 1 or b.changed_lines <= max_lines
        for i in b.items:
            if group_by == "owner":
                assert owner_of(i.file_path, rules) == group
            else:
                assert (i.file_path.rpartition("/")[0] or ".") == group
    # a group is only cut when the next item would not fit
    for prev, nxt in itertools.pairwise(batches):
        if prev.key.rsplit("#", 1)[0] == nxt.key.rsplit("#", 1)[0]:
            first = nxt.items[0]
            size = first.lines_added + first.lines_removed
            assert len(prev.items) == batch_size or prev.changed_lines + size > max_lines


def test_longest_first_starts_unknown_repositories_then_the_longest_expected():
    items = {"small": 1, "long_suite": 1, "many_batches": 25, "new": 3, "newer": 1}
    seconds = {"small": 2.0, "long_suite": 20.0, "many_batches": 5.0}
    # expected: small 2 x (1 + 1) = 4, long_suite 20 x 2 = 40, many_batches 5 x (1 + 3) = 20
    assert longest_first(items, 10, seconds) == [
        "new",
        "newer",
        "long_suite",
        "many_batches",
        "small",
    ]
    assert longest_first({"a": 1, "b": 1}, 10, {}) == ["a", "b"]  # no history: by name
