"""Command-line interface: ``callcenter serve|call|flows|kb|triage|...``."""

from __future__ import annotations

from callcenter.cli.main import main

__all__ = ["main"]
