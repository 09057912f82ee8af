"""A fake GitHub on 127.0.0.1: REST pull requests, requested reviewers and check runs, and a
GraphQL endpoint that validates every document against GitHub's published schema.

It keeps state (repositories and branches, pull requests, review requests, auto-merge), records
every request (method, path, query, headers, JSON body, the status it answered), and takes
scripted faults per endpoint, keyed "METHOD /route" ("POST /pulls", "GET /pulls",
"GET /pull" (one pull request by number), "POST /requested_reviewers", "GET /requested_reviewers",
"GET /check-runs", "POST /graphql"):
each request to that endpoint takes the next queued Fault. A Fault can carry the request out
first and then answer badly (`apply=True`: "the PR was created, but the answer was a 502"), wait
before answering (longer than the client's timeout: it times out), or refuse with a rate limit
that the endpoint then keeps enforcing until it expires (so a client that retries too early is
refused again, and `refused_early` counts it). `merge_pull` and `close_pull` play what GitHub
does later (auto-merge, a person closing it); `add_check_runs` sets a commit's checks.

The schema is `../shared/github/schema.graphql` beside the repository; it is never copied into
the project. `load_schema()` raises SchemaUnavailable (tests skip) when it or graphql-core is
missing, and builds the schema once per process (the file is 1.2 MB).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import itertools
import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

# ../shared beside the checkout; from a git worktree (../wt/<name>), the one further up.
_SCHEMA = "shared/github/schema.graphql"
_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = next(
    (folder / _SCHEMA for folder in _ROOT.parents if (folder / _SCHEMA).is_file()),
    _ROOT.parent / _SCHEMA,
)
DOCS = "https://docs.github.com/rest"


class SchemaUnavailable(RuntimeError):
    """GitHub's GraphQL schema (or graphql-core) is not available here."""


def _replace(node: Any, **changes: Any) -> Any:
    if dataclasses.is_dataclass(node):  # graphql-core 3.3: frozen dataclasses
        return dataclasses.replace(node, **changes)
    for name, value in changes.items():  # graphql-core 3.2: plain, mutable nodes
        setattr(node, name, value)
    return node


@functools.cache
def _load_schema(path: Path) -> Any:
    from graphql import build_ast_schema, parse
    from graphql.type import validate_schema

    document = parse(path.read_text(encoding="utf-8"), no_location=True)
    definitions = []
    for definition in document.definitions:  # drop repeated field definitions (README)
        fields = getattr(definition, "fields", None)
        if fields:
            unique = {f.name.value: f for f in reversed(fields)}  # the first definition wins
            kept = tuple(f for f in fields if unique[f.name.value] is f)
            if len(kept) < len(fields):
                definition = _replace(definition, fields=kept)
        definitions.append(definition)
    document = _replace(document, definitions=tuple(definitions))
    schema = build_ast_schema(document)  # validates the SDL: duplicates would fail here
    # graphql-core 3.3 added graphql-js 17's rule that an implementation field may be deprecated
    # only if its interface field is; GitHub's published schema breaks it in a dozen places.
    # Only that rule is waived: any other schema error still fails.
    waived = "is not deprecated, so implementation field"
    errors = [e for e in validate_schema(schema) if waived not in e.message]
    if errors:
        raise SchemaUnavailable(f"GitHub's GraphQL schema is invalid: {errors[0].message}")
    return build_ast_schema(document, assume_valid=True)  # query validation needs no re-check


def load_schema(path: Path = SCHEMA_PATH) -> Any:
    """GitHub's GraphQL schema as a graphql-core GraphQLSchema, built once per process."""
    if not path.is_file():
        raise SchemaUnavailable(f"GitHub's GraphQL schema not found at {path}: ../shared is absent")
    try:
        import graphql  # noqa: F401
    except ImportError as error:
        raise SchemaUnavailable(f"graphql-core is not installed: {error}") from None
    return _load_schema(path.resolve())


@dataclass
class Fault:
    """How the next request to one endpoint goes wrong. status None: the normal answer."""

    status: int | None = 502
    body: Any = None  # None: a GitHub-like body for the status
    headers: dict[str, str] = field(default_factory=dict)
    apply: bool = False  # carry the request out before answering with the fault
    delay_s: float = 0.0  # wait before answering (after carrying it out, when apply)
    retry_after_s: int | None = None  # send Retry-After and refuse until it has passed
    reset_in_s: float | None = None  # primary rate limit: 403, Remaining 0, Reset; refuse until


def gateway_error(status: int = 502, apply: bool = True) -> Fault:
    return Fault(status=status, body={"message": "Server Error"}, apply=apply)


