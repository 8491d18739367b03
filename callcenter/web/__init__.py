"""The aiohttp application: factory, keys, health, and (later) agent and supervisor pages."""

from __future__ import annotations
