"""Configuration precedence, provenance and validated writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ValidationError

import settings as config


def _user_file(value: dict) -> Path:
    path = config.user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(value))
    return path


def test_defaults_match_the_design():
    s = config.load_settings()
    assert s.db == Path(".globallm/warehouse.duckdb")
    assert (s.priority.health, s.priority.impact, s.priority.redundancy) == (1.0, 1.5, -0.5)
    assert s.merge.min_confidence == 0.8 and s.merge.auto_merge_risks == ["LOW", "MEDIUM"]
    assert s.budgets.tokens_per_repo == 100_000 and s.budgets.tokens_per_week == 5_000_000


def test_precedence_cli_over_env_over_project_over_user(monkeypatch):
    _user_file({"filter": {"min_stars": 1, "min_dependents": 7}, "top": 3})
    Path("globallm.yaml").write_text(yaml.safe_dump({"filter": {"min_stars": 2}, "top": 4}))
    assert config.load_settings().filter.min_stars == 2
    assert config.load_settings().filter.min_dependents == 7  # untouched keys fall through
    monkeypatch.setenv("GLOBALLM_FILTER__MIN_STARS", "3")
    assert config.load_settings().filter.min_stars == 3
    assert config.load_settings(top=9).top == 9
    assert config.load_settings(top=None).top == 4  # a flag not given is no override


def test_globallm_db_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("GLOBALLM_DB", str(tmp_path / "x.duckdb"))
    assert config.load_settings().db == tmp_path / "x.duckdb"
    assert config.load_settings(db=Path("y.duckdb")).db == Path("y.duckdb")


def test_explain_names_the_winning_source(monkeypatch):
    user = _user_file({"health": {"weight_ci": 0.25}})
    Path("globallm.yaml").write_text("filter:\n  min_stars: 5\n")
    monkeypatch.setenv("GLOBALLM_TOP", "7")
    origins = {key: (value, origin) for key, value, origin in config.explain({"db": "z.duckdb"})}
    assert origins["db"] == ("z.duckdb", "cli")
    assert origins["top"] == (7, "env")
    assert origins["filter.min_stars"] == (5, "./globallm.yaml")
    assert origins["health.weight_ci"] == (0.25, str(user))
    assert origins["impact.pagerank_damping"] == (0.85, "default")


def test_set_writes_a_validated_value():
    key, value = config.set_project_value("filter.min_stars=2000")
    assert (key, value) == ("filter.min_stars", 2000)
    assert yaml.safe_load(Path("globallm.yaml").read_text()) == {"filter": {"min_stars": 2000}}
    config.set_project_value("priority.impact=2.5")
    assert config.load_settings().priority.impact == 2.5
    assert config.load_settings().filter.min_stars == 2000


@pytest.mark.parametrize(
    ("assignment", "error"),
    [
        ("filter.min_starz=3", config.ConfigKeyError),
        ("nope=1", config.ConfigKeyError),
        ("filter=3", config.ConfigKeyError),
        ("top.x=3", config.ConfigKeyError),
        ("filter.min_stars=lots", ValidationError),
        ("impact.pagerank_damping=1.5", ValidationError),
        ("merge.auto_merge_risks=[CRITICAL]", ValidationError),
        ("no-equals-sign", config.ConfigKeyError),
    ],
)
def test_bad_set_leaves_the_file_unchanged(assignment, error):
    Path("globallm.yaml").write_text("top: 4\n")
    with pytest.raises(error):
        config.set_project_value(assignment)
    assert Path("globallm.yaml").read_text() == "top: 4\n"


def test_unknown_key_in_a_config_file_is_an_error():
    Path("globallm.yaml").write_text("filter:\n  min_starz: 5\n")
    with pytest.raises(ValidationError):
        config.load_settings()


def test_github_request_rate_from_env_and_project_file(monkeypatch):
    assert config.load_settings().github.requests_per_second == 10.0
    Path(config.PROJECT_CONFIG_NAME).write_text(
        yaml.safe_dump({"github": {"requests_per_second": 2.5}})
    )
    assert config.load_settings().github.requests_per_second == 2.5
    monkeypatch.setenv("GLOBALLM_GITHUB__REQUESTS_PER_SECOND", "0")
    assert config.load_settings().github.requests_per_second == 0.0
    monkeypatch.setenv("GLOBALLM_GITHUB__REQUESTS_PER_SECOND", "-1")
    with pytest.raises(ValidationError):
        config.load_settings()


# --- every key is read by the code it names ------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
# Keys not read yet (none today); nothing else may lack a reader.
NOT_YET_WIRED: set[str] = set()
# Sections whose reader takes every field at once (weighted_mean over the dumped weights).
READ_WHOLE = {"priority": ("scoring/priority.py", "weights.model_dump()")}


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def _code(*folders: str) -> dict[str, str]:
    files = [ROOT / "app.py"] + [p for f in folders for p in (ROOT / f).rglob("*.py")]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files}


def _is_read(key: str, code: dict[str, str], entrypoints: str) -> bool:
    """Read when an entrypoint reaches its section (`settings.<section>`) and some code reads
    the key itself: as an attribute (`x.<leaf>`, not its declaration), by a name built from a
    listed suffix (`getattr(config, f"weight_{name}")`), or with its whole section."""
    section, _, leaf = key.rpartition(".")
    if not section:
        return re.search(rf"\bsettings\.{leaf}\b", entrypoints) is not None
    if re.search(rf"\bsettings\.{section}\b", entrypoints) is None:
        return False
    if section in READ_WHOLE:
        path, call = READ_WHOLE[section]
        return call in code[path]
    attribute = re.compile(rf"\.{leaf}\b")
    for text in code.values():
        if attribute.search(text):
            return True
        for prefix in re.findall(r'getattr\(\w+, f"(\w+)\{', text):
            if leaf.startswith(prefix) and f'"{leaf.removeprefix(prefix)}"' in text:
                return True
    return False


def test_every_setting_has_a_reader_and_the_unwired_list_tells_the_truth():
    code = _code("flows", "tasks", "scoring", "fixers", "warehouse", "app_pages")
    entrypoints = "\n".join(
        text for path, text in code.items() if path == "app.py" or path.startswith("flows/")
    )
    keys = _keys(config.Settings)
    unread = [k for k in keys if k not in NOT_YET_WIRED and not _is_read(k, code, entrypoints)]
    assert unread == [], "wire these keys to the code they name, or delete them"
    wired = [k for k in NOT_YET_WIRED if _is_read(k, code, entrypoints)]
    assert wired == [], "these are read now: take them off NOT_YET_WIRED"
    assert set(keys) >= NOT_YET_WIRED


# --- endpoints and secrets ------------------------------------------------------------------


def test_endpoints_come_from_the_settings_under_their_old_names_too(monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.acme.example/api/v3")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("GLOBALLM_LLM_MODEL", "qwen2.5-coder")
    Path("globallm.yaml").write_text(yaml.safe_dump({"llm": {"price_per_1k_in": 0.5}}))
    s = config.load_settings()
    assert s.github.api_url == "https://ghe.acme.example/api/v3"
    assert s.github.graphql_url == "https://ghe.acme.example/api/graphql"  # beside it
    assert (s.llm.base_url, s.llm.model, s.llm.price_per_1k_in) == (
        "http://127.0.0.1:9/v1",
        "qwen2.5-coder",
        0.5,
    )
    origins = {key: origin for key, _, origin in config.explain()}
    assert origins["github.api_url"] == "env GITHUB_API_URL"
    assert origins["llm.base_url"] == "env OPENAI_BASE_URL"
    assert origins["llm.price_per_1k_in"] == "./globallm.yaml"
    assert origins["github.timeout_s"] == "default"
    # the GLOBALLM_ names win over the older ones; GLOBALLM_LLM_BASE_URL over OPENAI_BASE_URL
    monkeypatch.setenv("GLOBALLM_LLM_BASE_URL", "http://127.0.0.1:8/v1")
    monkeypatch.setenv("GLOBALLM_GITHUB__API_URL", "https://other.example/api/v3")
    s = config.load_settings()
    assert (s.llm.base_url, s.github.api_url) == (
        "http://127.0.0.1:8/v1",
        "https://other.example/api/v3",
    )
    endpoint = s.github.endpoint()
    assert type(endpoint).__name__ == "GitHubEndpoint" and endpoint.api_url == s.github.api_url


def test_secrets_stay_in_the_environment_and_are_never_shown(monkeypatch):
    token, key = "ghp_shown_never_0123456789", "sk-never-shown-42"  # pragma: allowlist secret
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.delenv("GLOBALLM_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    rows = {k: (value, origin) for k, value, origin in config.explain()}
    assert rows["github.token"] == ("set", "env GITHUB_TOKEN")
    assert rows["llm.api_key"] == ("set", "env OPENAI_API_KEY")
    assert token not in str(rows) and key not in str(rows)
    for secret in ("github.token", "llm.api_key"):
        with pytest.raises(config.ConfigKeyError, match=r"is a secret: set .* in the environment"):
            config.set_project_value(f"{secret}=abc")
    assert not Path("globallm.yaml").exists()
    Path("globallm.yaml").write_text(yaml.safe_dump({"github": {"token": token}}))
    with pytest.raises(ValidationError):  # not a setting: a file cannot hold it
        config.load_settings()
    Path("globallm.yaml").unlink()
    monkeypatch.delenv("OPENAI_API_KEY")
    rows = {k: (value, origin) for k, value, origin in config.explain()}
    assert rows["llm.api_key"][0] == "not set" and "environment only" in rows["llm.api_key"][1]


def test_config_show_lists_the_endpoints_and_refuses_to_set_a_secret(monkeypatch):
    from typer.testing import CliRunner

    from flows.cli.main import app

    token = "ghp_cli_never_shown_0123456789"  # pragma: allowlist secret
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", "https://ghe.acme.example/api/graphql")
    runner = CliRunner()
    shown = runner.invoke(app, ["config", "--show"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    for key in ("github.api_url", "github.graphql_url", "github.timeout_s", "llm.base_url"):
        assert key in shown.output
    assert "llm.model" in shown.output and "llm.price_per_1k_out" in shown.output
    assert "env GITHUB_GRAPHQL_URL" in shown.output and "github.token" in shown.output
    assert token not in shown.output
    refused = runner.invoke(app, ["config", "--set", "github.token=abc"])
    assert refused.exit_code == 2 and "secret" in refused.output
    assert not Path("globallm.yaml").exists()
