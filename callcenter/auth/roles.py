"""Roles and what they may open: an admin can do what a supervisor can, who can do what an agent can."""

from __future__ import annotations

from typing import Literal

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")
_LEVEL: dict[str, int] = {role: level for level, role in enumerate(ROLES, start=1)}


def role_allows(have: str, need: Role) -> bool:
    return _LEVEL.get(have, 0) >= _LEVEL[need]
