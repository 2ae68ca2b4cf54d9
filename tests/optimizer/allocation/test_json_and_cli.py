"""The schema files match the models, and `relief allocate` writes a valid plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from optimizer.allocation.io import PlanDoc, json_schema

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = Path(__file__).with_name("example_problem.json")


@pytest.mark.parametrize("kind", ["problem", "plan"])
def test_schema_file_is_the_one_the_models_generate(kind: str) -> None:
    path = ROOT / "optimizer" / "schemas" / f"allocation-{kind}.schema.json"
    assert json.loads(path.read_text()) == json_schema(kind)  # type: ignore[arg-type]


def test_allocate_writes_a_plan_document(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["allocate", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = PlanDoc.model_validate_json(out.read_text())
    assert plan.summary.delivered == 1320
    assert plan.summary.min_priority_fill == 1.0
    assert sum(s.quantity for s in plan.shipments) == 1320
    assert [u.community for u in plan.unmet] == ["riverside"]


def test_allocate_lists_every_mistake_and_exits_2(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["demands"][0]["quantity"] = -1
    doc["demands"][1]["item"] = "NOPE"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = CliRunner().invoke(app, ["allocate", str(bad)])
    assert result.exit_code == 2
    assert "demands.0.quantity" in result.output


def test_allocate_rejects_a_file_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(app, ["allocate", str(bad)])
    assert result.exit_code == 2
    assert "is not JSON" in result.output
