"""The registry clients against registry-shaped servers on 127.0.0.1: records, dependency
kinds, faults (502, 429 with Retry-After, truncated bodies, 404) and conditional re-reads."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path

import httpx
import pytest

from tasks.http.conditional_get import ConditionalGet
from tasks.http.retry_after import retry_after
from tasks.registries.crates import CratesClient
from tasks.registries.dependents import EcosystemsDependents
from tasks.registries.endpoints import crates_url, credentials_for, public_url
from tasks.registries.fetch import RegistryTarget, fetch_package
from tasks.registries.go import GoProxyClient, escape_path
from tasks.registries.http import RegistryHttp, RegistryTiming, http_client
from tasks.registries.models import NotFound, RegistryError, RegistryNotConfigured, UnknownPackage
from tasks.registries.npm import NpmClient, document_url
from tasks.registries.pypi import PyPIClient, json_api_root
from tests.fakes.registry_servers import RegistryServer
from warehouse.io import store
from warehouse.io.http_cache import HttpCache
from warehouse.io.registry_store import RegistryStore

FAST = RegistryTiming(timeout_s=5, backoff_s=0.01, max_backoff_s=0.05, retry_after_cap_s=0.2)

GO_MOD = """\
module github.com/Acme/Tool

go 1.22

require github.com/spf13/cobra v1.8.0

