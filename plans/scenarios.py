"""Scenarios as database rows: declared for a district, listed, closed; one active at a time.

A scenario is data: the library's YAML files, or a YAML/JSON file or mapping the
coordinator gives. Every definition passes through `optimizer.demand.scenario.parse_scenario`
and is then checked against the district (its items are in the catalogue, the communities it
names are the district's), so a row always holds a scenario that can be forecast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.clock import utcnow
from core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from inventory import service as inventory
from optimizer.demand.scenario import LIBRARY_DIR, Scenario, parse_scenario
from plans.models import DeclaredScenario

MAX_FILE_BYTES = 256 * 1024


def library_names() -> list[str]:
    """The names of the shipped scenarios (`flood`, `epidemic_wave`, ...)."""
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.yaml"))


def library_definition(name: str) -> dict[str, Any]:
    """The raw mapping of a library scenario; unknown names list the known ones."""
    if name not in library_names():
        raise InvalidInput(
            f"There is no scenario {name!r} in the library.",
            problems=[FieldProblem(("library",), f"known: {', '.join(library_names())}")],
        )
    raw = yaml.safe_load((LIBRARY_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return _mapping(raw)


def read_definition(data: bytes, filename: str) -> dict[str, Any]:
    """Read a scenario file: JSON when it is named `.json`, otherwise YAML."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            "The scenario file is too large.",
            problems=[FieldProblem(("file",), f"larger than {MAX_FILE_BYTES} bytes")],
        )
    try:
        text = data.decode("utf-8")
        raw = json.loads(text) if filename.lower().endswith(".json") else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"The scenario file {filename} cannot be read.",
            problems=[FieldProblem(("file",), str(exc).splitlines()[0])],
        ) from exc
    return _mapping(raw)


def _mapping(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(
            "A scenario must be a mapping of its parameters.",
            problems=[FieldProblem((), "expected a mapping (YAML or JSON object)")],
        )
    return raw


def _with_start(raw: dict[str, Any], start: date | None) -> dict[str, Any]:
    """The raw mapping with `start` as a date: the override, the file's ISO date, or none."""
    out = dict(raw)
    if start is not None:
        out["start"] = start
    elif isinstance(out.get("start"), str):
        try:
            out["start"] = date.fromisoformat(out["start"])
        except ValueError as exc:
            raise InvalidInput(
                "The scenario is not valid.",
                problems=[FieldProblem(("start",), "must be an ISO date (YYYY-MM-DD)")],
            ) from exc
    return out


def scenario_of(row: DeclaredScenario) -> Scenario:
    """The parsed scenario a row holds (its start is the declared one)."""
    return parse_scenario(_with_start(row.definition, row.start))


def declare_scenario(
    session: Session,
    district_id: int,
    raw: dict[str, Any],
    *,
    origin: str,
    start: date | None,
    actor: str,
    today: date,
) -> DeclaredScenario:
    """Declare `raw` as the district's active scenario; refused while another is active."""
    inventory.get_district(session, district_id)
    scenario = parse_scenario(_with_start(raw, start))
    _check_against_district(session, district_id, scenario)
    if active_scenario(session, district_id) is not None:
        raise Conflict(
            "The district already has an active scenario; close it first.",
            extra={"district_id": district_id},
        )
    begin = scenario.start or today
    definition = {k: v for k, v in raw.items() if k != "start"}
    row = DeclaredScenario(
        district_id=district_id,
        key=scenario.id[:64],
        kind=scenario.kind,
        name=scenario.name[:200],
        start=begin,
        duration_days=scenario.duration_days,
        definition=json.loads(json.dumps(definition, default=str)),
        origin=origin[:200],
        declared_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("The district already has an active scenario; close it first.") from exc
    return row


def _check_against_district(session: Session, district_id: int, scenario: Scenario) -> None:
    problems: list[FieldProblem] = []
    codes = {n.item_code for n in scenario.needs}
    known = {i.code for i in inventory.list_items(session) if i.code in codes}
    for i, need in enumerate(scenario.needs):
        if need.item_code not in known:
            problems.append(
                FieldProblem(
                    ("needs", i, "item_code"), f"{need.item_code!r} is not in the catalogue"
                )
            )
    communities = {c.code for c in inventory.list_communities(session, district_id)}
    for i, code in enumerate(scenario.communities):
        if code not in communities:
            problems.append(
                FieldProblem(("communities", i), f"{code!r} is not a community of the district")
            )
    if problems:
        raise InvalidInput("The scenario does not fit the district.", problems=problems)


def active_scenario(session: Session, district_id: int) -> DeclaredScenario | None:
    return session.execute(
        select(DeclaredScenario).where(
            col(DeclaredScenario.district_id) == district_id,
            col(DeclaredScenario.status) == "active",
        )
    ).scalar_one_or_none()


def get_scenario(session: Session, scenario_id: int) -> DeclaredScenario:
    row = session.get(DeclaredScenario, scenario_id)
    if row is None:
        raise NotFound(f"Scenario {scenario_id} does not exist.")
    return row


def list_scenarios(
    session: Session, district_id: int, status: str | None = None
) -> Sequence[DeclaredScenario]:
    inventory.get_district(session, district_id)  # an unknown district is a 404, not []
    query = select(DeclaredScenario).where(col(DeclaredScenario.district_id) == district_id)
    if status is not None:
        query = query.where(col(DeclaredScenario.status) == status)
    return session.execute(query.order_by(col(DeclaredScenario.id))).scalars().all()


def close_scenario(session: Session, scenario_id: int, *, actor: str) -> DeclaredScenario:
    """Close an active scenario (its forecasts and plans stay); closing twice is refused."""
    row: DeclaredScenario | None = session.execute(
        select(DeclaredScenario).where(col(DeclaredScenario.id) == scenario_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Scenario {scenario_id} does not exist.")
    if row.status != "active":
        raise Conflict(f"Scenario {scenario_id} is already closed.")
    row.status = "closed"
    row.closed_by = actor
    row.closed_at = utcnow()
    session.flush()
    return row
