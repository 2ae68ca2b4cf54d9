"""`relief route solve` prints a CVRPLIB solution whose cost matches its routes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from optimizer.routing.formats import read_instance, read_solution
from optimizer.routing.verify import solution_problems
from tests.optimizer.routing.test_formats import SOLOMON_TXT


def test_route_solve_prints_routes_and_cost(tmp_path: Path) -> None:
    path = tmp_path / "c101x.txt"
    path.write_text(SOLOMON_TXT)
    out = tmp_path / "c101x.sol"
    result = CliRunner().invoke(
        app, ["route", "solve", str(path), "--time-limit", "0.5", "--workers", "1", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Route #1: ")
    inst = read_instance(path)
    routes = read_solution(result.output)
    assert solution_problems(inst, routes) == []
    assert lines[-1] == f"Cost {inst.format_cost(inst.cost(routes))}"
    assert out.read_text() == result.output


def test_route_solve_rejects_an_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    result = CliRunner().invoke(app, ["route", "solve", str(path), "--time-limit", "0.5"])
    assert result.exit_code == 2
