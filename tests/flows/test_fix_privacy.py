"""`globallm fix` through the privacy gate: a repository with secrets of several kinds and an
opted-out file, a recording OpenAI-compatible server on 127.0.0.1, and what reached it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from flows.cli.main import app
from tests.fakes.openai_server import Reply, ScriptedServer, completion
from tests.gitrepos import CommitSpec, git, make_repo
from warehouse.io import store

AWS_ID = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # pragma: allowlist secret
GITHUB = "ghp_R4nd0mT0k3nValu3F0rT3st1ng0000000000"  # pragma: allowlist secret
DB_PASSWORD = "n0t-a-real-Passw0rd"  # pragma: allowlist secret
PRIVATE_MARK = "proprietary pricing model 7f3e"
KEY_LINE = "MIIEowIBAAKCAQEAtestkeymaterial0123456789"  # pragma: allowlist secret

INIT = f'''"""calc: tiny arithmetic."""

AWS_ACCESS_KEY_ID = "{AWS_ID}"
AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"
GITHUB_TOKEN = "{GITHUB}"
DATABASE_URL = "postgres://calc:{DB_PASSWORD}@db.internal:5432/calc"


def add(a, b):
    return a - b
'''
PRIVATE = f'''# NO_LLM: this module stays in the company
"""{PRIVATE_MARK}."""


def price(x):
    return x * 3
'''
TESTS = """from calc import add


def test_add():
    assert add(2, 3) == 5
