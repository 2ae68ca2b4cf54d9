"""A driver's route sheet (printable HTML) and route map (SVG), over plain data.

The sheet lists the stops in driving order with arrival times and what to unload at each;
labels are in Chinese or English, times in the zone the caller names. The map draws the
trip from its coordinates (an equirectangular projection is exact enough at district
scale): the start depot as a square, numbered stops, the way back to the end depot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class SheetLine:
    item_code: str
    item_name: str
    lot_number: str
    quantity: int
    unit: str


@dataclass(frozen=True)
class SheetStop:
    number: int
    community: str
    depot: str
    arrival: datetime
    latitude: float
    longitude: float
    lines: tuple[SheetLine, ...]


@dataclass(frozen=True)
class SheetPlace:
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class RouteSheet:
    vehicle: str
    trip: int
    starts_at: datetime
    ends_at: datetime
    distance_m: int
    start: SheetPlace
    end: SheetPlace
    stops: tuple[SheetStop, ...]
    manifest_sha256: str | None = None


LABELS: dict[Lang, dict[str, str]] = {
    "zh": {
        "title": "配送路线单",
        "vehicle": "车辆",
        "trip": "趟次",
        "depart": "出发",
        "back": "返回",
        "from": "起点",
        "to": "终点",
        "distance": "里程",
        "stop": "站点",
        "arrival": "到达",
        "community": "社区",
        "depot": "接收仓库",
        "item": "物资",
        "lot": "批次",
        "quantity": "数量",
        "sign": "接收人签字",
        "manifest": "货单哈希",
        "times": "时间",
    },
    "en": {
        "title": "Route sheet",
        "vehicle": "Vehicle",
        "trip": "Trip",
        "depart": "Departs",
        "back": "Back",
        "from": "From",
        "to": "Return to",
        "distance": "Distance",
        "stop": "Stop",
        "arrival": "Arrival",
        "community": "Community",
        "depot": "Receiving depot",
        "item": "Item",
        "lot": "Lot",
        "quantity": "Quantity",
        "sign": "Received by (signature)",
        "manifest": "Manifest SHA-256",
        "times": "Times",
    },
}

#: The sheet's stylesheet, kept inline so a saved or printed sheet needs no other file
#: (a Content-Security-Policy allows it by its hash).
STYLE = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 1.5cm; color: #111; }
h1 { font-size: 1.4em; margin: 0 0 .5em; }
dl.head { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: bold; }
section.stop { border-top: 2px solid #333; margin-top: 1em; padding-top: .4em;
  page-break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; }
td.q { text-align: right; }
.sign { margin-top: .6em; }
.sign span { display: inline-block; width: 16em; border-bottom: 1px solid #333; }
footer { margin-top: 2em; font-size: .8em; word-break: break-all; }
@media print { body { margin: 1cm; } }
"""

_TEMPLATE = (
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ t.title }} {{ s.vehicle }} #{{ s.trip }}</title>
<style>"""
    + STYLE
    + """</style></head><body>
<h1>{{ t.title }}</h1>
<dl class="head">
<dt>{{ t.vehicle }}</dt><dd>{{ s.vehicle }} · {{ t.trip }} {{ s.trip }}</dd>
<dt>{{ t.from }}</dt><dd>{{ s.start.name }}</dd>
<dt>{{ t.depart }}</dt><dd>{{ when(s.starts_at) }}</dd>
<dt>{{ t.to }}</dt><dd>{{ s.end.name }}</dd>
<dt>{{ t.back }}</dt><dd>{{ when(s.ends_at) }}</dd>
<dt>{{ t.distance }}</dt><dd>{{ "%.1f"|format(s.distance_m / 1000) }} km</dd>
<dt>{{ t.times }}</dt><dd>{{ zone }}</dd>
</dl>
{% for stop in s.stops %}
<section class="stop">
<h2>{{ t.stop }} {{ stop.number }} · {{ when(stop.arrival) }}</h2>
<p>{{ t.community }}: {{ stop.community }} — {{ t.depot }}: {{ stop.depot }}</p>
<table><thead><tr><th>{{ t.item }}</th><th>{{ t.lot }}</th><th>{{ t.quantity }}</th></tr>
</thead><tbody>
{% for line in stop.lines %}
<tr><td>{{ line.item_code }} {{ line.item_name }}</td><td>{{ line.lot_number }}</td>
<td class="q">{{ "{:,}".format(line.quantity) }} {{ line.unit }}</td></tr>
{% endfor %}
</tbody></table>
<p class="sign">{{ t.sign }}: <span>&nbsp;</span></p>
</section>
{% endfor %}
{% if s.manifest_sha256 %}<footer>{{ t.manifest }}: {{ s.manifest_sha256 }}</footer>{% endif %}
</body></html>
"""
)

_ENV = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
_COMPILED = _ENV.from_string(_TEMPLATE)


def render_html(sheet: RouteSheet, *, lang: Lang = "zh", zone: str = "UTC") -> str:
    """The printable sheet; `zone` is an IANA time zone name for the times shown."""
    tz = ZoneInfo(zone)

    def when(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return _COMPILED.render(s=sheet, t=LABELS[lang], lang=lang, zone=zone, when=when)


def render_svg(sheet: RouteSheet, *, width: int = 640, height: int = 480) -> str:
    """The trip drawn from its coordinates: start, numbered stops in order, end."""
    places = [(sheet.start.latitude, sheet.start.longitude)]
    places += [(s.latitude, s.longitude) for s in sheet.stops]
    places.append((sheet.end.latitude, sheet.end.longitude))
    project = _projection(places, width, height, margin=40)
    points = [project(lat, lon) for lat, lon in places]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(sheet.vehicle)} #{sheet.trip}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<polyline points="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>',
    ]
    for (x, y), place in ((points[0], sheet.start), (points[-1], sheet.end)):
        out.append(f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="#333"/>')
        out.append(f'<text x="{x + 10:.1f}" y="{y - 8:.1f}">{escape(place.name)}</text>')
    for (x, y), stop in zip(points[1:-1], sheet.stops, strict=True):
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="#d62728"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y + 4:.1f}" fill="#fff" text-anchor="middle">'
            f"{stop.number}</text>"
        )
        out.append(f'<text x="{x + 13:.1f}" y="{y + 4:.1f}">{escape(stop.community)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _projection(
    places: list[tuple[float, float]], width: int, height: int, *, margin: int
) -> Callable[[float, float], tuple[float, float]]:
    lats = [p[0] for p in places]
    lons = [p[1] for p in places]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * scale_x, 1e-9)
    span_y = max(max(lats) - min(lats), 1e-9)
    k = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    left, top = min(lons), max(lats)
    off_x = (width - 2 * margin - span_x * k) / 2 + margin
    off_y = (height - 2 * margin - span_y * k) / 2 + margin

    def project(lat: float, lon: float) -> tuple[float, float]:
        return off_x + (lon - left) * scale_x * k, off_y + (top - lat) * k

    return project
