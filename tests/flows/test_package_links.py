"""A checkout is the graph node of the package it publishes, however it says so: a name in
setup.cfg or setup.py (older projects), or no name at all but a remote URL that an installed
distribution's Project-URLs or a registry package's repository URL point at. Then another
repository depending on the package raises the checkout's impact."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.build import build_flow
from flows.crawl import crawl_flow
from flows.registry_crawl import RegistryCrawlParams, registry_crawl_flow
from flows.score import score_flow
from settings import CrawlSettings
from tests.fakes.registry_servers import RegistryServer
from tests.gitrepos import CommitSpec, make_repo
from warehouse.io import store

FAST = {"backoff_s": 0.01, "max_backoff_s": 0.05, "retry_after_cap_s": 0.1, "timeout_s": 5}

SETUP_CFG_ONLY = {  # the name in setup.cfg; setup.py only calls setup()
    "setup.cfg": "[metadata]\nname = Acme_Cfg\nversion = 1.0\n\n"
    "[options]\ninstall_requires =\n    attrs\n",
    "setup.py": "from setuptools import setup\n\nsetup()\n",
    "acme_cfg/__init__.py": "X = 1\n",
}
SETUP_PY_ONLY = {
    "setup.py": "from setuptools import setup\n\nsetup(\n    name='acme.py-lib',\n"
    "    version=open('VERSION').read(),\n    install_requires=['attrs>=22'],\n)\n",
    "VERSION": "2.0\n",
    "acme_py_lib/__init__.py": "X = 1\n",
}
UNNAMED = {"requirements.txt": "attrs\n", "url_lib/__init__.py": "X = 1\n"}


@pytest.fixture(scope="module")
def linked(prefect_server, tmp_path_factory) -> dict:
    """Five checkouts, four publishing a package; `app` depends on all four packages."""
    root = tmp_path_factory.mktemp("links") / "ws"
    make_repo(root / "cfg-lib", [CommitSpec("Ann", 5, SETUP_CFG_ONLY)])
    make_repo(root / "py-lib", [CommitSpec("Bob", 5, SETUP_PY_ONLY)])
    # no package name anywhere: the remote is what an installed distribution names
    make_repo(root / "url-lib", [CommitSpec("Cyd", 5, UNNAMED)], "git@github.com:Acme/URL-Lib.git")
    # likewise, for a package landed from a registry
    reg = {"requirements.txt": "attrs\n", "reg.py": "X = 1\n"}
    make_repo(root / "reg-lib", [CommitSpec("Dee", 5, reg)], "https://github.com/acme/reg-lib.git")
    app_requirements = "acme-cfg>=1\nacme-py-lib\nacme-url\nacme-reg\n"
    make_repo(root / "app", [CommitSpec("Eve", 5, {"requirements.txt": app_requirements})])

    db = root.parent / "w.duckdb"
    crawl_flow(db, [root], CrawlSettings().skip_dirs, include_environment=False)
    with store.connect(db) as con:  # what the environment crawl lands for an installed package
        store.land(
            con,
            "raw_python_distributions",
            [
                {
                    "environment": "/opt/venv",
                    "name": "acme-url",
                    "version": "3.0",
                    "summary": "acme's URL library",
                    "home_page": None,
                    # the repository only as the issue tracker; Homepage is the project's site
                    "repository_url": "https://acme.example/url",
                    "project_urls": {
                        "Homepage": "https://acme.example/url",
                        "Bug Tracker": "https://github.com/acme/url-lib/issues",
                        "Funding": "https://github.com/sponsors/acme",
                    },
                    "license": "MIT",
                    "crawled_at": store.now(),
                }
            ],
        )
    with RegistryServer() as server:
        server.add_pypi("acme-reg", "1.5", repository="https://github.com/acme/reg-lib")
        params = RegistryCrawlParams(
            base_url=f"{server.base}/simple/", packages=["acme-reg"], depth=0, requests_per_second=0
        )
        landed = registry_crawl_flow(db, "pypi", params, timing=FAST)
    assert landed.packages == 1
    build_flow(db)
    score_flow(db, {}, {}, {})
    return {"db": db, "root": root.resolve()}


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


EXPECTED = {
    "cfg-lib": "pkg:pypi/acme-cfg",  # setup.cfg [metadata] name
    "py-lib": "pkg:pypi/acme-py-lib",  # setup.py's literal setup(name=...)
    "url-lib": "pkg:pypi/acme-url",  # origin = an installed distribution's Project-URL
    "reg-lib": "pkg:pypi/acme-reg",  # origin = a registry package's repository URL
}


def test_each_checkout_has_the_package_it_publishes(linked: dict):
    found = dict(rows(linked["db"], "SELECT name, package_id FROM dim_repos"))
    assert found == EXPECTED | {"app": None}


@pytest.mark.parametrize("checkout", sorted(EXPECTED))
def test_a_depended_on_checkout_has_impact(linked: dict, checkout: str):
    (scored,) = rows(
        linked["db"],
        "SELECT dependents, impact FROM fct_repo_scores WHERE entity_id = ?",
        [f"local:{linked['root'] / checkout}"],
    )
    dependents, impact = scored
    assert dependents == 1  # app
    assert impact > 0


def test_a_published_package_is_scored_as_its_checkout_not_twice(linked: dict):
    packages = rows(
        linked["db"],
        "SELECT package_id, local_repo_id FROM dim_packages WHERE package_id IN ?",
        [list(EXPECTED.values())],
    )
    assert {p: r for p, r in packages} == {
        package: f"local:{linked['root'] / checkout}" for checkout, package in EXPECTED.items()
    }
    scored = rows(
        linked["db"],
        "SELECT entity_id FROM fct_priority WHERE entity_id IN ?",
        [list(EXPECTED.values())],
    )
    assert scored == []


def test_a_linked_checkout_depends_on_things_as_its_package(linked: dict):
    edges = rows(
        linked["db"],
        "SELECT DISTINCT source_id FROM int_graph_edges WHERE target_id = 'pkg:pypi/attrs'",
    )
    assert sorted(edges) == sorted((package,) for package in EXPECTED.values())
