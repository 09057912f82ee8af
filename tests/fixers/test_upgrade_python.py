"""upgrade-python: ruff's safe pyupgrade fixes, as (before, after) pairs of exact text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fixers.recipe import load_recipe
from fixers.results import FixStatus
from fixers.upgrade_python import UpgradePython, UpgradePythonOptions

TYPING = """\
from typing import Dict, List, Optional, Union


def f(a: List[int], b: Dict[str, int], c: Optional[int], d: Union[int, str]) -> None:
    pass
"""
# Ruff only swaps the annotations; the now-unused typing import stays (F401 is not UP).
TYPING_310 = """\
from typing import Dict, List, Optional, Union


def f(a: list[int], b: dict[str, int], c: int | None, d: int | str) -> None:
    pass
"""
FUTURE = """\
from __future__ import annotations

from typing import List, Optional


def f(a: List[int], c: Optional[int]) -> None:
    pass
"""
FUTURE_310 = FUTURE.replace("List[int]", "list[int]").replace("Optional[int]", "int | None")

CLASS = """\
class A(object):
    def m(self):
        return super(A, self).m()
"""
CLASS_UPGRADED = """\
class A:
    def m(self):
        return super().m()
"""


def upgrade(source: str, target: str = "3.12", path: str = "pkg/mod.py"):
    return UpgradePython(UpgradePythonOptions(target_version=target)).transform(path, source)


@pytest.mark.parametrize(
    ("target", "before", "after"),
    [
        ("3.10", TYPING, TYPING_310),
        ("3.12", TYPING, TYPING_310),
        ("3.10", FUTURE, FUTURE_310),
        ("3.12", CLASS, CLASS_UPGRADED),
        ("3.8", CLASS, CLASS_UPGRADED),
        # str.format -> f-string is safe; "%s" % x is not (x may be a tuple), so it stays.
        (
            "3.12",
            'x = "%s" % name\ny = "{}".format(name)\n',
            'x = "%s" % name\ny = f"{name}"\n',
        ),
        (
            "3.12",
            'from typing import Text\n\nx: Text = u"a"\nopen("f", "r")\n',
            'from typing import Text\n\nx: str = "a"\nopen("f")\n',
        ),
    ],
)
def test_before_after(target: str, before: str, after: str) -> None:
    result = upgrade(before, target)
    assert result.status is FixStatus.APPLIED
    assert result.new_source == after
    assert result.reason == f"pyupgrade for Python {target}"


@pytest.mark.parametrize("target", ["3.8", "3.9"])
@pytest.mark.parametrize("source", [TYPING, FUTURE])
def test_no_pep_604_or_585_below_310(target: str, source: str) -> None:
    # Below 3.10 ruff's UP006/UP007/UP045 fixes are unsafe (runtime annotations), with or
    # without `from __future__ import annotations`: the recipe applies safe fixes only.
    result = upgrade(source, target)
    assert result.status is FixStatus.SKIPPED
    assert result.reason == "nothing to upgrade"
    assert result.new_source is None


def test_rules_are_the_codes_that_fired() -> None:
    assert upgrade(TYPING).rules == ["UP006", "UP007", "UP045"]
    assert upgrade(CLASS).rules == ["UP004", "UP008"]
    # UP031 ("%s" % x) is diagnosed but its fix is unsafe, so it is not reported as fired.
    assert upgrade('x = "%s" % name\ny = "{}".format(name)\n').rules == ["UP032"]


def test_already_modern_file_is_skipped() -> None:
    source = "def f(a: list[int]) -> int | None:\n    return None\n"
    result = upgrade(source)
    assert (result.status, result.reason, result.rules) == (
        FixStatus.SKIPPED,
        "nothing to upgrade",
        [],
    )


def test_syntax_error_fails_with_ruffs_message() -> None:
    result = upgrade("def f(:\n    pass\n\n\nclass A(object):\n    pass\n")
    assert result.status is FixStatus.FAILED
    assert result.new_source is None
    assert result.reason.startswith("syntax error at 1:7: ")
    assert "parameter" in result.reason


def test_syntax_newer_than_the_target_fails() -> None:
    source = "match x:\n    case 1:\n        pass\n\n\nclass A(object):\n    pass\n"
    failed = upgrade(source, "3.8")
    assert failed.status is FixStatus.FAILED
    assert "Cannot use `match` statement on Python 3.8" in failed.reason
    assert upgrade(source, "3.10").new_source == source.replace("A(object)", "A")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("class A(object):\r\n    pass\r\n", "class A:\r\n    pass\r\n"),
        ("class A(object):\n    pass", "class A:\n    pass"),
        ("\ufeffclass A(object):\n    pass\n", "\ufeffclass A:\n    pass\n"),
        ('class A(object):\n    s = "héllo ✓"\n', 'class A:\n    s = "héllo ✓"\n'),
    ],
)
def test_line_endings_bom_and_non_ascii_survive(before: str, after: str) -> None:
    assert upgrade(before).new_source == after


def test_target_repository_ruff_config_is_ignored(tmp_path, monkeypatch) -> None:
    # Without --isolated this config would block both fixes (checked by hand with ruff).
    (tmp_path / "ruff.toml").write_text(
        '[lint]\nunfixable = ["UP004"]\nper-file-ignores = {"m.py" = ["UP008"]}\n'
    )
    monkeypatch.chdir(tmp_path)
    result = upgrade(CLASS, path=str(tmp_path / "m.py"))
    assert result.new_source == CLASS_UPGRADED
    assert result.rules == ["UP004", "UP008"]


def test_applies_to_python_files_only() -> None:
    recipe = UpgradePython()
    assert recipe.applies_to("pkg/mod.py")
    assert not recipe.applies_to("README.md")
    assert not recipe.applies_to("pkg/mod.pyi")


def test_load_recipe_by_name_with_options() -> None:
    recipe = load_recipe("upgrade-python", {"target_version": "3.10"})
    assert isinstance(recipe, UpgradePython)
    assert recipe.options.target_version == "3.10"
    assert recipe.options.ruff_target == "py310"
    assert load_recipe("upgrade-python").options.target_version == "3.12"


@pytest.mark.parametrize(
    "options",
    [
        {"target_version": "3.6"},
        {"target_version": "3.15"},
        {"target_version": "py312"},
        {"target_version": "3"},
        {"target_version": "2.7"},
        {"target": "3.12"},
    ],
)
def test_bad_options_are_rejected(options: dict) -> None:
    with pytest.raises(ValidationError):
        load_recipe("upgrade-python", options)
