"""The simulator keeps its own contract: schemathesis finds no violation; models match the schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from integrations.tamin import models

CONTRACT = Path(__file__).resolve().parents[2] / "integrations" / "tamin" / "openapi.yaml"
SPEC = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))

schema = schemathesis.openapi.from_path(CONTRACT)
schema.config.generation.update(max_examples=6, modes=[schemathesis.GenerationMode.POSITIVE], deterministic=True)
schema.config.phases.update(phases=["examples", "fuzzing"])


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_simulator_conforms_to_its_contract(case: schemathesis.Case, sim_url: str) -> None:
    case.call_and_validate(base_url=sim_url, checks=[not_a_server_error, response_schema_conformance,
                                                     status_code_conformance])


def test_contract_is_openapi_3_1_version_1() -> None:
    assert SPEC["openapi"].startswith("3.1") and SPEC["info"]["version"] == "1.0.0"
    assert all(path.startswith("/v1/") for path in SPEC["paths"])


@pytest.mark.parametrize("name", [n for n in SPEC["components"]["schemas"] if hasattr(models, n)])
def test_model_fields_match_the_contract(name: str) -> None:
    component = SPEC["components"]["schemas"][name]
    model = getattr(models, name)
    assert set(component["properties"]) == set(model.model_fields), name
    required = {f for f, info in model.model_fields.items() if info.is_required()}
    assert required <= set(component.get("required", [])), name


def test_every_operation_is_called_by_the_client() -> None:
    source = (CONTRACT.parent / "client.py").read_text(encoding="utf-8")
    for path in SPEC["paths"]:
        head = path.split("{")[0]
        assert f'"{head}' in source or f'f"{head}' in source, path
