"""Plain-language reasons for what each community got.

Under leximin every short demand is short for the same root cause: the item's stock that
can arrive by its deadline is exhausted at the common fair level. What a coordinator can act
on is what shrank that stock, so each short item names, besides the shortage itself, the
depots that keep a safety floor, the suppliers whose lead time is past the deadline and the
depots whose stock expires too early; general demand also says that priority came first.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from optimizer.allocation.model import AllocationProblem, SourceKind, Tier
from optimizer.allocation.result import CommunityReport, Fill, Reason, ReasonCode
from optimizer.allocation.supply import Unit, shippable_lots

#: Sources named per kind of reason and item before the rest are counted.
NAMED = 3
#: Short items listed in a community's summary before the rest are counted.
SUMMARY_ITEMS = 5


def explain(
    problem: AllocationProblem,
    fills: list[Fill],
    units: dict[str, list[Unit]],
) -> tuple[CommunityReport, ...]:
    """One report per community, in the problem's community order."""
    total: dict[str, int] = defaultdict(int)
    has_priority: set[str] = set()
    for f in fills:
        total[f.item] += f.demanded
        if f.tier is Tier.PRIORITY and f.demanded:
            has_priority.add(f.item)

    @cache
    def item_reasons(item: str, deadline_h: int) -> tuple[Reason, ...]:
        available = sum(u.capacity for u in units.get(item, []) if u.serves(deadline_h))
        head = Reason(
            ReasonCode.STOCK_LIMIT,
            f"limited by total stock of {item}: {available:,} can arrive within "
            f"{deadline_h} h for {total[item]:,} demanded",
            item,
        )
        return (head, *_source_reasons(problem, item, deadline_h))

    by_community: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        by_community[f.community].append(f)
    reports = []
    for community in problem.communities:
        short = [f for f in by_community.get(community.id, []) if f.unmet > 0]
        if not short:
            reports.append(
                CommunityReport(
                    community.id, "all demand met", (Reason(ReasonCode.ALL_MET, "all demand met"),)
                )
            )
            continue
        reasons: dict[tuple[str, str | None, str | None, str], Reason] = {}
        for f in sorted(short, key=lambda f: (f.rate, f.item)):
            found = list(item_reasons(f.item, f.deadline_h))
            if f.tier is Tier.GENERAL and f.item in has_priority:
                found.insert(
                    1,
                    Reason(
                        ReasonCode.PRIORITY_FIRST,
                        f"priority demand of {f.item} (vulnerable groups, life-critical "
                        "needs) was served first",
                        f.item,
                    ),
                )
            for r in found:
                reasons.setdefault((r.code, r.item, r.source, r.text), r)
        listed = sorted(short, key=lambda f: (f.rate, f.item))
        parts = [f"{f.item} {f.tier} {f.rate:.0%}" for f in listed[:SUMMARY_ITEMS]]
        if len(listed) > SUMMARY_ITEMS:
            parts.append(f"and {len(listed) - SUMMARY_ITEMS} more")
        summary = f"short of {len({f.item for f in short})} item(s): " + ", ".join(parts)
        reports.append(CommunityReport(community.id, summary, tuple(reasons.values())))
    return tuple(reports)


def _source_reasons(problem: AllocationProblem, item: str, deadline_h: int) -> list[Reason]:
    floors: list[Reason] = []
    leads: list[Reason] = []
    expiries: list[Reason] = []
    for source in problem.sources:
        for h in source.stock:
            if h.item != item:
                continue
            kept = min(h.floor, sum(lot.quantity for lot in h.lots))
            if kept > 0:
                floors.append(
                    Reason(
                        ReasonCode.FLOOR,
                        f"source {source.id} reserved to its floor: keeps {kept:,} of {item}",
                        item,
                        source.id,
                    )
                )
            late = sum(
                q
                for lot, q in shippable_lots(h)
                if lot.expires_in_h is not None and lot.expires_in_h < deadline_h
            )
            if late > 0:
                expiries.append(
                    Reason(
                        ReasonCode.EXPIRY,
                        f"source {source.id}: {late:,} of {item} expire before the "
                        f"{deadline_h} h deadline",
                        item,
                        source.id,
                    )
                )
        if source.kind is SourceKind.AGREEMENT:
            for a in source.agreements:
                if a.item == item and a.lead_time_h > deadline_h:
                    leads.append(
                        Reason(
                            ReasonCode.LEAD_TIME,
                            f"supplier {source.id} lead time {a.lead_time_h} h > deadline "
                            f"{deadline_h} h",
                            item,
                            source.id,
                        )
                    )
    return [*_named(floors), *_named(leads), *_named(expiries)]


def _named(reasons: list[Reason]) -> list[Reason]:
    """The first few reasons of one kind, and one line counting the rest."""
    if len(reasons) <= NAMED:
        return reasons
    rest = reasons[NAMED:]
    first = rest[0]
    more = Reason(first.code, f"and {len(rest)} more sources alike for {first.item}", first.item)
    return [*reasons[:NAMED], more]
