"""Small inline SVG charts, drawn on the server: no charting library, no script."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from service.web.depiction import PALETTE, hex_colour


@dataclass
class Chart:
    svg: str
    legend: list[tuple[str, str]]  # (colour, label)
    table: list[tuple[str, dict[str, int]]]  # the same numbers as text, per month


def reports_by_country_over_time(samples: list[tuple[dt.date, str]], *, months: int = 24) -> Chart | None:
    """Stacked bars: reports per month (of sampling), coloured by country, the last ``months`` months."""
    if not samples:
        return None
    counts = Counter((day.strftime("%Y-%m"), country) for day, country in samples)
    last = max(day for day, _ in samples)
    keys = []
    year, month = last.year, last.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first_used = min(day for day, _ in samples).strftime("%Y-%m")
    keys = [k for k in keys if k >= first_used] or keys[-1:]
    countries = sorted({c for _, c in samples}, key=lambda c: (-sum(n for (m, cc), n in counts.items() if cc == c), c))
    colour = {c: hex_colour(PALETTE[i % len(PALETTE)]) for i, c in enumerate(countries)}
    peak = max(sum(counts[(k, c)] for c in countries) for k in keys) or 1
    width, height, left, bottom = 640, 200, 30, 30
    bar = (width - left - 10) / len(keys)
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Reports per month by country, {keys[0]} to {keys[-1]}">'
    )
    parts = [opening]
    plot = height - bottom - 10
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#57606a"/>')
    parts.append(f'<text x="2" y="16" font-size="11" fill="#57606a">{peak}</text>')
    for i, key in enumerate(keys):
        x = left + i * bar
        y: float = height - bottom
        for country in countries:
            n = counts[(key, country)]
            if not n:
                continue
            h = plot * n / peak
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{colour[country]}"><title>{key} {country}: {n}</title></rect>'
            )
        if len(keys) <= 12 or i % 3 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
                f'fill="#57606a">{key}</text>'
            )
    parts.append("</svg>")
    table = [(k, {c: counts[(k, c)] for c in countries if counts[(k, c)]}) for k in keys]
    return Chart("".join(parts), [(colour[c], c) for c in countries], [row for row in table if row[1]])
