"""setup.py read as a manifest: the literal `setup()` arguments, parsed with ast, never run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.local.manifests import ManifestError, parse_setup_cfg, parse_setup_py, parser_for
from tasks.local.repos import crawl_repository
from tests.gitrepos import CommitSpec, make_repo

SETUP_PY = """\
import os
from setuptools import find_packages, setup

def version():
    return open(os.path.join("acme", "VERSION")).read().strip()

setup(
    name="Acme.Legacy_Lib",
    version=version(),
    packages=find_packages(),
    install_requires=["requests>=2.0", "six"],
    extras_require={"test": ["pytest"], "fast": "ujson>=5"},
)
"""


def _deps(manifest) -> list[tuple[str, str, str, str]]:
    return [
        (d.name, d.dependency_kind, d.extra, d.version_constraint) for d in manifest.dependencies
    ]


def test_a_literal_name_and_requirements_are_read():
    manifest = parse_setup_py(SETUP_PY)
    assert (manifest.manifest_kind, manifest.ecosystem) == ("setup.py", "pypi")
    assert manifest.package_name == "acme-legacy-lib"
    assert _deps(manifest) == [
        ("requests", "runtime", "", ">=2.0"),
        ("six", "runtime", "", ""),
        ("pytest", "dev", "test", ""),
        ("ujson", "optional", "fast", ">=5"),
    ]
    assert manifest.notes == []  # version=version() is not a value globallm reads


@pytest.mark.parametrize(
    "text",
    [
        'NAME = "acme-const"\nsetuptools.setup(name=NAME)\n',
        'import setuptools\nsetuptools.setup(name="acme-const")\n',
        'from distutils.core import setup\nif __name__ == "__main__":\n'
        '    setup(name="Acme_Const")\n',
        'NAME: str = "acme-const"\nsetup(name=NAME)\n',
    ],
)
def test_other_literal_spellings(text: str):
    assert parse_setup_py(text).package_name == "acme-const"


@pytest.mark.parametrize(
    "text",
    [
        "setup(name=read_name())\n",
        "setup(name=NAME)\n",  # never assigned at module level
        'NAME = "a"\nif x:\n    NAME = "b"\nNAME = "c"\nsetup(name=NAME)\n',  # assigned twice
        'setup(name="acme-" + suffix)\n',
    ],
)
def test_a_name_that_is_no_literal_is_left_out_with_a_note(text: str):
    manifest = parse_setup_py(text)
    assert manifest.package_name is None
    assert len(manifest.notes) == 1 and "setup(name=...) on line" in manifest.notes[0]
    assert "never run" in manifest.notes[0]


def test_setup_with_kwargs_only_or_no_setup_call_names_nothing():
    assert parse_setup_py("setup(**config)\n").package_name is None
    assert parse_setup_py("print('hello')\n").package_name is None


def test_setup_py_is_never_run(tmp_path: Path):
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').write('x')\nsetup(name='safe')\n"
    assert parse_setup_py(text).package_name == "safe"
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("print 'python 2'\nsetup(name='old')\n", "not valid Python 3"),
        ("setup(name='x')\x00\n", "cannot be parsed|not valid Python 3"),
        ("setup(install_requires=['foo=='])\n", "invalid requirement"),
    ],
)
def test_unparseable_setup_py_is_a_manifest_error(text: str, message: str):
    with pytest.raises(ManifestError, match=message):
        parse_setup_py(text)


def test_setup_py_and_setup_cfg_are_manifests():
    assert parser_for("setup.py") is parse_setup_py
    assert parser_for("sub/setup.py") is parse_setup_py
    assert parser_for("setup.cfg") is parse_setup_cfg


def test_setup_cfg_directives_are_not_requirements():
    text = "[metadata]\nname = acme-cfg\n\n[options]\ninstall_requires = file: requirements.txt\n"
    manifest = parse_setup_cfg(text)  # used to be a broken manifest, its name lost
    assert manifest.package_name == "acme-cfg" and manifest.dependencies == []


def crawl(path: Path):
    return crawl_repository.fn(path, datetime.now(UTC), 1_000_000, [".git"])


def test_a_checkout_named_only_by_setup_py_publishes_that_package(tmp_path: Path):
    repo = make_repo(tmp_path / "legacy", [CommitSpec("Ann", 3, {"setup.py": SETUP_PY})])
    crawled = crawl(repo)
    assert (crawled.repo.package_name, crawled.repo.package_ecosystem) == (
        "acme-legacy-lib",
        "pypi",
    )
    assert [(m.path, m.manifest_kind, m.dependency_count) for m in crawled.manifests] == [
        ("setup.py", "setup.py", 4)
    ]
    assert crawled.findings == []


def test_the_most_authoritative_top_level_manifest_names_the_package(tmp_path: Path):
    files = {
        "pyproject.toml": "[build-system]\nrequires = ['setuptools']\n",  # names nothing
        "setup.cfg": "[metadata]\nname = from-cfg\n",
        "setup.py": "setup(name='from-py')\n",
        "tests/fixture/setup.py": "setup(name='nested')\n",
    }
    repo = make_repo(tmp_path / "both", [CommitSpec("Ann", 3, files)])
    assert crawl(repo).repo.package_name == "from-cfg"  # setuptools reads setup.cfg's first
    named = {"pyproject.toml": "[project]\nname = 'from-pyproject'\n"}
    make_repo(tmp_path / "both", [CommitSpec("Ann", 2, named)])
    assert crawl(repo).repo.package_name == "from-pyproject"


def test_a_name_that_is_no_literal_becomes_a_finding(tmp_path: Path):
    setup = "from setuptools import setup\nsetup(name=get_name())\n"
    repo = make_repo(tmp_path / "dynamic", [CommitSpec("Ann", 3, {"setup.py": setup})])
    crawled = crawl(repo)
    assert crawled.repo.package_name is None
    assert [(f.path, f.finding_kind) for f in crawled.findings] == [
        ("setup.py", "unread-manifest-value")
    ]
