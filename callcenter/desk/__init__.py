"""The desk's pure core: a queued caller's entry, its events and commands, and ``step``.

No I/O here (a test checks). The storage shell that loads entries, steps them, logs the steps and
hands the commands on is ``callcenter.desk.service`` (with ``queue_store`` and ``context``); being
impure, it is imported by module, never through this package.
"""

from __future__ import annotations

from callcenter.desk.core import replay, step
from callcenter.desk.model import DeskCommand, DeskError, DeskEvent, DeskNews, DeskPolicy, Entry

__all__ = ["DeskCommand", "DeskError", "DeskEvent", "DeskNews", "DeskPolicy", "Entry", "replay", "step"]
