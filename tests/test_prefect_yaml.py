"""Every deployment in prefect.yaml points at a real flow and passes parameters it accepts."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint
from pydantic import BaseModel

from flows.github_crawl import GitHubCrawlParams
from flows.pipeline import PipelineParams
from flows.redundancy import redundancy_flow
from flows.registry_crawl import RegistryCrawlParams
from flows.score import Scoring
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_deployment_entrypoint_and_parameters(deployment: dict):
    flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
    given = deployment.get("parameters", {})
    signature = inspect.signature(flow.fn).parameters
    assert set(given) <= set(signature)  # no parameter the flow does not take
    required = {n for n, p in signature.items() if p.default is inspect.Parameter.empty}
    if required <= set(given):  # complete deployments must validate as they stand
        assert set(given) <= set(flow.validate_parameters(given))
    assert deployment["work_pool"]["name"] == "globallm"
    hints = typing.get_type_hints(flow.fn)
    for name, value in given.items():  # a parameter model's nested mapping validates alone
        model = _model_of(hints.get(name))
        if model is not None and value is not None:
            model.model_validate(value)


# A flow with more optional (configuration-like) parameters than this takes one typed parameter
# model instead; the ledger's `parent_run_id` aside.
MAX_OPTIONAL_PARAMETERS = 6
# A name part that says "secret" (`github.token`, `api_key`); `tokens_per_minute` is a count.
SECRET_NAME = re.compile(r"(?:^|[._])(?:token|api_key|password|secrets?)(?:$|[._])", re.I)


def _model_of(annotation) -> type[BaseModel] | None:
    """The pydantic model a resolved annotation names (`Model` or `Model | None`)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _field_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        names.append(prefix + name)
        nested = _model_of(field.annotation)
        if nested is not None:
            names += _field_names(nested, f"{prefix}{name}.")
    return names


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_flows_take_few_parameters_and_never_a_secret(deployment: dict):
    flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
    hints = typing.get_type_hints(flow.fn)
    signature = inspect.signature(flow.fn).parameters
    optional = [
        n
        for n, p in signature.items()
        if p.default is not inspect.Parameter.empty and n != "parent_run_id"
    ]
    assert len(optional) <= MAX_OPTIONAL_PARAMETERS, f"{flow.name}: use a parameter model"
    names = list(signature)
    for name in signature:
        model = _model_of(hints.get(name))
        if model is not None:
            names += _field_names(model, f"{name}.")
    leaked = [n for n in names if SECRET_NAME.search(n)]
    assert leaked == [], "a secret would be stored with the flow run: read it in the task"


def test_parameter_models_default_to_the_settings_defaults():
    settings = Settings.model_construct()  # the model's defaults, no file or environment
    pipeline, github = PipelineParams(), GitHubCrawlParams()
    assert pipeline.crawl == settings.crawl and pipeline.scoring.health == settings.health
    assert (pipeline.scoring.impact, pipeline.scoring.priority) == (
        settings.impact,
        settings.priority,
    )
    assert github.endpoint == settings.github.endpoint()
    assert (github.languages, github.max_issues) == (
        settings.github.languages,
        settings.github.max_issues,
    )
    assert github.requests_per_second == settings.github.requests_per_second
    assert (github.min_stars, github.min_dependents) == (
        settings.filter.min_stars,
        settings.filter.min_dependents,
    )
    scoring = Scoring(health=settings.health, impact=settings.impact, priority=settings.priority)
    assert github.scoring == scoring and github.rank is False
    registry = RegistryCrawlParams()
    assert registry.scoring == scoring and registry.rank is False
    assert registry.requests_per_second == settings.registries.requests_per_second
    assert (registry.dependents_url, registry.crates_url, registry.go_proxy_url) == (
        settings.registries.dependents_url,
        settings.registries.crates_url,
        settings.registries.go_proxy_url,
    )
    max_file_bytes = inspect.signature(redundancy_flow.fn).parameters["max_file_bytes"].default
    assert max_file_bytes == settings.crawl.max_file_bytes


def test_every_flow_module_has_a_deployment():
    flow_files = {p.name for p in (ROOT / "flows").glob("*.py") if "@flow(" in p.read_text()}
    deployed = {d["entrypoint"].split(":")[0].removeprefix("flows/") for d in DEPLOYMENTS}
    assert flow_files == deployed
