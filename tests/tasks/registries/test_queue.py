"""The registry crawl's queue on a real DuckDB warehouse in tmp: named by the crawl's arguments,
read level by level, dropped when the crawl finishes."""

from __future__ import annotations

from pathlib import Path

from tasks.registries.fetch import RegistryTarget
from tasks.registries.queue import crawl_id_for, finish_crawl, pending_packages, start_crawl
from warehouse.io import store
from warehouse.io.registry_store import PackageRow, RegistryStore

TARGET = RegistryTarget(ecosystem="pypi", base_url="https://index.example/simple")


def test_the_same_arguments_name_the_same_crawl() -> None:
    one = crawl_id_for(TARGET, ["b", "a"], 2, ["runtime", "dev"])
    assert one == crawl_id_for(TARGET, ["a", "b"], 2, ["dev", "runtime"])
    assert one != crawl_id_for(TARGET, ["a", "b"], 1, ["dev", "runtime"])
    other = TARGET.model_copy(update={"base_url": "https://mirror.example/simple"})
    assert one != crawl_id_for(other, ["a", "b"], 2, ["dev", "runtime"])


def test_a_queue_is_started_once_read_by_level_and_dropped_at_the_end(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert start_crawl.fn(db, "c1", "pypi", ["b", "a"]) is False
    assert start_crawl.fn(db, "c1", "pypi", ["z"]) is True  # resumed: the seeds stay
    assert pending_packages.fn(db, "c1") == (0, ["a", "b"])
    package = PackageRow(
        ecosystem="pypi", name="a", version="1.0", registry_url=TARGET.base_url,
        **dict.fromkeys(["summary", "license", "repository_url", "homepage",
                         "dependent_packages", "dependent_repos", "dependents_source"]),
    )  # fmt: skip
    RegistryStore(db).land("c1", package, [], ["c"], 0)
    assert pending_packages.fn(db, "c1") == (0, ["b"])
    RegistryStore(db).fail("c1", "pypi", "b", "boom")
    assert pending_packages.fn(db, "c1") == (1, ["c"])
    RegistryStore(db).fail("c1", "pypi", "c", "boom")
    assert pending_packages.fn(db, "c1") == (-1, [])
    assert finish_crawl.fn(db, "c1") == {"done": 1, "failed": 2}
    with store.connect(db) as con:
        assert con.execute("SELECT count(*) FROM raw_registry_crawl_queue").fetchone() == (0,)
