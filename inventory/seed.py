"""Load the default item catalogue and a district description (communities, depots, stock).

Used by `relief demo` and by a district setting up: both files are plain data; loading is
idempotent by code, so running it twice adds nothing the second time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from core.errors import InvalidInput
from inventory import registry, schemas
from inventory.models import ReorderLevel
from inventory.planner import Op
from inventory.stock import LotKey, OpMeta, apply, resolve_lots

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE = DATA_DIR / "catalogue.csv"
DEMO_DISTRICT = DATA_DIR / "demo_district.json"


@dataclass(frozen=True)
class Loaded:
    items: int
    communities: int
    depots: int
    lots: int
    movements: int


def _optional(value: str) -> str | None:
    return value.strip() or None


def load_catalogue(session: Session, text: str) -> int:
    """Add the catalogue's items that are not there yet; returns how many were added."""
    rows = list(csv.DictReader(io.StringIO(text)))
    existing = registry.items_by_code(session, {r["code"] for r in rows})
    added = 0
    for line, row in enumerate(rows, start=2):
        if row["code"] in existing:
            continue
        try:
            data = schemas.ItemCreate(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                category=row["category"],
                base_unit=row["base_unit"],
                unit_weight_g=int(row["unit_weight_g"]),
                unit_volume_cm3=int(row["unit_volume_cm3"]),
                shelf_life_days=int(row["shelf_life_days"]) if row["shelf_life_days"] else None,
                daily_need_per_person=float(row["daily_need_per_person"])
                if row["daily_need_per_person"]
                else None,
                daily_need_basis=_optional(row["daily_need_basis"]),
                life_critical=row["life_critical"].strip().lower() == "true",
                source=_optional(row["source"]),
            )
        except ValueError as exc:
            raise InvalidInput(f"catalogue line {line} ({row.get('code')}): {exc}") from exc
        registry.create_item(session, data)
        added += 1
    return added


def load_district(
    session: Session, data: dict[str, Any], *, today: date, actor: str = "seed"
) -> Loaded:
    """Create the district, its communities, depots, reorder levels and opening stock.

    Expiry dates in the file are relative to its `as_of` date and are shifted to `today`, so
    lots meant to expire soon still do. Opening stock is recorded as receipts.
    """
    shift = today - date.fromisoformat(data.get("as_of", today.isoformat()))
    head = data["district"]
    if any(d.code == head["code"] for d in registry.list_districts(session)):
        return Loaded(0, 0, 0, 0, 0)
    district = registry.create_district(
        session,
        schemas.DistrictCreate(code=head["code"], name_zh=head["name_zh"], name_en=head["name_en"]),
    )
    district_id = district.id or 0
    communities: dict[str, int] = {}
    for c in data["communities"]:
        fields = {k: c[k] for k in schemas.CommunityCreate.model_fields if k in c}
        made = registry.create_community(
            session, schemas.CommunityCreate(district_id=district_id, **fields)
        )
        communities[c["code"]] = made.id or 0

    items = registry.items_by_code(
        session,
        {s["item_code"] for dep in data["depots"] for s in dep.get("opening_stock", [])}
        | {r["item_code"] for dep in data["depots"] for r in dep.get("reorder_levels", [])},
    )
    ops: list[Op] = []
    keys: list[LotKey] = []
    for dep in data["depots"]:
        depot = registry.create_depot(
            session,
            schemas.DepotCreate(
                district_id=district_id,
                community_id=communities.get(dep.get("community_code") or ""),
                code=dep["code"],
                name_zh=dep["name_zh"],
                name_en=dep["name_en"],
                kind=dep["kind"],
                latitude=dep["latitude"],
                longitude=dep["longitude"],
                capacity_m3=dep.get("capacity_m3"),
                capacity_kg=dep.get("capacity_kg"),
            ),
        )
        for level in dep.get("reorder_levels", []):
            session.add(
                ReorderLevel(
                    depot_id=depot.id or 0,
                    item_id=items[level["item_code"]].id or 0,
                    reorder_level=level["reorder_level"],
                    safety_floor=level.get("safety_floor", 0),
                )
            )
        for stock in dep.get("opening_stock", []):
            item = items[stock["item_code"]]
            expiry = stock.get("expiry_date")
            keys.append(
                LotKey(
                    item.id or 0,
                    stock["lot_number"],
                    date.fromisoformat(expiry) + shift if expiry else None,
                    stock.get("reserve_type", "government"),
                )
            )
            ops.append(Op("receipt", depot.id or 0, item.id or 0, int(stock["quantity"])))
    lot_ids, problems = resolve_lots(session, keys, create=True)
    if problems:
        raise InvalidInput(f"district file: {problems[0][1]}")
    ops = [
        Op(
            "receipt",
            op.depot_id,
            op.item_id,
            op.quantity,
            lot_id=lot_ids[(k.item_id, k.lot_number)],
        )
        for op, k in zip(ops, keys, strict=True)
    ]
    opening = OpMeta(reason="opening stock", reference="district file")
    written = apply(session, ops, actor=actor, meta=[opening] * len(ops)) if ops else []
    session.flush()
    return Loaded(
        items=0,
        communities=len(communities),
        depots=len(data["depots"]),
        lots=len(set(lot_ids.values())),
        movements=len(written),
    )
