"""The one configuration model of globallm.

Only entrypoints (the CLI, flow defaults, the app) read it; flows and tasks receive plain
values. Precedence, highest first: CLI flags (init kwargs), environment (`GLOBALLM_*`, nested
keys joined with `__`; then the older names in `LEGACY_ENV`, e.g. GITHUB_API_URL),
`./globallm.yaml`, `~/.config/globallm/config.yaml`, defaults.

Secrets (GITHUB_TOKEN, GLOBALLM_LLM_API_KEY / OPENAI_API_KEY) are not settings: they stay in
the environment, read only by the task that uses them (`SECRETS` names them so `config --show`
can say "set" or "not set" and `config --set` can refuse them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from fixers.gate import MergePolicy
from scoring.health import HealthConfig
from scoring.impact import ImpactConfig
from scoring.priority import PriorityWeights
from scoring.redundancy import RedundancyConfig
from tasks.github.http import TOKEN_ENV, GitHubEndpoint
from tasks.llm.endpoint import API_KEY_ENV, LlmEndpoint, LlmPolicy

PROJECT_CONFIG_NAME = "globallm.yaml"
DEFAULT_DB = Path(".globallm/warehouse.duckdb")


class _Section(BaseModel):
    """A config section: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class FilterSettings(_Section):
    """Which projects are worth crawling (stars OR dependents)."""

    min_stars: int = Field(1000, ge=0)
    min_dependents: int = Field(100, ge=0)


class UrgencySettings(_Section):
    """Category multipliers for issue urgency. Read by the work queue (fct_issue_priority)."""

    security: float = 10.0
    bug: float = 5.0
    feature: float = 2.0


class RiskSettings(_Section):
    """Complexity bounds of the risk levels; above `high_max` is CRITICAL. Read by the work queue
    (fct_issue_priority's risk and decision)."""

    low_max: int = Field(3, ge=1, le=10)
    medium_max: int = Field(5, ge=1, le=10)
    high_max: int = Field(7, ge=1, le=10)


class BudgetSettings(_Section):
    """Spending limits over the current week (since Monday 00:00 UTC); 0 is no limit.

    `globallm budget` and the app's Overview show what is spent against each (scoring/budget.py
    has the rules) and the solve loop enforces them. `issues_per_repo` also sets how many open
    issues fct_priority averages a repository's urgency and solvability over."""

    tokens_per_repo: int = Field(100_000, ge=0)
    seconds_per_repo: int = Field(3600, ge=0)
    issues_per_language: int = Field(50, ge=0)
    issues_per_repo: int = Field(5, ge=0)
    tokens_per_week: int = Field(5_000_000, ge=0)


class TriageSettings(_Section):
    """Triage (`globallm triage`, `issues`, `discover`): whether the offline classifier blends
    in MiniLM sentence embeddings, cached per issue version (auto: when the `embeddings` extra
    is installed; minilm: fail without it; off: TF-IDF only). Runs started without the CLI
    (deployments) take GLOBALLM_TRIAGE__EMBEDDINGS, else auto."""

    embeddings: Literal["auto", "minilm", "off"] = "auto"


class SolveSettings(_Section):
    """The solve loop (`globallm solve`, `run --solve N`, the solve-nightly deployment): how many
    issues a run takes, how many repositories at once, and where a repository without a
    workspace checkout is cloned from (`{repo}` is OWNER/NAME: a mirror, GitHub Enterprise,
    or a folder of bare repositories)."""

    top: int = Field(5, ge=1)
    concurrency: int = Field(1, ge=1)
    clone_url_template: str = "https://github.com/{repo}.git"


class CrawlSettings(_Section):
    """Local crawl limits."""

    skip_dirs: list[str] = [
        ".git",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".globallm",
        "site-packages",
        "dist",
        "build",
        "target",
    ]
    max_file_bytes: int = Field(2_000_000, gt=0)
    include_environment: bool = True


