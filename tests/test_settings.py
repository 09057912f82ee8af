"""Configuration precedence, provenance and validated writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

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
