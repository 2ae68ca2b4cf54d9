"""Checks on the shipped item catalogue and the demo district (plain files, no database).

The catalogue and the demo district are data that other code loads as they are: the seed
command, the demand forecast (per-person daily needs) and the allocation (weights and
volumes against depot capacity). These tests hold the files to the column contract in
`inventory/data/README.md` and to the numbers being coherent with each other.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "inventory" / "data"
CATALOGUE_CSV = DATA_DIR / "catalogue.csv"
DISTRICT_JSON = DATA_DIR / "demo_district.json"

COLUMNS = [
    "code",
    "name_zh",
    "name_en",
    "category",
    "base_unit",
    "unit_weight_g",
    "unit_volume_cm3",
    "shelf_life_days",
    "daily_need_per_person",
    "daily_need_basis",
    "life_critical",
    "source",
]
CATEGORIES = {"water", "food", "shelter", "hygiene", "medical", "ppe", "rescue_tools", "power"}
DEPOT_KINDS = {"district_warehouse", "community_depot", "enterprise_reserve"}
RESERVE_TYPES = {"government", "agreement", "enterprise"}
ITEM_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)+$")
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Mainland China, generously: the demo district must at least be in the country.
CHINA_LAT = (18.0, 54.0)
CHINA_LON = (73.0, 135.0)
CLUSTER_KM = 40.0


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The catalogue exactly as text, to check spelling of booleans and empty cells."""
    return pd.read_csv(CATALOGUE_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    return pd.read_csv(
        CATALOGUE_CSV,
        dtype={"shelf_life_days": "Int64", "unit_weight_g": "Int64", "unit_volume_cm3": "Int64"},
    ).set_index("code", drop=False)


@pytest.fixture(scope="module")
def needs(raw: pd.DataFrame) -> dict[str, float]:
    """Per-person daily need by item code, for the items that have one."""
    pairs = zip(raw["code"].tolist(), raw["daily_need_per_person"].tolist(), strict=True)
    return {code: float(need) for code, need in pairs if need}


@pytest.fixture(scope="module")
def shelf_life(raw: pd.DataFrame) -> dict[str, int | None]:
    pairs = zip(raw["code"].tolist(), raw["shelf_life_days"].tolist(), strict=True)
    return {code: int(days) if days else None for code, days in pairs}


@pytest.fixture(scope="module")
def district() -> dict[str, Any]:
    with DISTRICT_JSON.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@pytest.fixture(scope="module")
def as_of(district: dict[str, Any]) -> date:
    return date.fromisoformat(district["as_of"])


@pytest.fixture(scope="module")
def stock(district: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {**line, "depot_code": depot["code"], "depot_kind": depot["kind"]}
        for depot in district["depots"]
        for line in depot["opening_stock"]
    ]
    return pd.DataFrame(rows)


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_has_exactly_the_documented_columns(raw: pd.DataFrame) -> None:
    assert list(raw.columns) == COLUMNS


def test_catalogue_has_at_least_45_items_with_unique_upper_case_codes(raw: pd.DataFrame) -> None:
    assert len(raw) >= 45
    assert raw["code"].is_unique
    bad = [c for c in raw["code"] if not ITEM_CODE.match(c) or len(c) > 48]
    assert bad == []


def test_every_category_is_allowed_and_every_allowed_category_is_present(
    raw: pd.DataFrame,
) -> None:
    assert set(raw["category"]) == CATEGORIES


def test_weights_and_volumes_are_positive_integers_of_plausible_density(
    catalogue: pd.DataFrame,
) -> None:
    for column in ("unit_weight_g", "unit_volume_cm3"):
        assert catalogue[column].notna().all(), column
        assert (catalogue[column] > 0).all(), column
    density = catalogue["unit_weight_g"] / catalogue["unit_volume_cm3"]  # g/cm³, packed
    implausible = density[(density < 0.005) | (density > 10)]
    assert implausible.empty, implausible.to_dict()


def test_shelf_life_is_a_positive_whole_number_of_days_or_empty(raw: pd.DataFrame) -> None:
    values = raw["shelf_life_days"]
    filled = values[values != ""]
    assert filled.str.fullmatch(r"[1-9][0-9]*").all()
    assert (filled.astype(int) <= 36_500).all()
    assert (values == "").any(), "durable items (tents, tools) have no shelf life"


def test_life_critical_is_spelled_true_or_false(raw: pd.DataFrame) -> None:
    assert set(raw["life_critical"]) == {"true", "false"}


def test_names_are_bilingual_and_every_item_cites_a_source(raw: pd.DataFrame) -> None:
    assert [s for s in raw["name_zh"] if not CJK.search(s)] == []
    assert [s for s in raw["name_en"] if CJK.search(s) or not re.search("[A-Za-z]{3}", s)] == []
    assert (raw["source"].str.strip() != "").all()
    assert [u for u in raw["base_unit"] if not re.fullmatch("[a-z]+", u)] == []
    for column, limit in (("name_zh", 200), ("name_en", 200), ("source", 400)):
        assert raw[column].str.len().max() <= limit, column
    assert raw["daily_need_basis"].str.len().max() <= 400


def test_a_daily_need_is_positive_and_always_says_where_it_comes_from(
    catalogue: pd.DataFrame,
) -> None:
    with_need = catalogue[catalogue["daily_need_per_person"].notna()]
    assert len(with_need) >= 10
    assert (with_need["daily_need_per_person"] > 0).all()
    assert with_need["daily_need_basis"].notna().all()
    assert with_need["source"].str.contains("Sphere|ration", regex=True).all()


@pytest.mark.parametrize(
    ("code", "litres"),
    [("WAT-BOTTLE-550", 0.55), ("WAT-BOTTLE-5L", 5.0), ("WAT-BARREL-19L", 18.9)],
)
def test_drinking_water_need_gives_sphere_survival_intake(
    needs: dict[str, float], code: str, litres: float
) -> None:
    """Sphere 2018: 2.5–3 L of drinking water per person per day."""
    daily_litres = needs[code] * litres
    assert 2.5 <= daily_litres <= 3.05


@pytest.mark.parametrize(
    ("code", "grams_per_unit", "grams_per_month"),
    [("HYG-SOAP-BATH-100G", 100, 250), ("HYG-SOAP-LAUNDRY-200G", 200, 200)],
)
def test_soap_need_gives_sphere_monthly_amount(
    needs: dict[str, float], code: str, grams_per_unit: int, grams_per_month: int
) -> None:
    monthly = needs[code] * grams_per_unit * 30
    assert monthly == pytest.approx(grams_per_month, rel=0.03)


def test_food_needs_are_substitutes_not_a_menu(needs: dict[str, float]) -> None:
    """A ration item's need, alone, feeds one person: compressed biscuit is ~2 packs a day."""
    assert 1.5 <= needs["FOD-BISCUIT-COMP"] <= 2.5
    assert needs["FOD-RICE-10KG"] * 10_000 == pytest.approx(400)


# --- demo district: communities ---------------------------------------------------------------


def test_district_has_about_30_communities_with_unique_codes(district: dict[str, Any]) -> None:
    communities = pd.DataFrame(district["communities"])
    assert 25 <= len(communities) <= 35
    assert communities["code"].is_unique
    assert communities["code"].map(lambda c: bool(CODE.match(c))).all()
    assert communities["name_zh"].map(lambda s: bool(CJK.search(s))).all()
    assert CODE.match(district["district"]["code"])


@pytest.mark.parametrize(
    ("group", "low", "high"),
    [
        ("elderly_65_plus", 0.14, 0.20),
        ("children_under_5", 0.04, 0.05),
        ("people_with_disabilities", 0.05, 0.07),
        ("chronically_ill", 0.10, 0.20),
    ],
)
def test_vulnerable_groups_are_within_population_at_census_rates(
    district: dict[str, Any], group: str, low: float, high: float
) -> None:
    communities = pd.DataFrame(district["communities"])
    assert (communities["population"] > 0).all()
    assert (communities[group] >= 0).all()
    assert (communities[group] < communities["population"]).all()
    share = communities[group] / communities["population"]
    assert share.between(low - 0.005, high + 0.005).all(), share.describe().to_dict()


def test_places_are_in_china_and_clustered_within_40_km(district: dict[str, Any]) -> None:
    places = [(c["latitude"], c["longitude"]) for c in district["communities"]]
    places += [(d["latitude"], d["longitude"]) for d in district["depots"]]
    for lat, lon in places:
        assert CHINA_LAT[0] <= lat <= CHINA_LAT[1]
        assert CHINA_LON[0] <= lon <= CHINA_LON[1]
    centre = (
        sum(p[0] for p in places) / len(places),
        sum(p[1] for p in places) / len(places),
    )
    assert max(_km(centre, p) for p in places) <= CLUSTER_KM / 2 + 5
    assert max(_km(a, b) for a in places for b in places) <= CLUSTER_KM + 5


# --- demo district: depots and stock ----------------------------------------------------------


def test_depots_are_one_warehouse_five_community_depots_and_two_enterprise_reserves(
    district: dict[str, Any],
) -> None:
    depots = district["depots"]
    kinds = [d["kind"] for d in depots]
    assert set(kinds) <= DEPOT_KINDS
    assert kinds.count("district_warehouse") == 1
    assert kinds.count("community_depot") == 5
    assert kinds.count("enterprise_reserve") == 2
    codes = [d["code"] for d in depots]
    assert len(set(codes)) == len(codes)
    assert all(CODE.match(c) for c in codes)
    community_codes = {c["code"] for c in district["communities"]}
    for depot in depots:
        if depot["kind"] == "community_depot":
            assert depot["community_code"] in community_codes
        else:
            assert depot["community_code"] is None
        assert depot["capacity_m3"] > 0
        assert depot["capacity_kg"] > 0
        assert depot["opening_stock"], depot["code"]


def test_every_stock_line_names_a_catalogue_item_with_a_positive_whole_quantity(
    stock: pd.DataFrame, catalogue: pd.DataFrame
) -> None:
    assert set(stock["item_code"]) <= set(catalogue.index)
    assert stock["quantity"].map(lambda q: isinstance(q, int) and q > 0).all()
    assert set(stock["reserve_type"]) <= RESERVE_TYPES
    public = stock[stock["depot_kind"] != "enterprise_reserve"]
    assert (public["reserve_type"] == "government").all()
    held = stock[stock["depot_kind"] == "enterprise_reserve"]
    assert set(held["reserve_type"]) == {"enterprise", "agreement"}


def test_a_lot_number_means_one_batch_per_item(stock: pd.DataFrame) -> None:
    """Lots are unique per item across the district, so one number cannot mean two batches."""
    per_lot = stock.groupby(["item_code", "lot_number"])
    assert (per_lot["expiry_date"].nunique(dropna=False) == 1).all()
    assert (per_lot["reserve_type"].nunique() == 1).all()
    assert stock["lot_number"].str.len().max() <= 64


def test_expiry_dates_follow_shelf_life(
    district: dict[str, Any], shelf_life: dict[str, int | None], as_of: date
) -> None:
    for depot in district["depots"]:
        for line in depot["opening_stock"]:
            shelf = shelf_life[line["item_code"]]
            if shelf is None:
                assert line["expiry_date"] is None, line
                continue
            expiry = date.fromisoformat(line["expiry_date"])
            assert as_of < expiry <= as_of + timedelta(days=shelf), line


def test_some_lots_expire_within_30_days_for_the_alerts_to_show(
    stock: pd.DataFrame, as_of: date
) -> None:
    expiring = stock["expiry_date"].dropna().map(date.fromisoformat)
    soon = expiring[expiring <= as_of + timedelta(days=30)]
    assert 1 <= len(soon) <= len(expiring) // 4


def test_reorder_levels_cover_held_items_and_sit_above_the_safety_floor(
    district: dict[str, Any],
) -> None:
    for depot in district["depots"]:
        held = {line["item_code"] for line in depot["opening_stock"]}
        levels = depot["reorder_levels"]
        items = [level["item_code"] for level in levels]
        assert len(set(items)) == len(items), depot["code"]
        assert set(items) <= held, depot["code"]
        for level in levels:
            assert 0 <= level["safety_floor"] <= level["reorder_level"], level
        if depot["kind"] != "enterprise_reserve":
            assert set(items) == held, depot["code"]


def test_stock_fits_each_depot_capacity(
    district: dict[str, Any], stock: pd.DataFrame, catalogue: pd.DataFrame
) -> None:
    sized = stock.join(catalogue[["unit_weight_g", "unit_volume_cm3"]], on="item_code")
    kg = (sized["quantity"] * sized["unit_weight_g"]).groupby(sized["depot_code"]).sum() / 1e3
    m3 = (sized["quantity"] * sized["unit_volume_cm3"]).groupby(sized["depot_code"]).sum() / 1e6
    for depot in district["depots"]:
        assert kg[depot["code"]] <= depot["capacity_kg"], depot["code"]
        assert m3[depot["code"]] <= depot["capacity_m3"], depot["code"]


def test_community_depots_hold_days_of_need_and_the_warehouse_holds_more(
    district: dict[str, Any], needs: dict[str, float]
) -> None:
    population = {c["code"]: c["population"] for c in district["communities"]}
    totals: dict[tuple[str, str], int] = {}
    for depot in district["depots"]:
        for line in depot["opening_stock"]:
            key = (depot["code"], line["item_code"])
            totals[key] = totals.get(key, 0) + line["quantity"]
    warehouse = next(d["code"] for d in district["depots"] if d["kind"] == "district_warehouse")
    for depot in district["depots"]:
        if depot["kind"] != "community_depot":
            continue
        people = population[depot["community_code"]]
        for (code, item), quantity in totals.items():
            if code != depot["code"]:
                continue
            if item in needs:
                days_for_everyone = quantity / (people * needs[item])
                assert days_for_everyone <= 30, (code, item, days_for_everyone)
            assert totals.get((warehouse, item), 0) >= quantity, (code, item)


def test_demo_district_file_stays_small() -> None:
    assert DISTRICT_JSON.stat().st_size < 300_000