class GitHubSettings(GitHubEndpoint):
    """GitHub's endpoint (`api_url`, `graphql_url` (empty: beside `api_url`), `timeout_s` and
    the retry and wait limits: tasks/github/http.py's defaults, github.com), the request budget
    shared by every process of a crawl, and what `globallm run` crawls. The token is
    GITHUB_TOKEN, environment only."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    requests_per_second: float = Field(10.0, ge=0)  # 0: unpaced
    # languages `globallm run` discovers (incrementally after the first discovery)
    languages: list[str] = Field(default_factory=lambda: ["python"])
    max_issues: int = Field(5, ge=1)  # open issues `globallm run` reads per repository

    def endpoint(self) -> GitHubEndpoint:
        """The endpoint part, the value flows pass to GitHub tasks."""
        return GitHubEndpoint(**self.model_dump(include=set(GitHubEndpoint.model_fields)))


class LlmSettings(LlmEndpoint, LlmPolicy):
    """The OpenAI-compatible endpoint `globallm fix` asks (tasks/llm/client.py's defaults): no
    `base_url` and no API key means no LLM. The key is GLOBALLM_LLM_API_KEY or OPENAI_API_KEY,
    environment only. Also what the privacy gate lets out (tasks/llm/gate.py), the pacing and
    prices, and how long prompts, answers and cached answers are kept."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    def endpoint(self) -> LlmEndpoint:
        """The value `globallm fix` passes to the fix flow."""
        return LlmEndpoint(**self.model_dump(include=set(LlmEndpoint.model_fields)))

    def policy(self) -> LlmPolicy:
        """The privacy gate's and the retention's values, for the fix flow."""
        return LlmPolicy(**self.model_dump(include=set(LlmPolicy.model_fields)))


class RegistrySettings(_Section):
    """Package registries. PyPI and npm come from pip's and npm's own configuration; crates,
    the Go proxy (when GOPROXY and `go env` name none) and the dependents service have no
    default: each is off until its base URL is set."""

    crates_url: str | None = None  # the crates API root (site or .../api/v1)
    go_proxy_url: str | None = None  # a Go module proxy (GOPROXY wins when set)
    dependents_url: str | None = None  # the ecosyste.ms packages API root (.../api/v1)
    requests_per_second: float = Field(10.0, ge=0)  # per registry, across processes; 0: unpaced


class Settings(BaseSettings):
    """Every threshold, weight and budget of globallm, and where the warehouse lives."""

    model_config = SettingsConfigDict(
        env_prefix="GLOBALLM_", env_nested_delimiter="__", extra="forbid"
    )

    db: Path = DEFAULT_DB
    top: int = Field(20, ge=1)
    filter: FilterSettings = FilterSettings()
    health: HealthConfig = HealthConfig()
    impact: ImpactConfig = ImpactConfig()
    priority: PriorityWeights = PriorityWeights()
    urgency: UrgencySettings = UrgencySettings()
    risk: RiskSettings = RiskSettings()
    merge: MergePolicy = MergePolicy()
    budgets: BudgetSettings = BudgetSettings()
    solve: SolveSettings = SolveSettings()
    triage: TriageSettings = TriageSettings()
    crawl: CrawlSettings = CrawlSettings()
    github: GitHubSettings = GitHubSettings()
    llm: LlmSettings = LlmSettings()
    redundancy: RedundancyConfig = RedundancyConfig()
    registries: RegistrySettings = RegistrySettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return tuple(source for _, source in named_sources(settings_cls, init_settings))


# Environment names older than this model, still honoured below GLOBALLM_<SECTION>__<KEY>
# (the first one set wins); `config --show` names the one that gave a value.
LEGACY_ENV: dict[str, tuple[str, str]] = {
    "GITHUB_API_URL": ("github", "api_url"),
    "GITHUB_GRAPHQL_URL": ("github", "graphql_url"),
    "GLOBALLM_LLM_BASE_URL": ("llm", "base_url"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "GLOBALLM_LLM_MODEL": ("llm", "model"),
}

# Secrets: environment only, never a setting, a file, a flow parameter or a shown value.
SECRETS: dict[str, tuple[str, ...]] = {
    "github.token": (TOKEN_ENV,),
    "llm.api_key": API_KEY_ENV,
}


class LegacyEnvSource(PydanticBaseSettingsSource):
    """The `LEGACY_ENV` variables as nested settings (empty values ignored)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def origins(self) -> dict[str, str]:
        """Dotted key -> the variable that gives it."""
        found: dict[str, str] = {}
        for name, (section, key) in LEGACY_ENV.items():
            if os.environ.get(name, "").strip():
                found.setdefault(f"{section}.{key}", name)
        return found

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for dotted, name in self.origins().items():
            section, key = dotted.split(".")
            data.setdefault(section, {})[key] = os.environ[name].strip()
        return data


def secret_rows() -> list[tuple[str, str, str]]:
    """(key, "set" or "not set", origin) per secret; the value itself is never read out."""
    rows = []
    for key, names in SECRETS.items():
        given = next((n for n in names if os.environ.get(n, "").strip()), None)
        origin = f"env {given}" if given else f"environment only ({' or '.join(names)})"
        rows.append((key, "set" if given else "not set", origin))
    return rows


def project_config_path() -> Path:
    """`./globallm.yaml`, relative to where the command runs."""
    return Path.cwd() / PROJECT_CONFIG_NAME


def user_config_path() -> Path:
    """`~/.config/globallm/config.yaml` (or under `$XDG_CONFIG_HOME`)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "globallm" / "config.yaml"


def _tilde(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if text.startswith(home + os.sep) else text


def named_sources(
    settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource
) -> list[tuple[str, PydanticBaseSettingsSource]]:
    """The sources in precedence order, each with the label `config --show` prints."""
    from pydantic_settings import EnvSettingsSource

    return [
        ("cli", init_settings),
        ("env", EnvSettingsSource(settings_cls)),
        ("env", LegacyEnvSource(settings_cls)),
        (f"./{PROJECT_CONFIG_NAME}", YamlConfigSettingsSource(settings_cls, project_config_path())),
        (_tilde(user_config_path()), YamlConfigSettingsSource(settings_cls, user_config_path())),
    ]


def load_settings(**cli_overrides: Any) -> Settings:
    """Settings with CLI overrides on top; `None` overrides mean "flag not given"."""
    return Settings(**{k: v for k, v in cli_overrides.items() if v is not None})


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping; an absent or empty file is an empty mapping."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping of config keys")
    return data


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def explain(cli_overrides: dict[str, Any] | None = None) -> list[tuple[str, Any, str]]:
    """Each effective value as (dotted key, value, origin), origin being the winning source."""
    overrides = {k: v for k, v in (cli_overrides or {}).items() if v is not None}
    effective = _flatten(load_settings(**overrides).model_dump(mode="json"))
    layers = [("cli", _flatten(overrides))]
    for label, source in named_sources(Settings, _NoSource(Settings))[1:]:
        if isinstance(source, LegacyEnvSource):
            layers += [(f"env {name}", {key: True}) for key, name in source.origins().items()]
        else:
            layers.append((label, _flatten(source())))
    rows = []
    for key, value in effective.items():
        origin = next((label for label, layer in layers if key in layer), "default")
        rows.append((key, value, origin))
    origins = {key: origin for key, _, origin in rows}
    if origins["github.graphql_url"] == "default" != origins["github.api_url"]:
        rows = [
            (k, v, "beside github.api_url" if k == "github.graphql_url" else o) for k, v, o in rows
        ]
    return rows + secret_rows()


class _NoSource(PydanticBaseSettingsSource):
    """Stands in for the init source where only the file and env layers are wanted."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {}


class ConfigKeyError(ValueError):
    """A dotted key that names no setting."""


def _check_key(parts: list[str]) -> None:
    model: type[BaseModel] = Settings
    for depth, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            known = ", ".join(sorted(model.model_fields))
            where = ".".join(parts[:depth]) or "the top level"
            raise ConfigKeyError(f"unknown key {'.'.join(parts)!r}: {where} has {known}")
        annotation = field.annotation
        is_section = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        last = depth == len(parts) - 1
        if is_section and last:
            raise ConfigKeyError(f"{'.'.join(parts)!r} is a section; set one of its keys")
        if not is_section and not last:
            raise ConfigKeyError(f"{'.'.join(parts[: depth + 1])!r} has no sub-keys")
        if is_section:
            model = annotation


def set_project_value(assignment: str, path: Path | None = None) -> tuple[str, Any]:
    """Validate `key=value` and write it into `./globallm.yaml`; the file is unchanged on error."""
    if "=" not in assignment:
        raise ConfigKeyError(f"expected KEY=VALUE, got {assignment!r}")
    key, raw = (part.strip() for part in assignment.split("=", 1))
    if key in SECRETS:
        names = " or ".join(SECRETS[key])
        raise ConfigKeyError(
            f"{key} is a secret: set {names} in the environment; secrets are never written "
            "to a configuration file"
        )
    parts = key.split(".")
    _check_key(parts)
    target = path or project_config_path()
    data = read_yaml_mapping(target)
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = yaml.safe_load(raw) if raw else ""
    validated = Settings.model_validate(data)  # raises pydantic.ValidationError
    value = validated.model_dump(mode="json")
    for part in parts:
        value = value[part]
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return key, value
