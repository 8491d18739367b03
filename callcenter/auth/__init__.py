"""Users, roles, password hashing, signed sessions and CSRF tokens (pure helpers; storage in store/)."""

from __future__ import annotations

from callcenter.auth.passwords import hash_password, needs_rehash, verify_password
from callcenter.auth.roles import ROLES, Role, role_allows
from callcenter.auth.tokens import csrf_token, new_nonce, read_signed, sign_payload

__all__ = ["ROLES", "Role", "csrf_token", "hash_password", "needs_rehash", "new_nonce", "read_signed",
           "role_allows", "sign_payload", "verify_password"]
