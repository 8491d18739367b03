"""The versioned document store on the database: add versions, move the live pointer, audit both.

Versions are never changed once written. A publish adds a version and makes it live; a rollback
makes an earlier published version live again; each writes its audit entry in the same
transaction. Two writers racing for the same version number: one wins, the other is told to retry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.store.audit import record_audit
from callcenter.store.database import Database
from callcenter.store.models import DocumentLive, DocumentVersion
from callcenter.versions.model import (
    DRAFT,
    PUBLISHED,
    REJECTED,
    AlreadyLive,
    SelfReview,
    Status,
    Version,
    VersionError,
    content_sha256,
    unified_diff,
)

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _version(row: DocumentVersion, live: int | None) -> Version:
    status: Status = PUBLISHED if row.status == PUBLISHED else REJECTED if row.status == REJECTED else DRAFT
    return Version(kind=row.kind, name=row.name, version=row.version, status=status, content=row.content,
                   sha256=row.sha256, by=row.created_by, at=row.created_at, comment=row.comment, diff=row.diff,
                   diff_from=row.diff_from, live=row.version == live, reviewed_by=row.reviewed_by,
                   reviewed_at=row.reviewed_at, review_comment=row.review_comment or "")


class VersionStore:
    """Versions and live pointers of every document of every kind."""

    def __init__(self, db: Database, clock: Clock = _now) -> None:
        self.db = db
        self.clock = clock

    # -- reading ------------------------------------------------------------------------------

    async def live_versions(self, kind: str) -> dict[str, int]:
        """Name -> live version number, for every document of ``kind`` (the cheap poll)."""
        async with self.db.sessions() as session:
            rows = await session.execute(select(DocumentLive.name, DocumentLive.version)
                                         .where(DocumentLive.kind == kind))
            return {name: version for name, version in rows}

    async def get(self, kind: str, name: str, version: int) -> Version | None:
        async with self.db.sessions() as session:
            row = await session.scalar(select(DocumentVersion).where(
                DocumentVersion.kind == kind, DocumentVersion.name == name, DocumentVersion.version == version))
            if row is None:
                return None
            return _version(row, await self._live(session, kind, name))

    async def live_all(self, kind: str) -> list[Version]:
        """The live version of every document of ``kind``, by name (one query)."""
        async with self.db.sessions() as session:
            rows = await session.scalars(select(DocumentVersion).join(DocumentLive, and_(
                DocumentLive.kind == DocumentVersion.kind, DocumentLive.name == DocumentVersion.name,
                DocumentLive.version == DocumentVersion.version)).where(DocumentVersion.kind == kind)
                .order_by(DocumentVersion.name))
            return [_version(row, row.version) for row in rows]

    async def live(self, kind: str, name: str) -> Version | None:
        async with self.db.sessions() as session:
            number = await self._live(session, kind, name)
        return None if number is None else await self.get(kind, name, number)

    async def history(self, kind: str, name: str) -> list[Version]:
        """Every version of a document, oldest first."""
        async with self.db.sessions() as session:
            live = await self._live(session, kind, name)
            rows = await session.scalars(select(DocumentVersion).where(
                DocumentVersion.kind == kind, DocumentVersion.name == name).order_by(DocumentVersion.version))
            return [_version(row, live) for row in rows]

    async def drafts(self, kind: str) -> list[Version]:
        """Drafts waiting for review, oldest first."""
        async with self.db.sessions() as session:
            rows = list(await session.scalars(select(DocumentVersion).where(
                DocumentVersion.kind == kind, DocumentVersion.status == DRAFT)
                .order_by(DocumentVersion.created_at, DocumentVersion.name, DocumentVersion.version)))
            live = {name: number for name, number in await session.execute(
                select(DocumentLive.name, DocumentLive.version).where(DocumentLive.kind == kind))}
            return [_version(row, live.get(row.name)) for row in rows]

    async def names(self, kind: str) -> list[str]:
        async with self.db.sessions() as session:
            rows = await session.scalars(select(DocumentVersion.name).where(DocumentVersion.kind == kind)
                                         .distinct())
            return sorted(rows)

    # -- writing ------------------------------------------------------------------------------

    async def save_draft(self, kind: str, name: str, content: str, *, by: str, comment: str = "") -> Version:
        """Keep ``content`` as a draft version: stored and diffed, not live (review comes before)."""
        return await self._add(kind, name, content, by=by, comment=comment, status=DRAFT, make_live=False)

    async def publish(self, kind: str, name: str, content: str, *, by: str, comment: str = "") -> Version:
        """Store ``content`` as a new published version and make it live. Publishing what is
        already live adds nothing: a :class:`VersionError` says which version it is."""
        return await self._add(kind, name, content, by=by, comment=comment, status=PUBLISHED, make_live=True)

    async def import_first(self, kind: str, name: str, content: str, *, comment: str) -> Version | None:
        """Version 1 of a document the store has never seen, live, by "system"; ``None`` when a
        version exists already (also when another process imported it a moment before)."""
        try:
            return await self._add(kind, name, content, by="system", comment=comment, status=PUBLISHED,
                                   make_live=True, only_first=True)
        except VersionError:
            return None

    async def import_first_many(self, kind: str, documents: Sequence[tuple[str, str, str]]) -> list[Version]:
        """:meth:`import_first` for many ``(name, content, comment)`` at once, in one transaction
        (a first start imports every bundled entry: one commit, not one each). Those with a
        version already are left out; if another process imports at the same moment, each is
        imported on its own instead, as :meth:`import_first` does."""
        if not documents:
            return []
        now = self.clock()
        names = [name for name, _, _ in documents]
        try:
            async with self.db.sessions() as session, session.begin():
                known = set(await session.scalars(select(DocumentVersion.name).where(
                    DocumentVersion.kind == kind, DocumentVersion.name.in_(names)).distinct()))
                imported: list[Version] = []
                for name, content, comment in documents:
                    if name in known:
                        continue
                    known.add(name)
                    sha = content_sha256(content)
                    row = DocumentVersion(kind=kind, name=name, version=1, status=PUBLISHED, content=content,
                                          sha256=sha, created_by="system", created_at=now, comment=comment,
                                          diff="", diff_from=None)
                    session.add(row)
                    self._point(session, None, kind, name, 1, "system", now)
                    record_audit(session, "system", f"{kind}.import", f"{kind}:{name}",
                                 {"version": 1, "comment": comment, "sha256": sha, "from": None}, now)
                    imported.append(_version(row, 1))
        except IntegrityError:
            one_by_one = [await self.import_first(kind, name, content, comment=comment)
                          for name, content, comment in documents]
            return [v for v in one_by_one if v is not None]
        return imported

    async def rollback(self, kind: str, name: str, version: int, *, by: str) -> Version:
        """Make the earlier published ``version`` live again."""
        now = self.clock()
        async with self.db.sessions() as session, session.begin():
            row = await session.scalar(select(DocumentVersion).where(
                DocumentVersion.kind == kind, DocumentVersion.name == name, DocumentVersion.version == version))
            if row is None:
                raise VersionError(f"{kind} {name}: there is no version {version}")
            if row.status != PUBLISHED:
                raise VersionError(f"{kind} {name}: version {version} is a draft, never published")
            pointer = await session.get(DocumentLive, (kind, name), with_for_update=True)
            before = None if pointer is None else pointer.version
            if before == version:
                raise AlreadyLive(f"{kind} {name}: version {version} is already live")
            self._point(session, pointer, kind, name, version, by, now)
            record_audit(session, by, f"{kind}.rollback", f"{kind}:{name}",
                         {"version": version, "from": before}, now)
        return _version(row, version)

    async def review(self, kind: str, name: str, version: int, *, by: str, approve: bool,
                     comment: str = "") -> Version:
        """Approve (publish and make live) or reject the draft ``version``. Its author may not:
        :class:`SelfReview`. A draft made against a live version that has changed since is refused
        (the reviewer would approve a diff nobody saw)."""
        now = self.clock()
        async with self.db.sessions() as session, session.begin():
            pointer = await session.get(DocumentLive, (kind, name), with_for_update=True)
            row = await session.scalar(select(DocumentVersion).where(
                DocumentVersion.kind == kind, DocumentVersion.name == name, DocumentVersion.version == version))
            if row is None:
                raise VersionError(f"{kind} {name}: there is no version {version}")
            if row.status != DRAFT:
                raise VersionError(f"{kind} {name}: version {version} is not a draft waiting for review "
                                   f"(it is {row.status})")
            if row.created_by == by:
                raise SelfReview(f"{kind} {name}: version {version} is {by}'s own draft; a second person "
                                 "must review it")
            before = None if pointer is None else pointer.version
            if approve and before is not None and row.diff_from is not None and before != row.diff_from:
                raise VersionError(f"{kind} {name}: version {before} went live after draft {version} was made "
                                   f"from version {row.diff_from}; make a new draft from the live version")
            row.status = PUBLISHED if approve else REJECTED
            row.reviewed_by, row.reviewed_at, row.review_comment = by, now, comment
            detail: dict[str, object] = {"version": version, "author": row.created_by, "comment": comment}
            if approve:
                detail["from"] = before
                self._point(session, pointer, kind, name, version, by, now)
            record_audit(session, by, f"{kind}.{'approve' if approve else 'reject'}", f"{kind}:{name}",
                         detail, now)
            live = version if approve else before
            return _version(row, live)

    async def _add(self, kind: str, name: str, content: str, *, by: str, comment: str, status: Status,
                   make_live: bool, only_first: bool = False) -> Version:
        now = self.clock()
        sha = content_sha256(content)
        try:
            async with self.db.sessions() as session, session.begin():
                pointer = await session.get(DocumentLive, (kind, name), with_for_update=True)
                latest = await session.scalar(select(DocumentVersion).where(
                    DocumentVersion.kind == kind, DocumentVersion.name == name)
                    .order_by(DocumentVersion.version.desc()).limit(1))
                if only_first and latest is not None:
                    raise VersionError(f"{kind} {name}: already has versions")
                live = None if pointer is None else await session.scalar(select(DocumentVersion).where(
                    DocumentVersion.kind == kind, DocumentVersion.name == name,
                    DocumentVersion.version == pointer.version))
                if make_live and live is not None and live.sha256 == sha:
                    raise AlreadyLive(f"{kind} {name}: this content is already live as version "
                                      f"{live.version}; nothing to publish")
                number = 1 if latest is None else latest.version + 1
                # What changes compared with what callers hear now (the latest when nothing is live).
                base = live or latest
                row = DocumentVersion(kind=kind, name=name, version=number, status=status, content=content,
                                      sha256=sha, created_by=by, created_at=now, comment=comment,
                                      diff=unified_diff(base.content, content, name, base.version, number)
                                      if base else "", diff_from=base.version if base else None)
                session.add(row)
                detail: dict[str, object] = {"version": number, "comment": comment, "sha256": sha}
                if make_live:
                    detail["from"] = None if pointer is None else pointer.version
                    self._point(session, pointer, kind, name, number, by, now)
                action = "import" if only_first else "publish" if make_live else "draft"
                record_audit(session, by, f"{kind}.{action}", f"{kind}:{name}", detail, now)
        except IntegrityError:
            raise VersionError(f"{kind} {name}: another change was saved at the same moment; "
                               "look at the versions and try again") from None
        return _version(row, number if make_live else None)

    @staticmethod
    def _point(session: AsyncSession, pointer: DocumentLive | None, kind: str, name: str, version: int,
               by: str, now: datetime) -> None:
        if pointer is None:
            session.add(DocumentLive(kind=kind, name=name, version=version, changed_by=by, changed_at=now))
        else:
            pointer.version, pointer.changed_by, pointer.changed_at = version, by, now

    @staticmethod
    async def _live(session: AsyncSession, kind: str, name: str) -> int | None:
        return await session.scalar(select(DocumentLive.version).where(
            DocumentLive.kind == kind, DocumentLive.name == name))
