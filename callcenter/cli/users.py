"""``callcenter users add|list|disable|enable|password|sessions``: the people who log in, their roles and skills."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sys
from pathlib import Path

from callcenter.auth import ROLES, hash_password
from callcenter.calls import utc_now
from callcenter.config import Settings
from callcenter.errors import CallCenterError
from callcenter.flows import FlowError, load_flow
from callcenter.flows.catalog import flow_files
from callcenter.flows.model import Transfer
from callcenter.store import Database, upgrade
from callcenter.store.sessions import list_sessions, revoke_session, revoke_user_sessions
from callcenter.store.users import UserError, add_user, list_users, set_active, set_password_hash, user_by_name


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("users", help="manage agents, supervisors and admins",
                            description="The people who log in to the agent screen and the board.")
    users = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = users.add_parser("add", help="create a user", description=(
        "Create a user. Skills must be queues or skills of the flows the server runs "
        "(CALLCENTER_FLOWS_DIR), so a typo cannot leave an agent who never gets a call."))
    add.add_argument("name", help="login name (letters, digits, . _ -)")
    add.add_argument("--role", choices=ROLES, required=True,
                     help="agent: takes calls; supervisor: also sees the board and reports; admin: everything")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input (else asked on the terminal)")
    add.add_argument("--display-name", help="name shown to colleagues (default: the login name)")
    add.add_argument("--skill", action="append", default=[], metavar="SKILL[:LEVEL]",
                     help="a queue or skill the agent handles, level 1 (basic) to 3 (expert), "
                          "e.g. caf:3; repeatable")
    add.add_argument("--language", action="append", default=[], metavar="CODE",
                     help="another language spoken besides French, as a two-letter code (e.g. pt, ar); "
                          "repeatable")
    add.add_argument("--phone", help="how to reach the agent: +33... or client:IDENTITY")
    add.set_defaults(func=run_add)
    lst = users.add_parser("list", help="list users with their role, state and skills")
    lst.set_defaults(func=run_list)
    for name, active in (("disable", False), ("enable", True)):
        p = users.add_parser(name, help=f"{name} a user's login" + (" (their sessions end)" if not active else ""))
        p.add_argument("name", help="login name")
        p.set_defaults(func=run_set_active, active=active)
    pw = users.add_parser("password", help="set a user's password (their sessions end)")
    pw.add_argument("name", help="login name whose password changes (their sessions end)")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw.set_defaults(func=run_password)
    ses = users.add_parser("sessions", help="list live sessions, or end them")
    ses.add_argument("name", nargs="?", help="only this user's sessions")
    ses.add_argument("--all", action="store_true", help="ended sessions too")
    ses.add_argument("--revoke", type=int, metavar="ID", help="end the session with this id")
    ses.add_argument("--revoke-all", action="store_true", help="end every session of NAME")
    ses.set_defaults(func=run_sessions)


LANGUAGE = re.compile(r"^[a-z]{2}$")


def known_skills(flows_dir: Path) -> set[str]:
    """Queues and skills the flows hand callers to: what an agent's skill can name."""
    known: set[str] = set()
    for path in flow_files(flows_dir):
        try:
            flow = load_flow(path)
        except FlowError:
            continue  # a refused flow routes nobody; `callcenter flows validate` says why
        for node in flow.nodes.values():
            if isinstance(node, Transfer):
                known.add(node.queue)
                if node.skill:
                    known.add(node.skill)
    return known


def _skills(values: list[str], known: set[str]) -> dict[str, int]:
    skills = {}
    for value in values:
        name, _, level = value.partition(":")
        if not name or (level and level not in ("1", "2", "3")):
            raise CallCenterError(f"--skill {value!r}: expected NAME or NAME:LEVEL with LEVEL 1-3")
        if known and name not in known:
            raise CallCenterError(f"--skill {value!r}: no queue or skill {name!r} in the flows; "
                                  f"known: {', '.join(sorted(known))}")
        skills[name] = int(level or 1)
    return skills


def _languages(values: list[str]) -> list[str]:
    for value in values:
        if not LANGUAGE.match(value):
            raise CallCenterError(f"--language {value!r}: expected a two-letter language code, "
                                  "e.g. en, pt, ar")
    return values


def _database() -> Database:
    settings = Settings.from_env()
    upgrade(settings.database_url)
    return Database(settings.database_url)


def _new_password_hash(from_stdin: bool) -> str:
    password = sys.stdin.readline().rstrip("\n") if from_stdin else getpass.getpass("Mot de passe : ")
    try:
        return hash_password(password)
    except ValueError as exc:
        raise CallCenterError(str(exc)) from None


def run_add(args: argparse.Namespace) -> int:
    # Checked before the password is asked: a typo is caught before anyone types a secret.
    settings = Settings.from_env()
    skills = _skills(args.skill, known_skills(settings.flows_dir))
    languages = _languages(args.language)
    password_hash = _new_password_hash(args.password_stdin)

    async def go() -> None:
        db = _database()
        try:
            await add_user(db, username=args.name, password_hash=password_hash, role=args.role, now=utc_now(),
                           display_name=args.display_name, skills=skills, languages=languages or None,
                           phone=args.phone)
        finally:
            await db.close()

    asyncio.run(go())
    print(f"user {args.name} added ({args.role})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def go() -> None:
        db = _database()
        try:
            for user in await list_users(db):
                skills = ", ".join(f"{k}:{v}" for k, v in sorted(user.skills.items())) or "-"
                state = "active" if user.active else "disabled"
                print(f"{user.username:20} {user.role:11} {state:9} {skills}")
        finally:
            await db.close()

    asyncio.run(go())
    return 0


def run_set_active(args: argparse.Namespace) -> int:
    async def go() -> None:
        db = _database()
        try:
            await set_active(db, args.name, args.active)
        finally:
            await db.close()

    asyncio.run(go())
    print(f"user {args.name} {'enabled' if args.active else 'disabled'}")
    return 0


def run_password(args: argparse.Namespace) -> int:
    password_hash = _new_password_hash(args.password_stdin)

    async def go() -> None:
        db = _database()
        try:
            user = await user_by_name(db, args.name)
            if user is None:
                raise UserError(f"no user {args.name!r}")
            await set_password_hash(db, user.id, password_hash)
        finally:
            await db.close()

    asyncio.run(go())
    print(f"password of {args.name} changed; their sessions are ended")
    return 0


def run_sessions(args: argparse.Namespace) -> int:
    if args.revoke_all and not args.name:
        raise CallCenterError("--revoke-all needs a user name")

    async def go() -> None:
        db = _database()
        now = utc_now()
        try:
            if args.revoke is not None:
                if not await revoke_session(db, args.revoke, now, "admin"):
                    raise CallCenterError(f"no live session {args.revoke}")
                print(f"session {args.revoke} ended")
                return
            if args.revoke_all:
                user = await user_by_name(db, args.name)
                if user is None:
                    raise UserError(f"no user {args.name!r}")
                print(f"{await revoke_user_sessions(db, user.id, now, 'admin')} sessions of {args.name} ended")
                return
            for row in await list_sessions(db, now, username=args.name, include_ended=args.all):
                state = "live" if row.active(now) else (f"ended ({row.revoked_reason})" if row.revoked_at
                                                        else "expired")
                print(f"{row.id:6} {row.username:20} {row.created_at:%Y-%m-%d %H:%M} -> "
                      f"{row.expires_at:%Y-%m-%d %H:%M} UTC  {state}")
        finally:
            await db.close()

    asyncio.run(go())
    return 0
