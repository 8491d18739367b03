"""Checking a password off the event loop, in the same time whether the user exists or not.

Argon2 takes tens to hundreds of milliseconds of CPU by design: run on the event loop, a few
wrong logins at once stalled every call's webhooks. It runs in a thread here (argon2-cffi releases
the GIL), at most ``concurrency`` at a time, so logins cannot take every core either. An unknown
or disabled user is checked against a dummy hash made with the same parameters, so the answer
takes as long as for a real user (no user enumeration by timing).
"""

from __future__ import annotations

import asyncio
import functools
import secrets

from callcenter.auth.passwords import _HASHER, verify_password

# Longer passwords are refused before hashing (no one types these; hashing them is work for free).
MAX_PASSWORD = 1024


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def check(stored_hash: str | None, password: str) -> bool:
    """Blocking: whether ``password`` matches ``stored_hash``; ``None`` checks a dummy and fails."""
    if len(password) > MAX_PASSWORD:
        password = ""
        stored_hash = None
    if stored_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(stored_hash, password)


class PasswordChecker:
    """Password checks in threads, ``concurrency`` at a time (the others wait their turn)."""

    def __init__(self, concurrency: int = 2) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._slots = asyncio.Semaphore(concurrency)

    @staticmethod
    def warm_up() -> None:
        """Make the dummy hash now (blocking), so the first unknown user is not answered faster."""
        _dummy_hash()

    async def check(self, stored_hash: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(check, stored_hash, password)
