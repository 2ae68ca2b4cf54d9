"""The routes of one route plan on the district map, as inline SVG: every depot and
community placed by its coordinates, each trip a coloured line from its depot through its
numbered stops and back. Pure: plain places and trips in, SVG text out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colour-blind safe (Okabe & Ito), dark enough to read on the map's pale background.
COLOURS: tuple[str, ...] = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#000000")


@dataclass(frozen=True)
class Place:
    kind: str  # "community" or "depot"
    label: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Trip:
    """One trip: where it starts, its stops in driving order, where it ends."""

    label: str
    start: tuple[float, float]
    stops: tuple[tuple[float, float], ...]
    end: tuple[float, float]


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


def svg(
    places: Sequence[Place],
    trips: Sequence[Trip],
    *,
    title: str,
    ident: str = "route-map",
    width: int = 720,
    height: int = 480,
) -> str:
    """An SVG map, north up; `ident` keeps the title's id unique when a page has several."""
    margin = 90  # room for labels and the stop numbers set beside their place
    coords = [(p.latitude, p.longitude) for p in places]
    for t in trips:
        coords += [t.start, *t.stops, t.end]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{ident}-title">'
        f'<title id="{ident}-title">{escape(title)}</title>'
    )
    if not coords:
        return head + "</svg>"
    lats = [c[0] for c in coords]
    lons = [c[1] for c in coords]
    span_lat = max(max(lats) - min(lats), 1e-6)
    span_lon = max(max(lons) - min(lons), 1e-6)

    def xy(point: tuple[float, float]) -> tuple[float, float]:
        lat, lon = point
        x = margin + (lon - min(lons)) / span_lon * (width - 2 * margin)
        y = height - margin - (lat - min(lats)) / span_lat * (height - 2 * margin)
        return round(x, 1), round(y, 1)

    parts = [head]
    # Places drawn on the same spot (depots in one compound) share one mark and one label.
    spots: dict[tuple[str, tuple[float, float]], list[str]] = {}
    for p in places:
        spots.setdefault((p.kind, xy((p.latitude, p.longitude))), []).append(p.label)
    for (kind, (x, y)), labels in spots.items():
        label = escape(" / ".join(labels))
        if kind == "community":
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="14" fill="#e8ecf4" stroke="#111" stroke-width="2">'
                f"<title>{label}</title></circle>"
            )
        else:
            parts.append(
                f'<rect x="{x - 9}" y="{y - 9}" width="18" height="18" fill="#555" stroke="#111">'
                f"<title>{label}</title></rect>"
            )
        parts.append(
            f'<text x="{x}" y="{y + 30}" text-anchor="middle" font-size="14" fill="#111">'
            f"{label}</text>"
        )
    for n, t in enumerate(trips):
        fill = colour(n)
        path = " ".join(f"{x},{y}" for x, y in map(xy, (t.start, *t.stops, t.end)))
        dash = ' stroke-dasharray="10 5"' if n >= len(COLOURS) else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{fill}" stroke-width="4"{dash}>'
            f"<title>{escape(t.label)}</title></polyline>"
        )
        for number, stop in enumerate(t.stops, start=1):
            x, y = xy(stop)
            x, y = round(x + 16 + 20 * (n % 4), 1), round(y - 16 - 20 * (n // 4 % 3), 1)
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="10" fill="{fill}">'
                f"<title>{escape(t.label)}: {number}</title></circle>"
                f'<text x="{x}" y="{y + 5}" text-anchor="middle" font-size="13" '
                f'font-weight="700" fill="#fff">{number}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