def retry_after(seconds: int, status: int = 429) -> Fault:
    message = "You have exceeded a secondary rate limit. Please wait a few minutes."
    return Fault(
        status=status, body={"message": message, "documentation_url": DOCS}, retry_after_s=seconds
    )


def primary_rate_limit(reset_in_s: float = 1.0) -> Fault:
    message = "API rate limit exceeded for user ID 1."
    return Fault(
        status=403, body={"message": message, "documentation_url": DOCS}, reset_in_s=reset_in_s
    )


def graphql_errors(*errors: dict) -> Fault:
    return Fault(status=200, body={"data": None, "errors": list(errors)})


@dataclass
class Seen:
    method: str
    path: str
    route: str  # "METHOD /route", the key faults are scripted under
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: Any
    status: int = 0


@dataclass
class Repo:
    owner: str
    name: str
    branches: dict[str, str]
    allow_auto_merge: bool = True
    check_runs: dict[str, list[dict]] = field(default_factory=dict)
    issues: dict[int, dict] = field(default_factory=dict)


class GraphQLFailure(Exception):
    """An error a resolver reports the way GitHub does: with a `type`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


_REPO = r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ROUTES = [
    ("/pulls", re.compile(_REPO + r"/pulls$")),
    ("/pull", re.compile(_REPO + r"/pulls/(?P<number>\d+)$")),
    ("/requested_reviewers", re.compile(_REPO + r"/pulls/(?P<number>\d+)/requested_reviewers$")),
    ("/check-runs", re.compile(_REPO + r"/commits/(?P<ref>[^/]+)/check-runs$")),
    ("/issue", re.compile(_REPO + r"/issues/(?P<number>\d+)$")),
    ("/graphql", re.compile(r"^/graphql$")),
]


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class GitHubServer:
    """A stateful, scriptable fake GitHub; use as a context manager."""

    def __init__(self, token: str, schema: Any = None, login: str = "globallm-bot") -> None:
        self.token, self.schema, self.login = token, schema, login
        self.repos: dict[tuple[str, str], Repo] = {}
        self.pulls: list[dict] = []
        self.requests: list[Seen] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.blocked: dict[str, tuple[float, Fault]] = {}
        self.refused_early: list[Seen] = []
        self.invalid_queries: list[tuple[str, list[str]]] = []
        self.max_per_page = 100
        self.ids = itertools.count(1001)
        self.lock = threading.RLock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    def add_repo(self, owner: str, name: str, branches: dict[str, str] | None = None) -> Repo:
        repo = Repo(owner, name, dict(branches or {"main": "a" * 40}))
        self.repos[(owner, name)] = repo
        return repo

    def add_check_runs(self, owner: str, name: str, sha: str, runs: list[tuple]) -> None:
        """runs: (name, status, conclusion) for each check run of the commit."""
        self.repos[(owner, name)].check_runs[sha] = [
            {
                "id": next(self.ids),
                "name": run,
                "head_sha": sha,
                "status": status,
                "conclusion": conclusion,
                "app": {"slug": "github-actions"},
                "html_url": f"https://github.com/{owner}/{name}/runs/{i}",
            }
            for i, (run, status, conclusion) in enumerate(runs)
        ]

    def inject(self, route: str, *faults: Fault) -> None:
        """Queue faults for "METHOD /route"; each request there takes the next one."""
        self.faults[route].extend(faults)

    def seen(self, route: str) -> list[Seen]:
        return [s for s in self.requests if s.route == route]

    def __enter__(self) -> GitHubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- dispatch -----------------------------------------------------------------------

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for name, pattern in ROUTES:
            match = pattern.match(path)
            if match:
                return f"{method} {name}", {k: unquote(v) for k, v in match.groupdict().items()}
        return f"{method} {path}", {}

    def _fault_for(self, route: str, seen: Seen) -> Fault | None:
        until, refusal = self.blocked.get(route, (0.0, None))
        if refusal is not None and time.time() < until:
            self.refused_early.append(seen)
            return refusal
        queue = self.faults.get(route)
        fault = queue.popleft() if queue else None
        if fault and fault.retry_after_s is not None:
            self.blocked[route] = (time.time() + fault.retry_after_s, fault)
        if fault and fault.reset_in_s is not None:
            reset = math.ceil(time.time() + fault.reset_in_s)
            fault = dataclasses.replace(
                fault, headers={**fault.headers, "X-RateLimit-Reset": str(reset)}
            )
            self.blocked[route] = (float(reset), fault)
        return fault

    def _fault_answer(self, fault: Fault, route: str) -> tuple[int, Any, dict[str, str]]:
        headers = dict(fault.headers)
        if fault.retry_after_s is not None:
            left = self.blocked.get(route, (time.time(), None))[0] - time.time()
            headers["Retry-After"] = str(max(1, math.ceil(left)))
        if fault.reset_in_s is not None:
            headers |= {
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Used": "5000",
                "X-RateLimit-Resource": "core",
            }
        body = fault.body if fault.body is not None else {"message": f"HTTP {fault.status}"}
        return fault.status or 500, body, headers

    def handle(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes):
        parts = urlsplit(raw_path)
        route, args = self._route(method, parts.path)
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        seen = Seen(method, parts.path, route, parse_qs(parts.query), headers, payload)
        with self.lock:
            self.requests.append(seen)
            auth = headers.get("Authorization", "")
            if auth not in (f"Bearer {self.token}", f"token {self.token}"):
                message = "Bad credentials" if auth else "Requires authentication"
                seen.status = 401
                return 401, {"message": message, "documentation_url": DOCS}, {}
            fault = self._fault_for(route, seen)
            answer = None
            if fault is None or fault.apply or fault.status is None:
                answer = self._serve(route, args, seen)
        if fault is not None:
            time.sleep(fault.delay_s)
            if fault.status is not None:
                answer = self._fault_answer(fault, route)
        seen.status = answer[0]
        return answer

    def _serve(self, route: str, args: dict[str, str], seen: Seen):
        if route == "POST /graphql":
            return self._graphql(seen.json or {})
        repo = self.repos.get((args.get("owner", ""), args.get("repo", "")))
        handler = {
            "GET /pulls": self._list_pulls,
            "GET /pull": self._get_pull,
            "POST /pulls": self._create_pull,
            "GET /requested_reviewers": self._get_reviewers,
            "POST /requested_reviewers": self._request_reviewers,
            "GET /check-runs": self._check_runs,
            "GET /issue": self._issue,
        }.get(route)
        if handler is None or repo is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        return handler(repo, args, seen)

    # --- REST -----------------------------------------------------------------------------

    def add_issue(self, owner: str, name: str, number: int, title: str, body: str) -> dict:
        """An open issue, shaped as GET /repos/{owner}/{repo}/issues/{number} returns it."""
        issue = {
            "id": next(self.ids),
            "node_id": f"I_{number}",
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [],
            "comments": 0,
            "html_url": f"https://github.com/{owner}/{name}/issues/{number}",
            "user": {"login": "reporter"},
            "author_association": "NONE",
            "created_at": _now(),
            "updated_at": _now(),
        }
        self.repos[(owner, name)].issues[number] = issue
        return issue

    def _issue(self, repo: Repo, args: dict, seen: Seen):
        issue = repo.issues.get(int(args["number"]))
        if issue is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        return 200, issue, {}

    def _list_pulls(self, repo: Repo, args: dict, seen: Seen):
        query = {k: v[-1] for k, v in seen.query.items()}
        state, head, base = query.get("state", "open"), query.get("head"), query.get("base")
        found = [
            p
            for p in self.pulls
            if p["base"]["repo"]["full_name"] == f"{repo.owner}/{repo.name}"
            and (state == "all" or p["state"] == state)
            and (head is None or p["head"]["label"] == head)
            and (base is None or p["base"]["ref"] == base)
        ]
        return 200, found, {}

    def _create_pull(self, repo: Repo, args: dict, seen: Seen):
        body = seen.json or {}
        missing = [name for name in ("title", "head", "base") if not body.get(name)]
        head = str(body.get("head", ""))
        head_owner, _, head_ref = head.rpartition(":")
        head_owner = head_owner or repo.owner
        invalid = [
            name
            for name, ref in (("head", head_ref), ("base", body.get("base")))
            if ref and ref not in repo.branches
        ]
        if missing or invalid or head_owner != repo.owner:
            errors = [
                {"resource": "PullRequest", "field": n, "code": "missing_field"} for n in missing
            ]
            errors += [{"resource": "PullRequest", "field": n, "code": "invalid"} for n in invalid]
            return (
                422,
                self._validation_failed(
                    errors or [{"resource": "PullRequest", "field": "head", "code": "invalid"}]
                ),
                {},
            )
        label = f"{repo.owner}:{head_ref}"
        if any(  # per repository: two repositories of one owner may use the same branch
            p["base"]["repo"]["full_name"] == f"{repo.owner}/{repo.name}"
            and p["head"]["label"] == label
            and p["base"]["ref"] == body["base"]
            and p["state"] == "open"
            for p in self.pulls
        ):
            message = f"A pull request already exists for {label}."
            return (
                422,
                self._validation_failed(
                    [{"resource": "PullRequest", "code": "custom", "message": message}]
                ),
                {},
            )
        number = 1 + sum(
            p["base"]["repo"]["full_name"] == f"{repo.owner}/{repo.name}" for p in self.pulls
        )
        pull_id = next(self.ids)
        html = f"https://github.com/{repo.owner}/{repo.name}/pull/{number}"
        full = {
            "full_name": f"{repo.owner}/{repo.name}",
            "name": repo.name,
            "owner": {"login": repo.owner},
        }
        pull = {
            "id": pull_id,
            "node_id": "PR_" + base64.b64encode(f"0:{pull_id}".encode()).decode().rstrip("="),
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body.get("body"),
            "draft": bool(body.get("draft", False)),
            "html_url": html,
            "url": f"{self.base_url}/repos/{repo.owner}/{repo.name}/pulls/{number}",
            "user": {"login": self.login, "type": "Bot"},
            "head": {"label": label, "ref": head_ref, "sha": repo.branches[head_ref], "repo": full},
            "base": {
                "label": f"{repo.owner}:{body['base']}",
                "ref": body["base"],
                "sha": repo.branches[body["base"]],
                "repo": full,
            },
            "requested_reviewers": [],
            "requested_teams": [],
            "auto_merge": None,
            "merged": False,
            "merged_at": None,
            "merge_commit_sha": None,
            "closed_at": None,
            "created_at": _now(),
            "updated_at": _now(),
        }
        self.pulls.append(pull)
        return 201, pull, {"Location": pull["url"]}

    @staticmethod
    def _validation_failed(errors: list[dict]) -> dict:
        return {
            "message": "Validation Failed",
            "errors": errors,
            "status": "422",
            "documentation_url": f"{DOCS}/pulls/pulls#create-a-pull-request",
        }

    def _pull(self, repo: Repo, number: str) -> dict | None:
        full = f"{repo.owner}/{repo.name}"
        found = [
            p
            for p in self.pulls
            if p["base"]["repo"]["full_name"] == full and str(p["number"]) == number
        ]
        return found[0] if found else None

    def _get_pull(self, repo: Repo, args: dict, seen: Seen):
        pull = self._pull(repo, args["number"])
        if pull is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        return 200, pull, {}

    def _find_pull(self, owner: str, name: str, number: int) -> dict:
        found = self._pull(self.repos[(owner, name)], str(number))
        if found is None:
            raise KeyError(f"no pull request {owner}/{name}#{number}")
        return found

    def merge_pull(self, owner: str, name: str, number: int, merge_sha: str | None = None) -> dict:
        """Merge a pull request as GitHub's auto-merge would once its checks pass."""
        with self.lock:
            pull = self._find_pull(owner, name, number)
            now = _now()
            pull.update(
                state="closed",
                merged=True,
                merged_at=now,
                closed_at=now,
                updated_at=now,
                merge_commit_sha=merge_sha or "e" * 40,
                auto_merge=None,
            )
            return pull

    def close_pull(self, owner: str, name: str, number: int) -> dict:
        """Close a pull request unmerged, as a reviewer might."""
        with self.lock:
            pull = self._find_pull(owner, name, number)
            now = _now()
            pull.update(state="closed", closed_at=now, updated_at=now, auto_merge=None)
            return pull

    def _get_reviewers(self, repo: Repo, args: dict, seen: Seen):
        pull = self._pull(repo, args["number"])
        if pull is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        return 200, {"users": pull["requested_reviewers"], "teams": pull["requested_teams"]}, {}

    def _request_reviewers(self, repo: Repo, args: dict, seen: Seen):
        pull, body = self._pull(repo, args["number"]), seen.json or {}
        if pull is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        users, teams = list(body.get("reviewers") or []), list(body.get("team_reviewers") or [])
        if self.login in users:
            message = "Review cannot be requested from pull request author."
            return 422, {"message": message, "documentation_url": DOCS}, {}
        for login in users:
            if all(u["login"] != login for u in pull["requested_reviewers"]):
                pull["requested_reviewers"].append({"login": login, "type": "User"})
        for slug in teams:
            if all(t["slug"] != slug for t in pull["requested_teams"]):
                pull["requested_teams"].append({"slug": slug, "name": slug, "id": next(self.ids)})
        return 201, pull, {}

    def _check_runs(self, repo: Repo, args: dict, seen: Seen):
        runs = repo.check_runs.get(args["ref"], [])
        query = {k: v[-1] for k, v in seen.query.items()}
        size = max(1, min(int(query.get("per_page", 30)), self.max_per_page))
        page, last = int(query.get("page", 1)), max(1, math.ceil(len(runs) / size))
        body = {"total_count": len(runs), "check_runs": runs[(page - 1) * size : page * size]}

        def link(number: int, rel: str) -> str:
            query_string = urlencode(query | {"per_page": size, "page": number})
            return f'<{self.base_url}{seen.path}?{query_string}>; rel="{rel}"'

        links = [link(page + 1, "next"), link(last, "last")] if page < last else []
        links += [link(page - 1, "prev"), link(1, "first")] if page > 1 else []
        return 200, body, {"Link": ", ".join(links)} if links else {}

    # --- GraphQL --------------------------------------------------------------------------

    def _checked_document(self, body: dict) -> tuple[Any, tuple | None]:
        """The parsed query, or GitHub's answer refusing it (200 with `errors`, as GitHub
        answers a document its schema rejects); every refused query is kept for the tests."""
        from graphql import GraphQLError, parse, validate

        query = body.get("query") or ""
        try:
            document = parse(query)
        except GraphQLError as error:
            self.invalid_queries.append((query, [error.message]))
            return None, (200, {"errors": [error.formatted]}, {})
        errors = validate(self.schema, document)
        if errors:
            self.invalid_queries.append((query, [e.message for e in errors]))
            return None, (200, {"errors": [e.formatted for e in errors]}, {})
        return document, None

    def _graphql(self, body: dict):
        from graphql import execute

        if self.schema is None:
            return 500, {"message": "this fake GitHub was started without a GraphQL schema"}, {}
        document, refusal = self._checked_document(body)
        if refusal is not None:
            return refusal
        root = {
            "enablePullRequestAutoMerge": lambda info, input: self._enable_auto_merge(input),
            "node": lambda info, id: self._node(id),
        }
        result = execute(
            self.schema,
            document,
            root,
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = []
            for error in result.errors:
                formatted = dict(error.formatted)
                if isinstance(error.original_error, GraphQLFailure):
                    formatted["type"] = error.original_error.kind
                answer["errors"].append(formatted)
        return 200, answer, {}

    def _by_node(self, node_id: str) -> dict:
        for pull in self.pulls:
            if pull["node_id"] == node_id:
                return pull
        message = f"Could not resolve to a node with the global id of '{node_id}'."
        raise GraphQLFailure("NOT_FOUND", message)

    def _graphql_pull(self, pull: dict) -> dict:
        auto = pull["auto_merge"]
        return {
            "__typename": "PullRequest",
            "id": pull["node_id"],
            "number": pull["number"],
            "url": pull["html_url"],
            "state": "MERGED" if pull["merged"] else pull["state"].upper(),
            "headRefName": pull["head"]["ref"],
            "headRefOid": pull["head"]["sha"],
            "baseRefName": pull["base"]["ref"],
            "autoMergeRequest": None
            if auto is None
            else {
                "enabledAt": auto["enabled_at"],
                "mergeMethod": auto["merge_method"].upper(),
                "enabledBy": {"__typename": "Bot", "login": self.login},
                "pullRequest": lambda info: self._graphql_pull(pull),
            },
        }

    def _node(self, node_id: str) -> dict:
        return self._graphql_pull(self._by_node(node_id))

    def _enable_auto_merge(self, given: dict) -> dict:
        pull = self._by_node(given["pullRequestId"])
        owner, name = pull["base"]["repo"]["full_name"].split("/")
        if not self.repos[(owner, name)].allow_auto_merge:
            raise GraphQLFailure("UNPROCESSABLE", "Auto merge is not allowed for this repository")
        if pull["state"] != "open":
            raise GraphQLFailure("UNPROCESSABLE", "Pull request is not open")
        method = given.get("mergeMethod") or "MERGE"
        pull["auto_merge"] = {
            "enabled_by": {"login": self.login},
            "enabled_at": _now(),
            "merge_method": method.lower(),
            "commit_title": None,
        }
        return {
            "clientMutationId": given.get("clientMutationId"),
            "pullRequest": self._graphql_pull(pull),
        }

    # --- HTTP -----------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body, headers = server.handle(
                    self.command, self.path, dict(self.headers), raw
                )
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                try:
                    self.send_response(status)
                    base = {
                        "Content-Type": "application/json; charset=utf-8",
                        "X-GitHub-Api-Version-Selected": "2022-11-28",
                        "X-RateLimit-Limit": "5000",
                        "X-RateLimit-Remaining": "4999",
                        "X-RateLimit-Reset": str(int(time.time()) + 3600),
                    }
                    for name, value in (base | headers).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        return Handler
