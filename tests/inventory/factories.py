"""A small district to test against: two communities, three depots, three items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from inventory import schemas, service


@dataclass(frozen=True)
class Small:
    district_id: int
    community_ids: tuple[int, int]
    warehouse_id: int
    depot_a_id: int
    depot_b_id: int
    water_id: int  # shelf life: lots need an expiry date
    tent_id: int  # no shelf life
    mask_id: int


def small_district(session: Session, suffix: str = "") -> Small:
    district = service.create_district(
        session,
        schemas.DistrictCreate(code=f"D1{suffix}", name_zh="河西区", name_en="Hexi District"),
    )
    assert district.id is not None
    communities = []
    for n, (zh, en) in enumerate((("东湖社区", "Donghu"), ("西岭社区", "Xiling"))):
        community = service.create_community(
            session,
            schemas.CommunityCreate(
                district_id=district.id,
                code=f"C{n}{suffix}",
                name_zh=zh,
                name_en=en,
                population=5000 + n * 1000,
                elderly_65_plus=800,
                children_under_5=250,
                people_with_disabilities=300,
                chronically_ill=700,
                latitude=30.5 + n * 0.05,
                longitude=114.3 + n * 0.05,
            ),
        )
        communities.append(community.id or 0)

    def depot(code: str, kind: str, community: int | None) -> int:
        made = service.create_depot(
            session,
            schemas.DepotCreate(
                district_id=district.id or 0,
                community_id=community,
                code=code + suffix,
                name_zh=code,
                name_en=code,
                kind=kind,
                latitude=30.52,
                longitude=114.31,
                capacity_m3=500,
                capacity_kg=100_000,
            ),
        )
        return made.id or 0

    def item(code: str, category: str, shelf: int | None) -> int:
        made = service.create_item(
            session,
            schemas.ItemCreate(
                code=code + suffix,
                name_zh=code,
                name_en=code,
                category=category,
                base_unit="piece",
                unit_weight_g=600,
                unit_volume_cm3=700,
                shelf_life_days=shelf,
            ),
        )
        return made.id or 0

    return Small(
        district_id=district.id,
        community_ids=(communities[0], communities[1]),
        warehouse_id=depot("WH", "district_warehouse", None),
        depot_a_id=depot("DA", "community_depot", communities[0]),
        depot_b_id=depot("DB", "community_depot", communities[1]),
        water_id=item("WATER", "water", 365),
        tent_id=item("TENT", "shelter", None),
        mask_id=item("MASK", "ppe", 1095),
    )
