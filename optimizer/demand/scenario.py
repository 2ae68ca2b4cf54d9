"""Crisis scenarios as data, and the pure arithmetic that turns one into demand.

A scenario is a YAML file (the library ships six in ``optimizer/scenarios/``): its kind,
the share of each affected community's population hit, severity, start and duration,
how the number of people in need evolves over the days (``constant``, ``decay`` with a
half-life, or ``seir`` for an epidemic wave), the per-person needs of items with their
sources, and weights for vulnerable groups. Scenario demand on day ``d`` is

    affected people(d) × per-person daily need × weight for vulnerable groups,

summed over the days, plus any one-off need (a blanket, a tarpaulin) on the first day.
Past crises become exogenous regressors for SARIMAX through :func:`crisis_exog`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.integrate import solve_ivp

from core.errors import FieldProblem, InvalidInput
from core.inputs import day_problem

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "scenarios"
KINDS = ("epidemic", "flood", "earthquake", "typhoon", "cold_wave", "heat_wave")
PROFILES = ("constant", "decay", "seir")
GROUPS = ("elderly", "under5", "disabled", "chronically_ill")


@dataclass(frozen=True)
class ItemNeed:
    """What one affected person needs of an item: per day, once, and where that is from."""

    item_code: str
    per_person_daily: float = 0.0
    per_person_once: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class Epidemic:
    """SEIR parameters; ``population`` is the affected share of the communities."""

    r0: float
    incubation_days: float
    infectious_days: float
    initial_infected: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """One crisis, as read from its file."""

    id: str
    kind: str
    name: str
    affected_share: float
    duration_days: int
    severity: float = 1.0
    start: date | None = None
    profile: str = "constant"
    half_life_days: float | None = None
    epidemic: Epidemic | None = None
    communities: tuple[str, ...] = ()
    needs: tuple[ItemNeed, ...] = ()
    vulnerable_weights: Mapping[str, float] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrisisWindow:
    """A crisis in time, for regressors: when it began, how long, how severe, what kind."""

    kind: str
    start: date
    days: int
    severity: float = 1.0


def library() -> dict[str, Scenario]:
    """The shipped scenarios, by id."""
    return {s.id: s for s in (load_scenario(p) for p in sorted(LIBRARY_DIR.glob("*.yaml")))}


def load_scenario(path: Path) -> Scenario:
    """Read and check one scenario file; every problem is reported at once."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"Cannot read scenario file {path.name}: {exc}") from exc
    return parse_scenario(raw)


def parse_scenario(raw: Any) -> Scenario:
    """Build a :class:`Scenario` from parsed YAML/JSON, refusing what makes no sense."""
    if not isinstance(raw, dict):
        raise InvalidInput("A scenario must be a mapping of its parameters.")
    problems: list[FieldProblem] = []

    def need(key: str) -> Any:
        if key not in raw:
            problems.append(FieldProblem((key,), "is required"))
        return raw.get(key)

    ident, kind, name = need("id"), need("kind"), need("name")
    share, days = need("affected_share"), need("duration_days")
    if kind is not None and kind not in KINDS:
        problems.append(FieldProblem(("kind",), f"must be one of {', '.join(KINDS)}"))
    if share is not None and not (isinstance(share, int | float) and 0 < share <= 1):
        problems.append(FieldProblem(("affected_share",), "must be a share in (0, 1]"))
    if days is not None and not (isinstance(days, int) and days >= 1):
        problems.append(FieldProblem(("duration_days",), "must be a whole number of days ≥ 1"))
    severity = raw.get("severity", 1.0)
    if not (isinstance(severity, int | float) and 0 < severity <= 2):
        problems.append(FieldProblem(("severity",), "must be a factor in (0, 2], 1 as described"))
    profile = raw.get("profile", "constant")
    if profile not in PROFILES:
        problems.append(FieldProblem(("profile",), f"must be one of {', '.join(PROFILES)}"))
    half_life = raw.get("half_life_days")
    if profile == "decay" and not (isinstance(half_life, int | float) and half_life > 0):
        problems.append(FieldProblem(("half_life_days",), "a decay profile needs a half-life > 0"))
    epidemic = _parse_epidemic(raw.get("epidemic"), profile, problems)
    needs = _parse_needs(raw.get("needs"), problems)
    weights = raw.get("vulnerable_weights", {}) or {}
    for group, weight in weights.items():
        if group not in GROUPS or not (isinstance(weight, int | float) and weight >= 1):
            problems.append(
                FieldProblem(
                    ("vulnerable_weights", str(group)), f"groups are {GROUPS}, weights ≥ 1"
                )
            )
    start = raw.get("start")
    if start is not None and not isinstance(start, date):
        problems.append(FieldProblem(("start",), "must be an ISO date"))
    elif start is not None and day_problem(start):
        problems.append(FieldProblem(("start",), f"must be {day_problem(start)}"))
    if problems:
        raise InvalidInput("The scenario is not valid.", problems=problems)
    return Scenario(
        id=str(ident),
        kind=str(kind),
        name=str(name),
        affected_share=float(share),
        duration_days=int(days),
        severity=float(severity),
        start=start,
        profile=str(profile),
        half_life_days=None if half_life is None else float(half_life),
        epidemic=epidemic,
        communities=tuple(str(c) for c in raw.get("communities", []) or []),
        needs=needs,
        vulnerable_weights={str(k): float(v) for k, v in weights.items()},
        sources=tuple(str(s) for s in raw.get("sources", []) or []),
    )


