"""The district map as inline SVG: communities and depots placed by their coordinates and
coloured by days of supply. Pure: plain points in, SVG text out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# (upper bound in days, fill colour, label); the last band has no upper bound.
BANDS: tuple[tuple[float, str, str], ...] = (
    (3, "#b2182b", "under 3 days"),
    (7, "#ef8a62", "3 to 7 days"),
    (14, "#fddbc7", "7 to 14 days"),
    (float("inf"), "#67a9cf", "14 days or more"),
)
NO_DATA = ("#bdbdbd", "no stock or no use")


@dataclass(frozen=True)
class Point:
    kind: str  # "community" or "depot"
    label: str
    latitude: float
    longitude: float
    days: float | None


def colour(days: float | None) -> str:
    if days is None:
        return NO_DATA[0]
    return next(fill for bound, fill, _ in BANDS if days < bound)


def svg(points: Sequence[Point], *, title: str, width: int = 720, height: int = 480) -> str:
    """An SVG map; north up, with a margin so labels stay inside."""
    margin = 60
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img">'
            f"<title>{escape(title)}</title></svg>"
        )
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    span_lat = max(max(lats) - min(lats), 1e-6)
    span_lon = max(max(lons) - min(lons), 1e-6)

    def xy(p: Point) -> tuple[float, float]:
        x = margin + (p.longitude - min(lons)) / span_lon * (width - 2 * margin)
        y = height - margin - (p.latitude - min(lats)) / span_lat * (height - 2 * margin)
        return round(x, 1), round(y, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="map-title">',
        f'<title id="map-title">{escape(title)}</title>',
    ]
    for p in sorted(points, key=lambda p: p.kind != "community"):
        x, y = xy(p)
        days = "—" if p.days is None else f"{p.days:.1f}"
        tip = f"<title>{escape(p.label)}: {days}</title>"
        fill = colour(p.days)
        if p.kind == "community":
            shape = (
                f'<circle cx="{x}" cy="{y}" r="16" fill="{fill}" stroke="#111" stroke-width="2">'
            )
            parts.append(shape + tip + "</circle>")
        else:
            shape = (
                f'<rect x="{x - 10}" y="{y - 10}" width="20" height="20" fill="{fill}" '
                f'stroke="#111" stroke-width="3">'
            )
            parts.append(shape + tip + "</rect>")
        parts.append(
            f'<text x="{x}" y="{y + 32}" text-anchor="middle" font-size="14" fill="#111">'
            f"{escape(p.label)} · {days}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
