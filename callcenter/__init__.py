"""callcenter: a self-hostable telephony assistant for French public-service call centres."""

from __future__ import annotations

__version__ = "0.1.0"
