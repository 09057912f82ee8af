"""Package registries on 127.0.0.1, one server with a path prefix per registry:

- `/simple/<name>/`: a PEP 503 index answering PEP 691 JSON (files with PEP 658/714
  `core-metadata`), the metadata files at `/files/<wheel>.metadata`, and the per-project JSON
  API at `/pypi/<name>/json` (switched off with `json_api = False`: then it answers 404);
- `/npm/<name>`: npm package documents (scoped names arrive as @scope%2Fname);
- `/crates/api/v1/crates/<name>[/<version>/dependencies]`: the crates API;
- `/go/<escaped module>/@latest` and `/@v/<version>.mod`: a Go module proxy;
- `/deps/api/v1/packages/lookup?purl=...`: an ecosyste.ms-shaped dependents service.

Every answer carries an ETag (and Last-Modified); a request sending the same ETag back gets
304. Faults queue per exact path: "502", ("429", seconds) with Retry-After, "truncate" (a
cut-off JSON body with a matching Content-Length), "404", ("raw", bytes) (a 200 with exactly
those bytes). Unknown names answer 404. `requests` logs (path, status) of every request,
`authorizations` the Authorization header each carried (None without one).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from packaging.utils import canonicalize_name

LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT"


class RegistryServer:
    def __init__(self) -> None:
        self.pypi: dict[str, dict[str, dict]] = {}  # name -> version -> {requires, summary...}
        self.npm: dict[str, dict] = {}
        self.crates: dict[str, dict] = {}
        self.go: dict[str, tuple[str, str]] = {}  # module -> (version, go.mod)
        self.dependents: dict[str, dict] = {}  # purl -> record
        self.json_api = True
        self.faults: dict[str, deque] = defaultdict(deque)
        self.requests: list[tuple[str, int]] = []
        self.authorizations: list[str | None] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    # -- data ---------------------------------------------------------------------------
    def add_pypi(
        self,
        name: str,
        version: str,
        requires: list[str] | None = None,
        summary: str | None = None,
        repository: str | None = None,
        metadata: bool = True,
    ) -> None:
        self.pypi.setdefault(canonicalize_name(name), {})[version] = {
            "name": name,
            "requires": list(requires or []),
            "summary": summary or f"{name}, a package",
            "repository": repository,
            "metadata": metadata,
        }

    def add_npm(self, name: str, version: str, repository: str | None = None, **sections) -> None:
        manifest = {"name": name, "version": version, "description": f"{name} for npm"}
        manifest |= {key: dict(value) for key, value in sections.items()}
        if repository:
            manifest["repository"] = {"type": "git", "url": repository}
        self.npm[name] = {
            "name": name,
            "dist-tags": {"latest": version},
            "versions": {"0.0.1": {"name": name, "version": "0.0.1"}, version: manifest},
        }

    def add_crate(self, name: str, version: str, deps: list[tuple[str, str, str, bool]]) -> None:
        """deps: (crate, req, kind normal|dev|build, optional)."""
        self.crates[name] = {
            "crate": {
                "name": name,
                "max_stable_version": version,
                "description": f"{name} crate",
                "repository": f"https://github.com/rust/{name}",
            },
            "versions": [{"num": version, "license": "MIT OR Apache-2.0"}],
            "deps": {
                version: [
                    {"crate_id": c, "req": r, "kind": k, "optional": o} for c, r, k, o in deps
                ]
            },
        }

    def add_go(self, module: str, version: str, go_mod: str) -> None:
        self.go[module] = (version, go_mod)

    def add_dependents(self, ecosystem: str, name: str, count: int, repository: str) -> None:
        self.dependents[f"pkg:{ecosystem}/{name}"] = {
            "name": name,
            "dependent_packages_count": count,
            "dependent_repos_count": count * 10,
            "repository_url": repository,
        }

    def fault(self, path: str, *faults: Any) -> None:
        self.faults[path].extend(faults)

    def count(self, prefix: str = "", status: int | None = None) -> int:
        with self.lock:
            return sum(
                1
                for path, code in self.requests
                if path.startswith(prefix) and (status is None or code == status)
            )

    # -- answers ------------------------------------------------------------------------
    def _pypi_page(self, name: str) -> dict | None:
        versions = self.pypi.get(canonicalize_name(name))
        if versions is None:
            return None
        files = []
        for version, info in versions.items():
            stem = f"{info['name'].replace('-', '_')}-{version}"
            wheel = {
                "filename": f"{stem}-py3-none-any.whl",
                "url": f"/files/{stem}-py3-none-any.whl",
            }
            if info["metadata"]:
                text = self._metadata(wheel["filename"]) or ""
                digest = {"sha256": hashlib.sha256(text.encode()).hexdigest()}
                wheel["core-metadata"] = wheel["data-dist-info-metadata"] = digest
            files += [wheel, {"filename": f"{stem}.tar.gz", "url": f"/files/{stem}.tar.gz"}]
        return {"meta": {"api-version": "1.1"}, "name": canonicalize_name(name), "files": files}

    def _pypi_info(self, name: str) -> tuple[str, dict] | None:
        versions = self.pypi.get(canonicalize_name(name))
        if not versions:
            return None
        version = max(versions, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))
        return version, versions[version]

    def _metadata(self, filename: str) -> str | None:
        for versions in self.pypi.values():
            for version, info in versions.items():
                if filename == f"{info['name'].replace('-', '_')}-{version}-py3-none-any.whl":
                    lines = [
                        "Metadata-Version: 2.3",
                        f"Name: {info['name']}",
                        f"Version: {version}",
                        f"Summary: {info['summary']}",
                        "License: MIT",
                    ]
                    if info["repository"]:
                        lines.append(f"Project-URL: Source, {info['repository']}")
                    lines += [f"Requires-Dist: {r}" for r in info["requires"]]
                    return "\n".join(lines) + "\n\n"
        return None

    def answer(self, path: str, query: dict[str, list[str]]) -> Any:
        """The body at `path` (dict/list: JSON, str: text), or None for 404."""
        parts = [unquote(p) for p in path.strip("/").split("/")]
        head = parts[0] if parts else ""
        if head == "simple" and len(parts) == 2:
            return self._pypi_page(parts[1])
        if head == "files" and len(parts) == 2 and parts[1].endswith(".metadata"):
            return self._metadata(parts[1].removesuffix(".metadata"))
        if head == "pypi" and len(parts) == 3 and parts[2] == "json" and self.json_api:
            found = self._pypi_info(parts[1])
            if found is None:
                return None
            version, info = found
            urls = {"Source": info["repository"]} if info["repository"] else {}
            return {"info": {"name": info["name"], "version": version,
                             "summary": info["summary"] + " (JSON API)", "license": "MIT",
                             "project_urls": urls, "requires_dist": info["requires"]}}  # fmt: skip
        if head == "npm" and len(parts) >= 2:
            return self.npm.get("/".join(parts[1:]))
        if head == "crates" and parts[1:4] == ["api", "v1", "crates"] and len(parts) >= 5:
            crate = self.crates.get(parts[4])
            if crate is None or len(parts) == 5:
                return {k: v for k, v in crate.items() if k != "deps"} if crate else None
            deps = crate["deps"].get(parts[5])
            return (
                {"dependencies": deps}
                if deps is not None and parts[6:] == ["dependencies"]
                else None
            )
        if head == "go" and ("@latest" in parts or "@v" in parts):
            return self._go(parts[1:])
        if head == "deps" and parts[-2:] == ["packages", "lookup"]:
            found = self.dependents.get((query.get("purl") or [""])[0])
            return [found] if found else []
        return None

    def _go(self, parts: list[str]) -> Any:
        marker = "@latest" if "@latest" in parts else "@v"
        at = parts.index(marker)
        module = "/".join(parts[:at])
        found = next((v for m, v in self.go.items() if _escape(m) == module), None)
        if found is None:
            return None
        version, go_mod = found
        if marker == "@latest":
            return {"Version": version, "Time": "2026-11-01T00:00:00Z"}
        return go_mod if parts[at + 1 :] == [f"{version}.mod"] else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                split = urlsplit(self.path)
                with server.lock:
                    queued = server.faults.get(split.path)
                    fault = queued.popleft() if queued else None
                    server.authorizations.append(self.headers.get("Authorization"))
                if fault == "404":
                    return self._send(404, b"{}", "application/json", split.path)
                if isinstance(fault, tuple) and fault[0] == "raw":
                    return self._send(200, fault[1], "text/plain", split.path)
                if fault == "502":
                    return self._send(502, b"bad gateway", "text/plain", split.path)
                if isinstance(fault, tuple) and fault[0] == "429":
                    extra = {"Retry-After": str(fault[1])}
                    return self._send(429, b"slow down", "text/plain", split.path, extra)
                body = server.answer(split.path, parse_qs(split.query))
                if body is None:
                    return self._send(
                        404, b'{"message": "Not Found"}', "application/json", split.path
                    )
                is_text = isinstance(body, str)
                data = body.encode() if is_text else json.dumps(body).encode()
                kind = "text/plain" if is_text else "application/json"
                if split.path.startswith("/simple/"):
                    kind = "application/vnd.pypi.simple.v1+json"
                etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                if fault == "truncate":
                    return self._send(200, data[: len(data) // 2], kind, split.path)
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", kind, split.path, {"ETag": etag})
                headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
                self._send(200, data, kind, split.path, headers)

            def _send(self, status, data, kind, path, headers=None) -> None:
                with server.lock:
                    server.requests.append((path, status))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if status != 304:
                    self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> RegistryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _escape(module: str) -> str:
    return "".join("!" + c.lower() if c.isupper() else c for c in module)


@contextmanager
def pip_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[RegistryServer]:
    """A fake PyPI that pip's own configuration names (PIP_INDEX_URL), as a user's would."""
    with RegistryServer() as server:
        monkeypatch.setenv("PIP_INDEX_URL", f"{server.base}/simple/")
        yield server
