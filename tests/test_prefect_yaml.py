"""Every deployment in prefect.yaml points at a real flow and passes parameters it accepts."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

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


def test_every_flow_module_has_a_deployment():
    flow_files = {p.name for p in (ROOT / "flows").glob("*.py") if "@flow(" in p.read_text()}
    deployed = {d["entrypoint"].split(":")[0].removeprefix("flows/") for d in DEPLOYMENTS}
    assert flow_files == deployed
