"""Hypothesis strategies for small random allocation problems."""

from __future__ import annotations

from hypothesis import strategies as st

from optimizer.allocation import (
    Agreement,
    AllocationProblem,
    Community,
    Demand,
    Holding,
    Item,
    Location,
    Lot,
    Source,
    SourceKind,
    Tier,
)

DEADLINES = (12, 24, 48, 72, 96)


@st.composite
def problems(draw: st.DrawFn) -> AllocationProblem:
    n_items = draw(st.integers(1, 3))
    items = tuple(Item(f"I{i}", draw(st.sampled_from([100, 575, 5150]))) for i in range(n_items))
    codes = [i.code for i in items]

    def place() -> Location:
        return Location(draw(st.floats(30.0, 30.5)), draw(st.floats(114.0, 114.5)))

    communities = tuple(Community(f"C{c}", place()) for c in range(draw(st.integers(1, 5))))
    sources: list[Source] = []
    for s in range(draw(st.integers(1, 4))):
        held = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=n_items, unique=True))
        if draw(st.booleans()):
            stock = tuple(
                Holding(
                    code,
                    tuple(
                        Lot(
                            f"L{n}",
                            draw(st.integers(0, 60)),
                            draw(st.sampled_from([None, 20, 50, 100])),
                        )
                        for n in range(draw(st.integers(1, 3)))
                    ),
                    draw(st.integers(0, 30)),
                )
                for code in held
            )
            sources.append(Source(f"D{s}", SourceKind.DEPOT, place(), stock=stock))
        else:
            agreements = tuple(
                Agreement(
                    f"A{s}-{code}",
                    code,
                    reserved=draw(st.integers(0, 40)),
                    surge_per_day=draw(st.integers(0, 20)),
                    lead_time_h=draw(st.sampled_from([0, 24, 48, 96])),
                    unit_price=draw(st.integers(0, 500)),
                )
                for code in held
            )
            sources.append(Source(f"S{s}", SourceKind.AGREEMENT, place(), agreements=agreements))
    demands = [
        Demand(c.id, code, tier, draw(st.integers(0, 60)), draw(st.sampled_from(DEADLINES)))
        for c in communities
        for code in codes
        for tier in Tier
        if draw(st.booleans())
    ]
    if not demands:
        demands = [Demand(communities[0].id, codes[0], Tier.PRIORITY, 10, 48)]
    return AllocationProblem(items, tuple(sources), communities, tuple(demands))