require (
\tgithub.com/BurntSushi/toml v1.3.2 // indirect
\tgolang.org/x/sys v0.20.0
)
"""


@pytest.fixture
def server():
    with RegistryServer() as fake:
        yield fake


def http_for(ecosystem: str, db: Path | None = None, timing: RegistryTiming = FAST):
    client = http_client(timing)
    return RegistryHttp(ecosystem, client, HttpCache(db) if db else None, timing)


def add_pypi_a(server: RegistryServer) -> None:
    server.add_pypi("A", "0.9", ["old-dep"])
    server.add_pypi(
        "A",
        "1.0",
        [
            "B>=1.0",
            "c; python_version < '3.8'",
            "pytest>=8; extra == 'test'",
            "rich; extra == 'cli' or extra == 'all'",
        ],
        repository="https://github.com/acme/a",
    )
    server.add_pypi("A", "2.0b1", ["future"])


def test_pypi_reads_the_latest_wheel_metadata_and_the_json_api(server: RegistryServer) -> None:
    add_pypi_a(server)
    http = http_for("pypi")
    record = PyPIClient(f"{server.base}/simple/", http).package("a")
    assert (record.name, record.version) == ("a", "1.0")  # not the pre-release, not 0.9
    assert record.summary == "A, a package (JSON API)"
    assert record.repository_url == "https://github.com/acme/a"
    edges = {(d.name, d.kind, d.extra, d.constraint) for d in record.dependencies}
    assert edges == {
        ("B", "runtime", "", ">=1.0"),
        ("c", "runtime", "", ""),
        ("pytest", "dev", "test", ">=8"),
        ("rich", "optional", "all", ""),
        ("rich", "optional", "cli", ""),
    }
    # the simple page, one metadata file, the JSON API: no wheel is downloaded
    assert http.usage.requests == 3
    files = [path for path, _ in server.requests if path.startswith("/files/")]
    assert files == ["/files/A-1.0-py3-none-any.whl.metadata"]


def test_pypi_without_a_json_api_uses_the_metadata_file(server: RegistryServer) -> None:
    add_pypi_a(server)
    server.json_api = False
    record = PyPIClient(f"{server.base}/simple", http_for("pypi")).package("A")
    assert record.summary == "A, a package" and record.license == "MIT"
    assert record.repository_url == "https://github.com/acme/a"
    assert server.count("/pypi/a/json", 404) == 1


def test_pypi_without_pep658_metadata_falls_back_to_requires_dist_of_the_json_api(
    server: RegistryServer,
) -> None:
    server.add_pypi("plain", "3.1", ["six"], metadata=False)
    record = PyPIClient(f"{server.base}/simple/", http_for("pypi")).package("plain")
    assert [d.name for d in record.dependencies] == ["six"]
    assert server.count("/files/") == 0


def test_unknown_package_is_a_clear_error(server: RegistryServer) -> None:
    with pytest.raises(UnknownPackage, match="nope not found"):
        PyPIClient(f"{server.base}/simple/", http_for("pypi")).package("nope")
    with pytest.raises(UnknownPackage):
        NpmClient(f"{server.base}/npm", http_for("npm")).package("nope")


def test_faults_are_retried_and_a_re_read_costs_only_304s(
    server: RegistryServer, tmp_path: Path
) -> None:
    add_pypi_a(server)
    server.fault("/simple/a/", "502", ("429", 0.05))
    server.fault("/files/A-1.0-py3-none-any.whl.metadata", "truncate")  # sha256 mismatch
    server.fault("/pypi/a/json", "truncate")  # invalid JSON
    db = tmp_path / "w.duckdb"
    first = http_for("pypi", db)
    record = PyPIClient(f"{server.base}/simple/", first).package("a")
    assert record.version == "1.0" and len(record.dependencies) == 5
    assert first.usage.requests == 7 and first.usage.not_modified == 0  # 3 + 502, 429, 2 cut
    assert server.count("/simple/a/", 429) == 1 and server.count("/simple/a/", 502) == 1

    again = http_for("pypi", db)
    assert PyPIClient(f"{server.base}/simple/", again).package("a") == record
    assert again.usage.requests == 3 and again.usage.not_modified == 3
    assert server.count("", 304) == 3


def test_a_registry_that_keeps_failing_gives_up_with_the_reason(server: RegistryServer) -> None:
    server.add_npm("left-pad", "1.3.0")
    server.fault("/npm/left-pad", *["502"] * 3)
    timing = FAST.model_copy(update={"max_retries": 2})
    with pytest.raises(RegistryError, match=r"failed after 3 attempt.*HTTP 502"):
        NpmClient(f"{server.base}/npm", http_for("npm", timing=timing)).package("left-pad")


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert retry_after("3", 60) == 3.0
    assert retry_after("120", 60) == 60.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 60) == 0.0  # in the past
    assert retry_after("soon", 60) is None and retry_after(None, 60) is None
    # one helper for every client; a "-0000" zone parses to a naive datetime, which the four
    # old copies could not subtract from an aware one and so ignored
    assert retry_after("Wed, 21 Oct 2015 07:28:00 -0000", 60) == 0.0
    assert retry_after("5") == 5.0 and retry_after("inf", 60) is None


def test_a_404_after_the_first_document_is_an_error_not_an_unknown_package(
    server: RegistryServer,
) -> None:
    add_pypi_a(server)
    server.fault("/files/A-1.0-py3-none-any.whl.metadata", "404")
    with pytest.raises(NotFound, match="HTTP 404") as raised:
        PyPIClient(f"{server.base}/simple/", http_for("pypi")).package("a")
    assert not isinstance(raised.value, UnknownPackage)

    server.add_crate("serde", "1.0.0", [])
    server.fault("/crates/api/v1/crates/serde/1.0.0/dependencies", "404")
    with pytest.raises(NotFound) as raised:
        CratesClient(f"{server.base}/crates", http_for("cargo")).package("serde")
    assert not isinstance(raised.value, UnknownPackage)

    server.add_go("github.com/Acme/Tool", "v1.4.0", GO_MOD)
    server.fault("/go/github.com/!acme/!tool/@v/v1.4.0.mod", "404")
    with pytest.raises(NotFound, match=r"go\.mod") as raised:
        GoProxyClient(f"{server.base}/go", http_for("golang")).package("github.com/Acme/Tool")
    assert not isinstance(raised.value, UnknownPackage)


def test_text_that_is_not_utf8_fails_at_once_with_a_clear_message(
    server: RegistryServer,
) -> None:
    server.add_go("github.com/Acme/Tool", "v1.4.0", GO_MOD)
    path = "/go/github.com/!acme/!tool/@v/v1.4.0.mod"
    server.fault(path, ("raw", b"module github.com/Acme/Tool\n// caf\xe9\n"))
    with pytest.raises(RegistryError, match=r"not UTF-8 text at .*v1\.4\.0\.mod") as raised:
        GoProxyClient(f"{server.base}/go", http_for("golang")).package("github.com/Acme/Tool")
    assert "attempt" not in str(raised.value)
    assert server.count(path) == 1  # not retried: the same bytes would come back


def test_conditional_get_sends_validators_back_and_reuses_the_body_on_304(
    server: RegistryServer, tmp_path: Path
) -> None:
    server.add_npm("left-pad", "1.3.0")
    cache, url = HttpCache(tmp_path / "w.duckdb"), f"{server.base}/npm/left-pad"
    with httpx.Client() as client:
        fresh = ConditionalGet(cache, url)
        assert fresh.headers() == {}
        first = client.get(url, headers=fresh.headers())
        assert not fresh.not_modified(first)
        fresh.remember(first, first.json())
        again = ConditionalGet(cache, url)
        assert again.headers()["If-None-Match"] == first.headers["etag"]
        answer = client.get(url, headers=again.headers())
    assert again.not_modified(answer) and again.stored == first.json()
    assert server.count("/npm/left-pad", 304) == 1


def test_the_warehouse_is_not_held_while_a_retry_waits(
    server: RegistryServer, tmp_path: Path
) -> None:
    add_pypi_a(server)
    server.fault("/simple/a/", ("429", 1))
    timing = FAST.model_copy(update={"retry_after_cap_s": 1.0})
    target = RegistryTarget(ecosystem="pypi", base_url=f"{server.base}/simple/")
    db = tmp_path / "w.duckdb"
    RegistryStore(db).start("crawl", "pypi", ["a"])
    outcomes = []
    worker = threading.Thread(
        target=lambda: outcomes.append(
            fetch_package.fn(db, "crawl", target, "a", 0, 0, ["runtime"], timing)
        )
    )
    worker.start()
    for _ in range(500):  # until the 429 is answered: the fetch now waits for Retry-After
        if server.count("/simple/a/", 429):
            break
        time.sleep(0.01)
    with store.quiesced(db):  # waits for every open connection of this process
        answered_after_the_wait = server.count("/simple/a/", 200)
    worker.join()
    assert answered_after_the_wait == 0  # no connection was held across the wait
    assert outcomes[0].landed
    with store.connect(db, read_only=True) as con:  # the cache writes landed with the package
        (cached,) = con.execute("SELECT count(*) FROM raw_http_cache").fetchone()
    assert cached == 3


def test_credentials_are_taken_out_of_the_url_and_sent_as_auth() -> None:
    secret = "http://robot:s%40cret@127.0.0.1:9/simple/"
    assert public_url(secret) == "http://127.0.0.1:9/simple/"
    assert public_url("http://127.0.0.1:9/simple/") == "http://127.0.0.1:9/simple/"
    auth = credentials_for("pypi", "http://127.0.0.1:9/simple", environ={"PIP_INDEX_URL": secret})
    request = next(auth.auth_flow(httpx.Request("GET", "http://127.0.0.1:9/simple/a/")))
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"robot:s@cret").decode()
    elsewhere = next(auth.auth_flow(httpx.Request("GET", "http://127.0.0.2:9/deps/lookup")))
    assert "Authorization" not in elsewhere.headers  # the dependents service gets none
    other = credentials_for("pypi", "http://127.0.0.1:8/simple", environ={"PIP_INDEX_URL": secret})
    assert other is None  # another registry gets none


def test_npm_document_kinds_and_scoped_names(server: RegistryServer) -> None:
    server.add_npm(
        "@acme/web",
        "2.1.0",
        repository="git+https://github.com/acme/web.git",
        dependencies={"react": "^18.0.0", "fsevents": "^2.3.0"},
        devDependencies={"jest": "^29.0.0"},
        peerDependencies={"react-dom": "^18.0.0"},
        optionalDependencies={"fsevents": "^2.3.0"},
    )
    assert document_url("http://r/", "@acme/web") == "http://r/@acme%2Fweb"
    record = NpmClient(f"{server.base}/npm/", http_for("npm")).package("@acme/web")
    assert record.version == "2.1.0"
    assert record.repository_url == "git+https://github.com/acme/web.git"
    kinds = {(d.name, d.kind, d.constraint) for d in record.dependencies}
    assert kinds == {
        ("react", "runtime", "^18.0.0"),
        ("jest", "dev", "^29.0.0"),
        ("react-dom", "peer", "^18.0.0"),
        ("fsevents", "optional", "^2.3.0"),
    }


def test_crates_kinds_and_the_missing_setting(server: RegistryServer) -> None:
    server.add_crate(
        "serde_json",
        "1.0.120",
        [
            ("serde", "^1.0", "normal", False),
            ("indexmap", "^2", "normal", True),
            ("serde_derive", "^1", "dev", False),
            ("cc", "^1", "build", False),
        ],
    )
    record = CratesClient(f"{server.base}/crates", http_for("cargo")).package("Serde_JSON")
    assert (record.name, record.version, record.license) == (
        "serde_json",
        "1.0.120",
        "MIT OR Apache-2.0",
    )
    kinds = {(d.name, d.kind) for d in record.dependencies}
    assert kinds == {
        ("serde", "runtime"),
        ("indexmap", "optional"),
        ("serde_derive", "dev"),
        ("cc", "build"),
    }
    with pytest.raises(RegistryNotConfigured, match=r"set registries\.crates_url"):
        crates_url(None)


def test_go_proxy_reads_go_mod_of_the_latest_version(server: RegistryServer) -> None:
    server.add_go("github.com/Acme/Tool", "v1.4.0", GO_MOD)
    assert escape_path("github.com/Acme/Tool") == "github.com/!acme/!tool"
    record = GoProxyClient(f"{server.base}/go", http_for("golang")).package("github.com/Acme/Tool")
    assert record.version == "v1.4.0"
    assert record.repository_url == "https://github.com/Acme/Tool"
    kinds = {(d.name, d.kind, d.constraint) for d in record.dependencies}
    assert kinds == {
        ("github.com/spf13/cobra", "runtime", "v1.8.0"),
        ("github.com/BurntSushi/toml", "indirect", "v1.3.2"),
        ("golang.org/x/sys", "runtime", "v0.20.0"),
    }
    with pytest.raises(UnknownPackage):
        GoProxyClient(f"{server.base}/go", http_for("golang")).package("example.org/none")


def test_dependents_service(server: RegistryServer) -> None:
    server.add_dependents("pypi", "a", 420, "https://github.com/acme/a")
    client = EcosystemsDependents(f"{server.base}/deps/api/v1", http_for("pypi"))
    found = client.dependents("pypi", "a")
    assert (found.dependent_packages, found.dependent_repos) == (420, 4200)
    assert found.repository_url == "https://github.com/acme/a"
    assert client.dependents("pypi", "unknown").dependent_packages is None


def test_json_api_root() -> None:
    assert json_api_root("http://h/simple/") == "http://h"
    assert json_api_root("http://h/mirror/simple") == "http://h/mirror"
    assert json_api_root("http://h/index") == "http://h/index"
