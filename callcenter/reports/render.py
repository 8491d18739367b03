"""The equity report as text, JSON or HTML."""

from __future__ import annotations

import json

from callcenter.reports.equity import EquityReport
from callcenter.web.labels import load_labels
from callcenter.web.templates import render_html

REASON_GROUP = "raison : "


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} s"


def as_text(report: EquityReport) -> str:
    head = (f"{'groupe':32} {'appels':>6} {'conseil':>7} {'pris':>6} {'méd.':>7} {'p90':>7} "
            f"{'aband.':>6} {'rappels':>7} {'satisf.':>7}")
    lines = [f"Rapport d'équité{' depuis ' + report.since if report.since else ''}", "", report.statement, "",
             head, "-" * len(head)]
    for g in report.groups:
        lines.append(f"{g.group:32} {g.calls:>6} {g.needed_person:>7} {pct(g.answered_share):>6} "
                     f"{secs(g.median_wait):>7} {secs(g.p90_wait):>7} {pct(g.abandonment):>6} "
                     f"{pct(g.callbacks_kept):>7} {'—' if g.satisfaction is None else g.satisfaction:>7}")
    lines += ["", *report.notes]
    return "\n".join(lines).rstrip() + "\n"


def as_json(report: EquityReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def group_name(group: str) -> str:
    """A group as people read it: a reason's label, never its id."""
    if group.startswith(REASON_GROUP):
        return REASON_GROUP + load_labels().of("reasons", group[len(REASON_GROUP):])
    return group


def as_html(report: EquityReport, **context: object) -> str:
    return render_html("equity_report.html", report=report, pct=pct, secs=secs, group_name=group_name, **context)
