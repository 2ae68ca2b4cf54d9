"""The demo cycle's HTML report: a page template and the coverage chart, pure rendering."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from jinja2 import Environment

from plans.schemas import PlanPublic

#: The report page. The SVGs are drawn by our own code (matplotlib, the dispatch map), so
#: they are inserted as they are; every other value is escaped.
REPORT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ district }} · demo cycle report</title>
<style>
body { font: 18px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2 { line-height: 1.2; } figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; } td, th { padding: .2rem .6rem; border-bottom: 1px solid #ccc; }
</style></head><body>
<h1>{{ district }}: the demo cycle</h1>
<p>Scenario: {{ scenario }}. Plan {{ plan.id }} ({{ plan.status }}) delivers
{{ "{:,}".format(plan.summary.get("delivered", 0)) }} of
{{ "{:,}".format(plan.summary.get("demanded", 0)) }} units demanded
within {{ plan.deadline_h }} h.</p>
<h2>Coverage by community, before and after the plan</h2>
<p>Before: the share of each community's demand its own depot already holds.
After: the share the approved plan delivers.</p>
<figure>{{ coverage|safe }}</figure>
<h2>Forecast: {{ fan_title }}</h2>
<figure>{{ fan|safe }}</figure>
<h2>Routes</h2>
{% for m in maps %}
<figure>{{ m|safe }}<figcaption>Trip {{ loop.index }}</figcaption></figure>
{% endfor %}
<h2>Receipts</h2>
<ul>{% for w in written_off %}<li>{{ w }}</li>{% endfor %}</ul>
<h2>Suppliers' deliveries</h2>
<ul>{% for w in deliveries %}<li>{{ w }}</li>
{% else %}<li>every order delivered in full</li>{% endfor %}</ul>
<h2>Handed out</h2>
<p>{{ "{:,}".format(handed_out) }} units in {{ distributions }} distribution records at the
communities' depots and distribution points.</p>
{% if balance %}{% set t = balance.total %}
<h2>Where every allocated unit went</h2>
<table>
<tr><th scope="row">allocated</th><td>{{ "{:,}".format(t.allocated) }}</td></tr>
<tr><th scope="row">dispatched by our fleet</th><td>{{ "{:,}".format(t.dispatched) }}</td></tr>
<tr><th scope="row">scheduled in a later wave</th><td>{{ "{:,}".format(t.scheduled) }}</td></tr>
<tr><th scope="row">called on from agreement suppliers</th>
<td>{{ "{:,}".format(t.by_supplier) }}</td></tr>
<tr><th scope="row">already at the community</th><td>{{ "{:,}".format(t.at_destination) }}</td></tr>
{% for reason, q in t.left_out.items() %}
<tr><th scope="row">left out: {{ reason.replace("_", " ") }}</th>
<td>{{ "{:,}".format(q) }}</td></tr>{% endfor %}
<tr><th scope="row">not routed</th><td>{{ "{:,}".format(t.pending) }}</td></tr>
</table>
<p>{{ "It adds up" if balance.adds_up else "It does NOT add up" }};
{{ "{:.1%}".format(balance.reach_share) }} of the allocated units reach a destination.</p>
{% endif %}
</body></html>
"""


def coverage_rows(
    plan: PlanPublic, receiving: dict[int | None, int | None]
) -> dict[int, tuple[float, float]]:
    """Per community: (before, after) as shares of its demand. Before counts only the plan's
    lines from the community's own depot (stock already there); after counts every line."""
    demanded: dict[int, int] = defaultdict(int)
    delivered: dict[int, int] = defaultdict(int)
    for f in plan.fills:
        demanded[f.community_id] += f.demanded
        delivered[f.community_id] += f.delivered
    local: dict[int, int] = defaultdict(int)
    for x in plan.lines:
        if x.depot_id is not None and receiving.get(x.community_id) == x.depot_id:
            local[x.community_id] += x.quantity
    return {
        c: (local[c] / total, delivered[c] / total)
        for c, total in sorted(demanded.items())
        if total > 0
    }


def coverage_svg(rows: dict[int, tuple[float, float]], names: dict[int | None, str]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [names.get(c, str(c)) for c in rows]
    before = [100 * b for b, _ in rows.values()]
    after = [100 * a for _, a in rows.values()]
    positions = range(len(labels))
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(labels) + 1.5))
    ax.barh([p + 0.2 for p in positions], before, height=0.4, label="before", color="#999")
    ax.barh([p - 0.2 for p in positions], after, height=0.4, label="after", color="#1565c0")
    ax.set_yticks(list(positions), labels)
    ax.set_xlabel("share of demand covered (%)")
    ax.set_xlim(0, 100)
    ax.legend(loc="lower right")
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    svg = out.getvalue()
    return svg[svg.index("<svg") :]


def render(**values: Any) -> str:
    """The report page with `values` (district, scenario, plan, coverage, fan, maps...)."""
    return Environment(autoescape=True).from_string(REPORT).render(**values)