def _parse_epidemic(raw: Any, profile: str, problems: list[FieldProblem]) -> Epidemic | None:
    if profile != "seir":
        return None
    keys = ("r0", "incubation_days", "infectious_days")
    if not isinstance(raw, dict) or any(
        not isinstance(raw.get(k), int | float) or raw[k] <= 0 for k in keys
    ):
        problems.append(FieldProblem(("epidemic",), f"an SEIR profile needs {keys}, all > 0"))
        return None
    return Epidemic(
        r0=float(raw["r0"]),
        incubation_days=float(raw["incubation_days"]),
        infectious_days=float(raw["infectious_days"]),
        initial_infected=float(raw.get("initial_infected", 1.0)),
    )


def _parse_needs(raw: Any, problems: list[FieldProblem]) -> tuple[ItemNeed, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(FieldProblem(("needs",), "list at least one item need"))
        return ()
    out = []
    for i, entry in enumerate(raw):
        fields = entry if isinstance(entry, dict) else {}
        daily, once = fields.get("per_person_daily", 0.0), fields.get("per_person_once", 0.0)
        if not (
            isinstance(fields.get("item_code"), str)
            and isinstance(daily, int | float)
            and isinstance(once, int | float)
            and daily >= 0
            and once >= 0
            and daily + once > 0
        ):
            problems.append(
                FieldProblem(("needs", i), "needs item_code and a positive daily or once need")
            )
            continue
        out.append(
            ItemNeed(fields["item_code"], float(daily), float(once), str(fields.get("source", "")))
        )
    return tuple(out)


def seir_curve(population: float, epidemic: Epidemic, days: int) -> pd.DataFrame:
    """Daily S, E, I, R and new infections of a closed SEIR model (β = R0 / infectious days)."""
    if population <= 0 or days < 1:
        raise InvalidInput("An SEIR curve needs a positive population and at least one day.")
    gamma = 1.0 / epidemic.infectious_days
    sigma = 1.0 / epidemic.incubation_days
    beta = epidemic.r0 * gamma
    i0 = min(epidemic.initial_infected, population)

    def rhs(_: float, v: np.ndarray) -> list[float]:
        s, e, i, _r = v
        infection = beta * s * i / population
        return [-infection, infection - sigma * e, sigma * e - gamma * i, gamma * i]

    t = np.arange(days + 1, dtype=float)
    sol = solve_ivp(
        rhs, (0.0, float(days)), [population - i0, 0.0, i0, 0.0], t_eval=t, rtol=1e-6, atol=1e-6
    )
    s, e, i, r = np.clip(sol.y, 0.0, None)
    return pd.DataFrame(
        {
            "day": t[1:].astype(int),
            "S": s[1:],
            "E": e[1:],
            "I": i[1:],
            "R": r[1:],
            "new_infections": np.clip(-np.diff(s), 0.0, None),
        }
    )


def affected_profile(scenario: Scenario, population: float) -> np.ndarray:
    """People in need on each day of the scenario, before vulnerable-group weights."""
    share = min(1.0, scenario.affected_share * scenario.severity)
    people = population * share
    days = np.arange(scenario.duration_days, dtype=float)
    if scenario.profile == "seir":
        assert scenario.epidemic is not None
        infectious: np.ndarray = seir_curve(people, scenario.epidemic, scenario.duration_days)[
            "I"
        ].to_numpy(dtype=float)
        return infectious
    if scenario.profile == "decay":
        assert scenario.half_life_days is not None
        decayed: np.ndarray = people * np.exp(-np.log(2.0) * days / scenario.half_life_days)
        return decayed
    return np.full(len(days), people)


def scenario_demand(
    scenario: Scenario,
    communities: pd.DataFrame,
    *,
    start: date | None = None,
    catalogue_needs: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Daily demand per community × item caused by ``scenario``.

    ``communities`` has ``community_id, population`` and optional counts per vulnerable
    group (``elderly, under5, disabled, chronically_ill``); a scenario that names its
    communities uses only those. A vulnerable person counts as ``weight`` people.
    ``catalogue_needs`` (item code → per-person daily need) overrides the file's daily
    needs where the catalogue has its own figure. Returns ``community_id, item_code,
    ds, demand`` (floats in the item's base unit; round up when stocking).
    """
    begin = start or scenario.start
    if begin is None:
        raise InvalidInput(
            "The scenario has no start date; give one.",
            problems=[FieldProblem(("start",), "is required")],
        )
    missing = {"community_id", "population"} - set(communities.columns)
    if missing:
        raise InvalidInput(
            "The communities lack columns.",
            problems=[
                FieldProblem(("communities", c), "column is missing") for c in sorted(missing)
            ],
        )
    chosen = communities
    if scenario.communities:
        chosen = communities[communities["community_id"].astype(str).isin(scenario.communities)]
    days = pd.date_range(pd.Timestamp(begin), periods=scenario.duration_days, freq="D")
    overrides = catalogue_needs or {}
    rows = []
    for community in chosen.to_dict("records"):
        population = float(community["population"])
        if population < 0:
            raise InvalidInput("A community population cannot be negative.")
        weight = _vulnerable_weight(scenario, community, population)
        people = affected_profile(scenario, population) * weight
        for item in scenario.needs:
            daily = people * overrides.get(item.item_code, item.per_person_daily)
            daily[0] += people.max() * item.per_person_once if len(people) else 0.0
            rows.append(
                pd.DataFrame(
                    {
                        "community_id": community["community_id"],
                        "item_code": item.item_code,
                        "ds": days,
                        "demand": daily,
                    }
                )
            )
    if not rows:
        return pd.DataFrame(
            {"community_id": [], "item_code": [], "ds": pd.to_datetime([]), "demand": []}
        )
    return pd.concat(rows, ignore_index=True)


def _vulnerable_weight(scenario: Scenario, row: Mapping[Any, Any], population: float) -> float:
    """Average weight of a person: ``1 + Σ (w_g − 1) × count_g / population``."""
    if population == 0:
        return 1.0
    extra = sum(
        (scenario.vulnerable_weights.get(g, 1.0) - 1.0) * float(row.get(g, 0) or 0) for g in GROUPS
    )
    return 1.0 + extra / population


def crisis_exog(
    history: pd.DataFrame, horizon: int, freq: str, crises: Sequence[CrisisWindow]
) -> pd.DataFrame:
    """Regressors for :func:`optimizer.demand.forecast`: one column per crisis kind.

    Each column holds the severity of that kind of crisis on each date of every series'
    history and horizon (0 outside crises, summed where two overlap), so SARIMAX can
    learn from past crises what a planned one does to demand.
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    kinds = sorted({c.kind for c in crises})
    parts = []
    for uid, group in history.groupby("unique_id", sort=False):
        first, last = pd.Timestamp(group["ds"].min()), pd.Timestamp(group["ds"].max())
        dates = pd.date_range(first, last + horizon * offset, freq=offset)
        part = pd.DataFrame({"unique_id": uid, "ds": dates})
        for kind in kinds:
            intensity = np.zeros(len(dates))
            for crisis in (c for c in crises if c.kind == kind):
                begin = pd.Timestamp(crisis.start)
                end = begin + pd.Timedelta(days=crisis.days)
                intensity += crisis.severity * ((dates >= begin) & (dates < end))
            part[f"crisis_{kind}"] = intensity
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
