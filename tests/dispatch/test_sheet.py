"""Route sheets, maps and manifest hashes over plain data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dispatch.documents import ManifestDoc, ManifestLineDoc, digest, document
from dispatch.sheet import (
    RouteSheet,
    SheetLine,
    SheetPlace,
    SheetStop,
    render_html,
    render_svg,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def sheet() -> RouteSheet:
    stops = tuple(
        SheetStop(
            n,
            f"<Community {n}>",
            f"D{n}",
            T0 + timedelta(minutes=20 * n),
            30.5 + n / 100,
            114.3 + n / 50,
            (SheetLine("WATER", "饮用水", f"L-{n}", 1200 * n, "bottle"),),
        )
        for n in (1, 2, 3)
    )
    place = SheetPlace("WH", 30.5, 114.3)
    return RouteSheet("T-1", 1, T0, T0 + timedelta(hours=2), 18_400, place, place, stops, "ab" * 32)


def test_sheet_lists_stops_in_order_with_local_times_and_escapes_names() -> None:
    html = render_html(sheet(), lang="zh", zone="Asia/Shanghai")
    assert "配送路线单" in html
    assert "2026-03-01 16:20" in html  # 08:20 UTC is 16:20 in Shanghai
    positions = [html.index(f"&lt;Community {n}&gt;") for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert "<Community" not in html
    assert "3,600 bottle" in html
    assert "ab" * 32 in html
    english = render_html(sheet(), lang="en")
    assert "Route sheet" in english
    assert "2026-03-01 08:20" in english


def test_map_draws_every_stop_inside_the_picture() -> None:
    svg = render_svg(sheet(), width=400, height=300)
    assert svg.count("<circle") == 3
    assert "&lt;Community 1&gt;" in svg
    polyline = svg.split('points="')[1].split('"')[0]
    for pair in polyline.split():
        x, y = (float(v) for v in pair.split(","))
        assert 0 <= x <= 400
        assert 0 <= y <= 300


def manifest(quantity: int = 10) -> ManifestDoc:
    return ManifestDoc(
        1, 2, 3, 4, 5, "T-1", 1, 6, 7, T0, T0, "coordinator",
        [ManifestLineDoc(9, 1, 8, 10, 11, 12, 13, quantity)],
    )  # fmt: skip


def test_manifest_hash_is_sha256_of_its_canonical_json() -> None:
    doc = document(manifest())
    expected = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    assert digest(manifest()) == hashlib.sha256(expected).hexdigest()
    assert doc["expected_at"] == "2026-03-01T08:00:00Z"
    assert digest(manifest(11)) != digest(manifest())
    later = replace(manifest(), expected_at=T0 + timedelta(microseconds=5))
    assert digest(later) == digest(manifest())  # whole seconds: the same from every database
