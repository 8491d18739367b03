"""The board's chart of waits by fragility tier over the day: server-rendered SVG, no script, no CDN.

Pure: waits in, SVG text out. Colour is never the only cue: every bar has a text title, the
legend names tiers, and the page gives the same figures as a table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import mean
from xml.sax.saxutils import escape

TIERS = ("urgent", "fragile", "normal")
COLOURS = {"urgent": "#a4161a", "fragile": "#7a4b00", "normal": "#0b4f9c"}
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 40


@dataclass(frozen=True)
class Wait:
    """One caller handed to a person today: the local hour they were queued, their tier, their wait."""

    hour: int
    tier: str
    seconds: float


@dataclass(frozen=True)
class HourBar:
    hour: int
    tier: str
    calls: int
    mean_seconds: float


def bars(waits: Iterable[Wait]) -> list[HourBar]:
    """Mean wait per hour and tier, hours in order, tiers in order of urgency."""
    grouped: dict[tuple[int, str], list[float]] = defaultdict(list)
    for w in waits:
        grouped[(w.hour, w.tier if w.tier in TIERS else "normal")].append(w.seconds)
    return [HourBar(hour, tier, len(v), mean(v))
            for (hour, tier), v in sorted(grouped.items(), key=lambda kv: (kv[0][0], TIERS.index(kv[0][1])))]


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.1f} min".replace(".", ",")


def render_svg(data: list[HourBar], tier_words: Mapping[str, str]) -> str:
    """Grouped bars: hours across, mean wait up; empty days say so in words."""
    title = "Attente moyenne par heure d'arrivée et par niveau de fragilité, aujourd'hui"
    if not data:
        return ""
    hours = list(range(min(b.hour for b in data), max(b.hour for b in data) + 1))
    top = max(b.mean_seconds for b in data)
    scale_top = max(60.0, -(-top // 60) * 60)  # whole minutes, at least one
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(hours)
    bar_w = max(3.0, slot / (len(TIERS) + 1))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="wait-chart-title">',
             f'<title id="wait-chart-title">{escape(title)}</title>']
    for i in range(5):
        value = scale_top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke-opacity="{0.9 if i == 0 else 0.25}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_minutes(value))}</text>')
    for index, hour in enumerate(hours):
        x0 = LEFT + index * slot
        parts.append(f'<text x="{x0 + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{hour} h</text>')
        for b in (b for b in data if b.hour == hour):
            h = plot_h * b.mean_seconds / scale_top
            x = x0 + bar_w * (TIERS.index(b.tier) + 0.5)
            label = (f"{hour} h, {tier_words.get(b.tier, b.tier)} : {b.calls} appel{'s' if b.calls > 1 else ''}, "
                     f"attente moyenne {_minutes(b.mean_seconds)}")
            parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{max(h, 1):.1f}" '
                         f'fill="{COLOURS[b.tier]}"><title>{escape(label)}</title></rect>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 4}">heure d\'arrivée dans la file</text>')
    parts.append("</svg>")
    return "".join(parts)