"""

runner = CliRunner()


def make_secret_repo(root: Path) -> Path:
    bare = root / "remotes" / "calc.git"
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare", "-b", "main")
    files = {
        "src/calc/__init__.py": INIT,
        "src/calc/private.py": PRIVATE,
        "deploy/key.pem": f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_LINE}\n-----END RSA PRIVATE KEY",
        "vendor/.globallm-no-llm": "",
        "vendor/blob.py": "VENDORED = True\n",
        "tests/test_calc.py": TESTS,
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    }
    repo = make_repo(root / "work" / "calc", [CommitSpec("Ann", 3, files)], remote=str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")
    return repo


def fix_answer(search: str, replace: str, path: str = "src/calc/__init__.py") -> dict:
    edits = {"edits": [{"path": path, "search": search, "replace": replace}]}
    return completion(json.dumps(edits | {"summary": "add adds", "confidence": 0.9}))


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch):
    with ScriptedServer() as scripted:
        monkeypatch.setenv("GLOBALLM_LLM_BASE_URL", scripted.base_url)
        monkeypatch.setenv("GLOBALLM_LLM_API_KEY", "sk-privacy-test")  # pragma: allowlist secret
        monkeypatch.setenv("GLOBALLM_LLM__MODEL", "test-model")
        monkeypatch.setenv("GLOBALLM_MERGE__MIN_CONFIDENCE", "0.6")
        yield scripted


def run_fix(db: Path, repo: Path, *files: str, dry_run: bool = False):
    args = ["--db", str(db), "fix", "--issue-url", "https://example.test/calc/issues/1"]
    args += ["--dry-run"] if dry_run else []
    args += ["--title", "add() subtracts", "--body", "add(2, 3) gives -1", "--path", str(repo)]
    for rel in files:
        args += ["--file", rel]
    return runner.invoke(app, args)


def rows(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_no_secret_and_no_opted_out_file_reaches_the_model_and_the_fix_still_lands(
    prefect_server, llm_server, tmp_path
):
    repo = make_secret_repo(tmp_path)
    # The model edits right below a redacted line and copies its placeholder, as models do.
    llm_server.script(
        Reply(
            body=fix_answer(
                'DATABASE_URL = "postgres://calc:<SECRET_4>@db.internal:5432/calc"\n\n\n'
                "def add(a, b):\n    return a - b",
                'DATABASE_URL = "postgres://calc:<SECRET_4>@db.internal:5432/calc"\n\n\n'
                "def add(a, b):\n    return a + b",
            )
        )
    )
    db = tmp_path / "w.duckdb"
    files = ["src/calc/__init__.py", "src/calc/private.py", "deploy/key.pem", "vendor/blob.py"]
    result = run_fix(db, repo, *files)
    assert result.exit_code == 0, result.output

    sent = json.dumps([seen.body for seen in llm_server.requests])
    assert len(llm_server.requests) == 1  # only __init__.py was asked about
    for value in (AWS_ID, AWS_SECRET, GITHUB, DB_PASSWORD, KEY_LINE, PRIVATE_MARK, "VENDORED"):
        assert value not in sent
    prompt = llm_server.requests[0].body["messages"][1]["content"]
    assert 'AWS_ACCESS_KEY_ID = "<SECRET_1>"' in prompt and "def add(a, b)" in prompt
    assert 'DATABASE_URL = "postgres://calc:<SECRET_4>@db.internal' in prompt

    # The fix arrived, and the secrets in the file are the real ones again.
    merged = git(
        repo,
        "--git-dir",
        str(tmp_path / "remotes" / "calc.git"),
        "show",
        "main:src/calc/__init__.py",
    )
    assert "return a + b" in merged and DB_PASSWORD in merged and GITHUB in merged

    items = dict(rows(db, "SELECT file_path, status || ': ' || reason FROM ledger_plan_items"))
    assert items["src/calc/__init__.py"].startswith("MERGED")
    assert items["src/calc/private.py"].startswith("SKIPPED: opted out of LLM requests: NO_LLM")
    assert (
        items["deploy/key.pem"]
        == "SKIPPED: excluded from LLM requests by the llm.exclude glob '*.pem'"
    )
    assert (
        items["vendor/blob.py"] == "SKIPPED: excluded from LLM requests by vendor/.globallm-no-llm"
    )

    ((count, kinds, prompt_text),) = rows(
        db, "SELECT secrets_redacted, secret_kinds, prompt_text FROM ledger_llm_calls"
    )
    assert count == 4
    assert json.loads(kinds) == {
        "AWS Access Key": 2,
        "Basic Auth Credentials": 1,
        "GitHub Token": 1,
    }
    for value in (AWS_ID, AWS_SECRET, GITHUB, DB_PASSWORD):
        assert value not in prompt_text
    ledger_text = json.dumps(rows(db, "SELECT * FROM ledger_llm_calls"), default=str)
    assert AWS_SECRET not in ledger_text and GITHUB not in ledger_text

    # The secrets travel to the apply step as SecretStr: Prefect records '**********'.
    with get_client(sync_client=True) as client:
        recorded = json.dumps([run.parameters for run in client.read_flow_runs()], default=str)
    assert "**********" in recorded
    for value in (AWS_ID, AWS_SECRET, GITHUB, DB_PASSWORD):
        assert value not in recorded


def test_an_edit_with_a_placeholder_it_was_never_given_fails_that_file(
    prefect_server, llm_server, tmp_path
):
    repo = make_secret_repo(tmp_path)
    llm_server.script(
        Reply(
            body=fix_answer(
                "def add(a, b):\n    return a - b", 'def add(a, b):\n    return "<SECRET_9>"'
            )
        )
    )
    db = tmp_path / "w.duckdb"
    result = run_fix(db, repo, "src/calc/__init__.py")
    assert result.exit_code == 0, result.output
    ((status, reason),) = rows(db, "SELECT status, reason FROM ledger_plan_items")
    assert status == "FAILED" and "<SECRET_9>" in reason and "never sent" in reason
    assert rows(db, "SELECT count(*) FROM ledger_changes") == [(0,)]


def test_the_same_fix_again_is_answered_from_the_cache_and_says_so(
    prefect_server, llm_server, tmp_path
):
    repo = make_secret_repo(tmp_path)
    fix = fix_answer("def add(a, b):\n    return a - b", "def add(a, b):\n    return a + b")
    llm_server.script(Reply(body=fix))
    db = tmp_path / "w.duckdb"
    first = run_fix(db, repo, "src/calc/__init__.py", dry_run=True)
    assert first.exit_code == 0, first.output
    assert "LLM: 1 request(s), 1,500 tokens" in first.output
    again = run_fix(db, repo, "src/calc/__init__.py", dry_run=True)
    assert again.exit_code == 0, again.output
    assert len(llm_server.requests) == 1  # the second run asked nobody
    assert "LLM: 1 request(s) (1 answered from the cache), 0 tokens" in again.output
    calls = rows(db, "SELECT cache_hit, tokens_in FROM ledger_llm_calls ORDER BY called_at")
    assert calls == [(False, 1200), (True, 0)]
