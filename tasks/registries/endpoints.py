"""Where each registry is: the index the user's own tools are configured with, never a host
written here. Called by entrypoints (the CLI), which pass the result to the flow as values, and
by the `registry-endpoint` task when a flow is given no URL (a deployment run).

- PyPI: `PIP_INDEX_URL`, else pip's configuration as pip itself reports it (`pip config
  list`), else pip's own default index (taken from the installed pip).
- npm: `npm_config_registry`, else `npm config get registry` (npm reads every .npmrc), else a
  `registry=` line of the project's or the home folder's `.npmrc`.
- Go: the first proxy of `GOPROXY`, else `go env GOPROXY`, else the `registries.go_proxy_url`
  setting. crates: the `registries.crates_url` setting only.

A configured URL may carry credentials (`https://user:TOKEN@host/simple`): `public_url` is the
URL without them, the only form that becomes a flow parameter, a column or a message, and
`credentials_for` finds them again inside the task that sends the requests (as httpx auth).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.registries.models import RegistryNotConfigured

_PIP_KEYS = (":env:.index-url", "install.index-url", "global.index-url")


def _run(argv: list[str], timeout: float = 30.0) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def pip_config_index(listing: str) -> str | None:
    """The index-url of `pip config list` output (env over the install and global sections)."""
    values: dict[str, str] = {}
    for line in listing.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    return next((values[key] for key in _PIP_KEYS if values.get(key)), None)


def pypi_index_url(environ: Mapping[str, str] | None = None, python: str | None = None) -> str:
    """The simple index pip installs from."""
    env = os.environ if environ is None else environ
    if env.get("PIP_INDEX_URL", "").strip():
        return env["PIP_INDEX_URL"].split()[0]
    listing = _run([python or sys.executable, "-m", "pip", "config", "list"])
    configured = pip_config_index(listing or "")
    if configured:
        return configured.split()[0]
    try:
        from pip._internal.models.index import PyPI  # pip's own default, not written here
    except ImportError as error:
        raise RegistryNotConfigured("no pip to ask for its index: set PIP_INDEX_URL") from error
    return PyPI.simple_url


def npmrc_registry(text: str) -> str | None:
    """The `registry=` line of an .npmrc (scoped `@scope:registry=` lines are left out)."""
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == "registry" and value.strip():
            return value.strip().strip("'\"")
    return None


def npm_registry_url(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None, home: Path | None = None
) -> str:
    """The registry npm installs from."""
    env = os.environ if environ is None else environ
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        if env.get(name, "").strip():
            return env[name].strip()
    npm = shutil.which("npm")
    answer = _run([npm, "config", "get", "registry"]) if npm else None
    if answer and answer.strip().startswith("http"):
        return answer.strip()
    for folder in (cwd or Path.cwd(), home or Path.home()):
        rc = folder / ".npmrc"
        if rc.is_file():
            found = npmrc_registry(rc.read_text(encoding="utf-8", errors="replace"))
            if found:
                return found
    raise RegistryNotConfigured("no npm registry configured: set npm_config_registry")


def first_goproxy(value: str) -> str | None:
    """The first real proxy of a GOPROXY list (`direct` and `off` are not proxies)."""
    for part in value.replace("|", ",").split(","):
        part = part.strip()
        if part and part not in ("direct", "off"):
            return part
    return None


def go_proxy_url(setting: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The Go module proxy: GOPROXY, then `go env GOPROXY`, then the setting."""
    env = os.environ if environ is None else environ
    found = first_goproxy(env.get("GOPROXY", ""))
    if found is None and shutil.which("go"):
        found = first_goproxy(_run(["go", "env", "GOPROXY"]) or "")
    found = found or setting
    if not found:
        raise RegistryNotConfigured("no Go proxy: set GOPROXY or registries.go_proxy_url")
    return found


def crates_url(setting: str | None) -> str:
    if not setting:
        raise RegistryNotConfigured("no crates registry: set registries.crates_url")
    return setting


def registry_url(
    ecosystem: str,
    crates_setting: str | None = None,
    go_setting: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The base URL of `ecosystem`'s registry (purl type), or RegistryNotConfigured."""
    if ecosystem == "pypi":
        return pypi_index_url(environ)
    if ecosystem == "npm":
        return npm_registry_url(environ)
    if ecosystem == "cargo":
        return crates_url(crates_setting)
    if ecosystem == "golang":
        return go_proxy_url(go_setting, environ)
    raise RegistryNotConfigured(f"unknown ecosystem {ecosystem!r}")


def public_url(url: str) -> str:
    """`url` without the user and password it may carry."""
    parts = urlsplit(url.strip())
    if parts.username is None and parts.password is None:
        return url.strip()
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit(parts._replace(netloc=netloc))


def _same_place(a: str, b: str) -> bool:
    return public_url(a).rstrip("/") == public_url(b).rstrip("/")


class RegistryAuth(httpx.Auth):
    """Basic auth for the registry's own origin only: the same client also asks the dependents
    service, which must not see the registry's credentials."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.origin = httpx.URL(base_url).copy_with(path="/", query=None, fragment=None)
        self.basic = httpx.BasicAuth(username, password)

    def auth_flow(self, request: httpx.Request):
        url = request.url
        if (url.scheme, url.host, url.port) == (
            self.origin.scheme,
            self.origin.host,
            self.origin.port,
        ):
            yield from self.basic.auth_flow(request)
        else:
            yield request


def credentials_for(
    ecosystem: str,
    base_url: str,
    crates_setting: str | None = None,
    go_setting: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> RegistryAuth | None:
    """The user and password the configured registry URL of `ecosystem` carries, when that
    URL is `base_url` (a crawl of another registry gets none); None when there are none."""
    try:
        configured = registry_url(ecosystem, crates_setting, go_setting, environ)
    except RegistryNotConfigured:
        return None
    parts = urlsplit(configured.strip())
    if parts.username is None or not _same_place(configured, base_url):
        return None
    return RegistryAuth(
        public_url(base_url), unquote(parts.username), unquote(parts.password or "")
    )


@task(name="registry-endpoint", cache_policy=NO_CACHE)
def find_registry(ecosystem: str, crates_url: str | None, go_proxy_url: str | None) -> str:
    """The registry the user's tools use for `ecosystem`, without credentials."""
    return public_url(registry_url(ecosystem, crates_url, go_proxy_url))
