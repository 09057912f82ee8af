"""Where the registries are: asked of the user's own pip and npm configuration."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tasks.registries.endpoints import (
    first_goproxy,
    go_proxy_url,
    npm_registry_url,
    npmrc_registry,
    pip_config_index,
    pypi_index_url,
    registry_url,
)
from tasks.registries.models import RegistryNotConfigured


def test_pip_index_url_from_the_environment_first() -> None:
    env = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple/ http://other/"}
    assert pypi_index_url(env) == "http://127.0.0.1:9/simple/"


def test_pip_configuration_as_pip_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = http://127.0.0.1:9/mirror/simple\n")
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert pypi_index_url(python=sys.executable) == "http://127.0.0.1:9/mirror/simple"


def test_pip_default_index_when_nothing_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from pip._internal.models.index import PyPI

    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")  # pip then reads no config file
    assert pypi_index_url() == PyPI.simple_url


def test_pip_config_listing_precedence() -> None:
    listing = (
        "global.index-url='http://global/simple'\n"
        "install.index-url='http://install/simple'\n"
        ":env:.cert='/etc/ssl/x.pem'\n"
    )
    assert pip_config_index(listing) == "http://install/simple"
    assert pip_config_index(listing + ":env:.index-url='http://env/simple'\n") == (
        "http://env/simple"
    )
    assert pip_config_index(":env:.cert='x'\n") is None


def test_npm_registry_from_env_and_npmrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert npm_registry_url({"npm_config_registry": "http://127.0.0.1:9/npm/"}) == (
        "http://127.0.0.1:9/npm/"
    )
    assert npmrc_registry("@acme:registry=http://scoped/\nregistry = http://r/\n") == "http://r/"
    (tmp_path / ".npmrc").write_text("registry=http://127.0.0.1:9/npm/\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("npm_config_registry", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    # npm itself (when installed) reads the project's .npmrc; without npm, the file is read
    assert npm_registry_url({}, cwd=tmp_path, home=tmp_path).rstrip("/") == (
        "http://127.0.0.1:9/npm"
    )


@pytest.mark.skipif(shutil.which("go") is not None, reason="go env would answer")
def test_go_proxy_from_goproxy_then_the_setting() -> None:
    assert first_goproxy("direct") is None
    assert first_goproxy("off") is None
    assert first_goproxy("http://a/,direct") == "http://a/"
    assert first_goproxy("http://a|http://b") == "http://a"
    assert go_proxy_url("http://setting", {"GOPROXY": "http://env,direct"}) == "http://env"
    assert go_proxy_url("http://setting", {"GOPROXY": "direct"}) == "http://setting"
    with pytest.raises(RegistryNotConfigured, match="GOPROXY"):
        go_proxy_url(None, {})


def test_crates_has_no_default() -> None:
    with pytest.raises(RegistryNotConfigured, match=r"registries\.crates_url"):
        registry_url("cargo")
    assert registry_url("cargo", crates_setting="http://127.0.0.1:9/crates") == (
        "http://127.0.0.1:9/crates"
    )
