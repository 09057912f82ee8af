"""rename-api: a LibCST codemod, as (before, after) pairs of exact text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fixers.recipe import load_recipe
from fixers.rename_api import RenameApi, RenameApiOptions
from fixers.results import FixStatus

OLD = "pkg.mod.legacy_fetch"


def rename(source: str, new: str = "pkg.mod.fetch", old: str = OLD):
    return RenameApi(RenameApiOptions(old=old, new=new)).transform("app/main.py", source)


SAME_MODULE = [
    pytest.param(
        "import pkg.mod\n\npkg.mod.legacy_fetch(x)  # keep me\n",
        "import pkg.mod\n\npkg.mod.fetch(x)  # keep me\n",
        id="import-module",
    ),
    pytest.param(
        "from pkg.mod import legacy_fetch\n\nlegacy_fetch(x)\ny = legacy_fetch\n",
        "from pkg.mod import fetch\n\nfetch(x)\ny = fetch\n",
        id="from-import",
    ),
    pytest.param(
        "from pkg.mod import legacy_fetch as lf\n\nlf(x)\n",
        "from pkg.mod import fetch as lf\n\nlf(x)\n",
        id="from-import-alias",
    ),
    pytest.param(
        "import pkg.mod as m\n\nm.legacy_fetch()\n",
        "import pkg.mod as m\n\nm.fetch()\n",
        id="module-alias",
    ),
    pytest.param(
        "from pkg import mod\n\nmod.legacy_fetch()\n",
        "from pkg import mod\n\nmod.fetch()\n",
        id="from-package-import-module",
    ),
    pytest.param(
        "from pkg.mod import (  # api\n    legacy_fetch,  # old one\n    other,\n)\n\n"
        "legacy_fetch(other)\n",
        "from pkg.mod import (  # api\n    fetch,  # old one\n    other,\n)\n\nfetch(other)\n",
        id="parenthesised-import-comments",
    ),
]

NEW_MODULE = [
    pytest.param(
        "import pkg.mod\n\npkg.mod.legacy_fetch(x)\n",
        "import pkg.newmod\n\npkg.newmod.fetch(x)\n",
        id="import-module",
    ),
    pytest.param(
        "import pkg.mod\n\npkg.mod.legacy_fetch(x)\npkg.mod.other()\n",
        "import pkg.mod\nimport pkg.newmod\n\npkg.newmod.fetch(x)\npkg.mod.other()\n",
        id="import-module-still-used",
    ),
    pytest.param(
        "from pkg.mod import legacy_fetch  # why\n\nlegacy_fetch(x)\n",
        "from pkg.newmod import fetch  # why\n\nfetch(x)\n",
        id="from-import",
    ),
    pytest.param(
        "from pkg.mod import legacy_fetch as lf\n\nlf(x)\n",
        "from pkg.newmod import fetch as lf\n\nlf(x)\n",
        id="from-import-alias",
    ),
    pytest.param(
        "from pkg.mod import legacy_fetch as lf, other\n\nlf(other)\n",
        "from pkg.mod import other\nfrom pkg.newmod import fetch as lf\n\nlf(other)\n",
        id="from-import-alias-among-others",
    ),
    pytest.param(
        "import pkg.mod as m\n\nm.legacy_fetch()\n",
        "import pkg.newmod\n\npkg.newmod.fetch()\n",
        id="module-alias",
    ),
    pytest.param(
        "from pkg.mod import (  # api\n    other,  # kept\n    legacy_fetch,  # old\n)\n\n"
        "legacy_fetch(other)\n",
        "from pkg.mod import (  # api\n    other,  # kept\n)\nfrom pkg.newmod import fetch\n\n"
        "fetch(other)\n",
        id="parenthesised-last-name-removed",
    ),
    pytest.param(
        "from pkg.mod import other, legacy_fetch\n\nlegacy_fetch(other)\n",
        "from pkg.mod import other\nfrom pkg.newmod import fetch\n\nfetch(other)\n",
        id="no-dangling-comma",
    ),
]


@pytest.mark.parametrize(("before", "after"), SAME_MODULE)
def test_rename_in_same_module(before: str, after: str) -> None:
    result = rename(before)
    assert result.status is FixStatus.APPLIED
    assert result.new_source == after
    assert result.reason == "renamed pkg.mod.legacy_fetch -> pkg.mod.fetch"
    assert result.rules == ["rename-api"]


@pytest.mark.parametrize(("before", "after"), NEW_MODULE)
def test_rename_to_another_module(before: str, after: str) -> None:
    result = rename(before, new="pkg.newmod.fetch")
    assert result.status is FixStatus.APPLIED
    assert result.new_source == after


def test_unrelated_names_are_untouched() -> None:
    before = '''\
"""Docs mention legacy_fetch."""
import other
from pkg.mod import legacy_fetch


def helper(legacy_fetch):  # a parameter shadows the import
    return legacy_fetch


legacy_fetch(1)
other.legacy_fetch()
call(legacy_fetch=2)
name = "legacy_fetch"
'''
    after = before.replace("from pkg.mod import legacy_fetch", "from pkg.mod import fetch")
    after = after.replace("\nlegacy_fetch(1)", "\nfetch(1)")
    assert rename(before).new_source == after


@pytest.mark.parametrize(
    "source",
    [
        "def legacy_fetch():\n    return 1\n\n\nlegacy_fetch()\n",
        "legacy_fetch = obj.legacy_fetch\nother.legacy_fetch()\ns = 'legacy_fetch'\n",
        "import otherpkg.mod\n\notherpkg.mod.legacy_fetch()\n",
        "from pkg.other import legacy_fetch\n\nlegacy_fetch()\n",
        "from .mod import legacy_fetch\n\nlegacy_fetch()\n",
    ],
)
def test_no_reference_is_skipped(source: str) -> None:
    result = rename(source)
    assert result.status is FixStatus.SKIPPED
    assert result.reason == "no reference to pkg.mod.legacy_fetch"
    assert result.new_source is None


def test_parse_error_fails_without_raising() -> None:
    result = rename("from pkg.mod import legacy_fetch\n\ndef f(:\n    pass\n")
    assert result.status is FixStatus.FAILED
    assert result.reason.startswith("syntax error: ")
    assert "parser error" in result.reason and "expected one of" in result.reason
    assert result.new_source is None


def test_load_recipe_by_name() -> None:
    recipe = load_recipe("rename-api", {"old": OLD, "new": "pkg.mod.fetch"})
    assert isinstance(recipe, RenameApi)
    assert (recipe.risk, recipe.confidence) == ("MEDIUM", 0.85)
    assert recipe.applies_to("a/b.py") and not recipe.applies_to("a/b.txt")


@pytest.mark.parametrize(
    "options",
    [
        {"old": "legacy_fetch", "new": "pkg.mod.fetch"},
        {"old": OLD, "new": "fetch"},
        {"old": "pkg.mod.legacy-fetch", "new": "pkg.mod.fetch"},
        {"old": "pkg..legacy_fetch", "new": "pkg.mod.fetch"},
        {"old": "pkg.class.legacy_fetch", "new": "pkg.mod.fetch"},
        {"old": OLD, "new": OLD},
        {"old": OLD},
        {"old": OLD, "new": "pkg.mod.fetch", "extra": 1},
    ],
)
def test_invalid_options_are_rejected(options: dict) -> None:
    with pytest.raises(ValidationError):
        load_recipe("rename-api", options)
