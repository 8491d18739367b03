"""Reports for supervisors: the equity report (who waited, who got a person, per fragility)."""

from __future__ import annotations

from callcenter.reports.equity import CallFacts, EquityReport, GroupStats, equity_report

__all__ = ["CallFacts", "EquityReport", "GroupStats", "equity_report"]
