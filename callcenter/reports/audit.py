"""The audit log as a table: text for a terminal, CSV for a spreadsheet, rows for the page.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``)
are prefixed with a quote: an actor name or a comment must never become a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

COLUMNS = ("at", "actor", "action", "object", "detail")


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    object: str
    detail: dict[str, Any]

    def detail_text(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True)


def _safe_cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def as_csv(rows: Iterable[AuditRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in (row.at.isoformat(), row.actor, row.action, row.object,
                                                 row.detail_text())])
    return out.getvalue()


def as_text(rows: Iterable[AuditRow]) -> str:
    lines = [f"{row.at:%Y-%m-%d %H:%M:%S}  {row.actor:12}  {row.action:16}  {row.object:24}  {row.detail_text()}"
             for row in rows]
    return "\n".join(lines) + "\n" if lines else "no audit entries\n"
