from __future__ import annotations

import pytest
from packaging.requirements import Requirement

from fixers.test_dependencies import is_declaration, parse_test_dependencies, poetry_specifier

PYPROJECT = """\
[project]
name = "demo"
dependencies = ["requests>=2", "attrs"]

[project.optional-dependencies]
test = ["pytest-mock", "inflection==0.5.1"]
docs = ["sphinx"]
Dev = ["black"]

[dependency-groups]
lint = ["ruff"]
typing = ["mypy"]
test = ["hypothesis", {include-group = "typing"}, {include-group = "test"}]
"""


def test_pyproject_extras_and_dependency_groups():
    found = parse_test_dependencies({"pyproject.toml": PYPROJECT})
    assert found.runtime == ["requests>=2", "attrs"]
    assert found.test == ["pytest-mock", "inflection==0.5.1", "black", "hypothesis", "mypy"]
    assert found.extras == ["test", "Dev"]
    assert found.sources == ["pyproject.toml"]
    assert "sphinx" not in found.requirements and "ruff" not in found.requirements


def test_setup_py_literals_are_read_and_never_run():
    setup = """\
import os
from setuptools import setup

os.system("touch /tmp/never")
setup(
    name="demo",
    install_requires=["six"],
    tests_require=["nose"],
    extras_require={"testing": ["pytest-cov"], "docs": ["sphinx"]},
    version=os.environ["X"],
)
"""
    found = parse_test_dependencies({"setup.py": setup})
    assert (found.runtime, found.test, found.extras) == (
        ["six"],
        ["nose", "pytest-cov"],
        ["testing"],
    )


def test_setup_py_non_literal_is_a_note():
    found = parse_test_dependencies(
        {"setup.py": "import setuptools\nsetuptools.setup(install_requires=REQS)\n"}
    )
    assert found.runtime == [] and found.notes == ["setup.py: install_requires is not a literal"]


def test_setup_cfg_and_tox_ini():
    cfg = """\
[options]
install_requires =
    click>=8
tests_require = mock

[options.extras_require]
tests =
    freezegun
"""
    tox = """\
[tox]
envlist = py311

[testenv]
deps =
    -r{toxinidir}/requirements-dev.txt
    .[tests]
    coverage
commands = pytest
"""
    files = {"setup.cfg": cfg, "tox.ini": tox, "requirements-dev.txt": "-e .\ntoolz  # fast\n"}
    found = parse_test_dependencies(files)
    assert found.runtime == ["click>=8"]
    assert found.test == ["mock", "freezegun", "toolz", "coverage"]
    assert found.extras == ["tests"]


def test_requirement_files_follow_r_lines_and_report_missing_ones():
    files = {
        "requirements.txt": "attrs\n--index-url https://example.invalid/simple\n",
        "requirements-test.txt": "-r requirements.txt\n-c constraints.txt\npytest-mock\n# x\n",
        "requirements/ci.txt": "-r ../requirements/base.txt\ninflection\n",
    }
    found = parse_test_dependencies(files)
    assert found.runtime == ["attrs"]
    assert found.test == ["attrs", "pytest-mock", "inflection"]
    assert found.missing == ["requirements/base.txt"]
    again = parse_test_dependencies({**files, "requirements/base.txt": "tabulate\n"})
    assert again.test == ["attrs", "pytest-mock", "tabulate", "inflection"] and not again.missing


def test_deps_hash_follows_the_requirements_not_the_formatting():
    one = parse_test_dependencies({"pyproject.toml": PYPROJECT})
    reordered = PYPROJECT.replace('["requests>=2", "attrs"]', '["attrs",  "requests >= 2"]')
    assert parse_test_dependencies({"pyproject.toml": reordered}).deps_hash == one.deps_hash
    more = PYPROJECT.replace('"attrs"]', '"attrs", "idna"]')
    assert parse_test_dependencies({"pyproject.toml": more}).deps_hash != one.deps_hash
    assert parse_test_dependencies({}).deps_hash == parse_test_dependencies({}).deps_hash


def test_broken_files_are_notes_not_errors():
    found = parse_test_dependencies(
        {"pyproject.toml": "[project", "setup.py": "def (:", "setup.cfg": "no section"}
    )
    assert found.requirements == [] and len(found.notes) == 3


def test_is_declaration():
    wanted = [
        "pyproject.toml",
        "setup.py",
        "tox.ini",
        "requirements-test.txt",
        "requirements/a.txt",
    ]
    assert all(is_declaration(p) for p in wanted)
    others = ["pkg/setup.py", "README.txt", "docs/requirements.txt", "requirements/a.in"]
    assert not any(is_declaration(p) for p in others)


@pytest.mark.parametrize(
    ("constraint", "specifier"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^1.2", ">=1.2,<2.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1", ">=1,<2"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        ("1.2.*", "==1.2.*"),
        (">= 1.2, < 2.0", ">=1.2,<2.0"),
        (">=1.2 <2.0", ">=1.2,<2.0"),
        ("~=1.4", "~=1.4"),
    ],
)
def test_poetry_constraints_become_pep_440(constraint: str, specifier: str):
    assert poetry_specifier(constraint) == specifier


def test_a_poetry_constraint_pep_440_cannot_say_is_an_error():
    for constraint in ("^1 || ^2", "banana"):
        with pytest.raises(ValueError):
            poetry_specifier(constraint)


POETRY = """\
[tool.poetry]
name = "demo"

[tool.poetry.dependencies]
python = "^3.9"
requests = "^2.28.1"
attrs = "*"
rich = {version = "~13.3", extras = ["jupyter"], markers = "sys_platform != 'win32'"}
tomli = {version = ">=1.1", python = "<3.11"}
numpy = [
    {version = "^1.24", python = "<3.12"},
    {version = "^2.0", python = ">=3.12"},
]
mylib = {path = "../mylib", develop = true}
fork = {git = "https://example.invalid/fork.git", branch = "main"}
pytest-asyncio = {version = "^0.21", optional = true}
docutils = {version = "*", optional = true}

[tool.poetry.extras]
testing = ["pytest-asyncio"]
docs = ["docutils"]

[tool.poetry.group.test.dependencies]
pytest-mock = "^3.10"

[tool.poetry.group.lint.dependencies]
ruff = "*"

[tool.poetry.dev-dependencies]
freezegun = "1.2.2"
"""


def test_poetry_dependencies_groups_and_extras():
    found = parse_test_dependencies({"pyproject.toml": POETRY})
    assert found.runtime == [
        "requests>=2.28.1,<3.0.0",
        "attrs",
        "rich[jupyter]>=13.3,<13.4; (sys_platform != 'win32')",
        'tomli>=1.1; python_full_version < "3.11"',
        'numpy>=1.24,<2.0; python_full_version < "3.12"',
        'numpy>=2.0,<3.0; python_full_version >= "3.12"',
    ]
    test = ["pytest-asyncio>=0.21,<0.22", "pytest-mock>=3.10,<4.0", "freezegun==1.2.2"]
    assert found.test == test
    assert found.extras == ["testing"]
    assert found.requires_python == ">=3.9,<4.0"
    assert found.sources == ["pyproject.toml"]
    assert found.notes == [
        "pyproject.toml [tool.poetry]: left out mylib (a path dependency, not from an index)",
        "pyproject.toml [tool.poetry]: left out fork (a git dependency, not from an index)",
    ]
    assert all(Requirement(r) for r in found.requirements)


def test_poetry_2_takes_runtime_from_project_alone():
    text = """\
[project]
name = "demo"
requires-python = ">=3.10"
dependencies = ["httpx>=0.27"]

[tool.poetry.dependencies]
python = "^3.8"
httpx = {source = "mirror"}

[tool.poetry.group.dev.dependencies]
respx = "^0.21"
"""
    found = parse_test_dependencies({"pyproject.toml": text})
    assert (found.runtime, found.test) == (["httpx>=0.27"], ["respx>=0.21,<0.22"])
    assert found.requires_python == ">=3.10"


def test_pdm_dev_dependencies():
    text = """\
[project]
name = "demo"
dependencies = ["click"]

[tool.pdm.dev-dependencies]
test = ["pytest-cov>=4", "-e file:///${PROJECT_ROOT}/plugins/extra"]
Dev = ["ipdb"]
docs = ["mkdocs"]
"""
    found = parse_test_dependencies({"pyproject.toml": text})
    assert (found.runtime, found.test) == (["click"], ["pytest-cov>=4", "ipdb"])
    assert found.sources == ["pyproject.toml"]
    assert found.requires_python is None
    assert found.notes == [
        "pyproject.toml [tool.pdm]: left out '-e file:///${PROJECT_ROOT}/plugins/extra'"
        " (editable install)"
    ]


def test_hatch_environments():
    text = """\
[project]
name = "demo"

[project.optional-dependencies]
cli = ["typer"]
docs = ["mkdocs"]

[tool.hatch.envs.default]
dependencies = ["coverage[toml]>=6.5", "pytest"]

[tool.hatch.envs.tests]
extra-dependencies = ["pytest-xdist", "{root:uri}/vendor/thing"]
features = ["cli"]

[tool.hatch.envs.docs]
dependencies = ["mkdocs-material"]
"""
    found = parse_test_dependencies({"pyproject.toml": text})
    assert found.test == ["coverage[toml]>=6.5", "pytest", "pytest-xdist", "typer"]
    assert found.extras == ["cli"]
    assert found.notes == [
        "pyproject.toml [tool.hatch]: left out '{root:uri}/vendor/thing' (a placeholder)"
    ]


def test_what_cannot_be_installed_from_an_index_is_a_note():
    requirements = """\
--index-url https://example.invalid/simple
-e git+https://example.invalid/repo.git#egg=repo
./vendor/local_pkg
https://example.invalid/wheels/thing-1.0-py3-none-any.whl
attrs==23.1.0 \\
    --hash=sha256:1f28b4522cdc2fb4256ac1a020c78acf9cba2c6b
named @ https://example.invalid/named-1.0.tar.gz
"""
    found = parse_test_dependencies({"requirements-test.txt": requirements})
    assert found.test == ["attrs==23.1.0", "named @ https://example.invalid/named-1.0.tar.gz"]
    assert found.notes == [
        "requirements-test.txt: option --index-url ignored",
        "requirements-test.txt: left out '-e git+https://example.invalid/repo.git#egg=repo'"
        " (editable install)",
        "requirements-test.txt: left out './vendor/local_pkg' (a local path)",
        "requirements-test.txt: left out"
        " 'https://example.invalid/wheels/thing-1.0-py3-none-any.whl' (a URL without a name)",
    ]
