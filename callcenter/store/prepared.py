"""The call path's few hot statements, run on SQLite's own connection with their text prepared once.

Through SQLAlchemy each execution of a Core statement costs about 150 Python calls (cache key,
compiled-statement context, parameter processing, result wrapping, greenlet switches), several
times what SQLite itself spends on it: most of a webhook's server time (docs/performance.md).
Here a statement is compiled once per dialect, and each execution binds its parameters in
order with SQLAlchemy's own conversion of each column type (so every row is stored and read
back exactly as SQLAlchemy would: the same datetime text, the same JSON; UTC datetimes by a
shorter function giving the same text) and runs on a ``sqlite3`` connection: the store's own
(``InlineSqlite``: the call writer's, the call path's reader) or the one a SQLAlchemy connection
holds, inside that connection's transaction.

On SQLite (statements on the loop's thread, store/sqlite_inline.py) the functions below run the
statement so. On PostgreSQL the call path's connections are psycopg's own (``RawPostgres``, from
store/pg_raw.py): the statement is compiled once with positional parameters, bound with the
dialect's conversions as on SQLite, and psycopg prepares it on the server after a few runs. Given
a SQLAlchemy connection to PostgreSQL, they hand the statement to SQLAlchemy unchanged.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.types import TypeEngine

from callcenter.store.models import UtcDateTime
from callcenter.store.sqlite_inline import InlineConnection

if TYPE_CHECKING:
    import psycopg  # imported where used: on PostgreSQL only (store/database.py says why)

T = TypeVar("T")

Processor = Callable[[Any], Any] | None


class Prepared:
    """A Core statement compiled once for ``dialect``: its text, its parameters in order with
    their values fixed in the statement, and the type conversions of parameters and results."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None) -> None:
        # PostgreSQL: compiled as for executemany, so without the RETURNING of the new row's key
        # that nothing here reads (it would come back for every row inserted).
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None,
                                     for_executemany=dialect.name != "sqlite",
                                     compile_kwargs={"render_postcompile": True})
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            # A column default computed in Python would be left out here: such statements go
            # through SQLAlchemy (none on the call path has one).
            raise ValueError("statement with Python-side column defaults cannot be prepared")
        self.sql = compiled.string
        names = compiled.positiontup or []
        fixed = compiled.params
        self.order = tuple(names)
        # Values written in the statement itself (IN lists, constants): bound with it each time.
        self.fixed = {name: fixed[name] for name in names if not _required(fixed.get(name))}
        self.binds: tuple[Processor, ...] = tuple(
            _bind_processor(compiled.binds[_bind_key(compiled, name)].type, dialect) for name in names)
        self._pairs = tuple(zip(self.order, self.binds, strict=True))
        columns = getattr(statement, "selected_columns", None)
        self.results: tuple[Processor, ...] = ()
        self.row: Any = None
        if columns is not None:
            self.results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
            self.row = namedtuple("Row", [c.key or f"c{i}" for i, c in enumerate(columns)],  # type: ignore[misc]
                                  rename=True)
        self._converted = any(p is not None for p in self.results)

    def parameters(self, values: Mapping[str, Any] | None) -> tuple[Any, ...]:
        given: Mapping[str, Any] = {**self.fixed, **values} if self.fixed and values else (
            values or self.fixed)
        # None too: SQLAlchemy's conversions decide what it becomes (JSON's is 'null').
        return tuple([given[name] if bind is None else bind(given[name]) for name, bind in self._pairs])

    def convert(self, raw: Sequence[tuple[Any, ...]]) -> list[Any]:
        make = self.row._make
        if not self._converted:
            return [make(values) for values in raw]
        results = self.results
        return [make([v if p is None else p(v) for v, p in zip(values, results, strict=True)]) for values in raw]


# The last datetime written and its text: a call event stamps its log rows, the call's row and
# the receipt with one ``now`` (five to nine binds of the same object), and a datetime is immutable.
_last_utc: tuple[datetime | None, str | None] = (None, None)


def _utc_text(value: datetime | None) -> str | None:
    """A ``UtcDateTime`` as SQLAlchemy writes it on SQLite (the column type's conversion to UTC,
    then SQLite's DATETIME text, microseconds always written), at half the cost of the two
    conversions chained (tests/store/test_prepared.py compares them)."""
    global _last_utc
    last, text = _last_utc
    if value is last:
        return text
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    _last_utc = (value, text)
    return text


def _bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Processor:
    if dialect.name == "sqlite" and isinstance(kind, UtcDateTime):
        return _utc_text
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _required(value: Any) -> bool:
    # SQLAlchemy's marker for a parameter that must be given at execution.
    return type(value).__name__ == "symbol" or value is None


def _bind_key(compiled: Any, name: str) -> str:
    if name in compiled.binds:
        return name
    # An IN list rendered as separate parameters (name_1, name_2...): their bind is the list's.
    return name.rsplit("_", 1)[0]


_CACHE: dict[tuple[int, str, tuple[str, ...] | None], tuple[ClauseElement, Prepared]] = {}


def _prepared(statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...] | None) -> Prepared:
    key = (id(statement), dialect.name, keys)
    found = _CACHE.get(key)
    # The statement is kept with its entry, so its id cannot be reused by another statement.
    if found is None or found[0] is not statement:
        found = (statement, Prepared(statement, dialect, keys))
        _CACHE[key] = found
    return found[1]


class InlineSqlite:
    """A SQLite connection the store owns, used on the loop's thread outside SQLAlchemy's pool
    (taking a pooled connection cost ten times a read, and its transaction as much again as the
    call event's statements). Two are kept on SQLite (``Database``): one for the call path's
    reads (the desk's queue and roster, a caller's history), on which each prepared SELECT runs
    whole in one call outside any transaction, so reads interleaving on it see committed data as
    separate connections would; and the writer's, on which every call transaction runs
    (``Database.call_transaction``: BEGIN IMMEDIATE, the event's statements, COMMIT)."""

    def __init__(self, inline: InlineConnection, dialect: Dialect) -> None:
        self.inline = inline
        self.dialect = dialect

    async def close(self) -> None:
        await self.inline.close()


class RawPostgres:
    """A psycopg connection of the store's own (store/pg_raw.py), in autocommit mode: a read is
    one statement and one round trip; a call transaction says BEGIN and COMMIT on it itself.
    ``dialect`` is SQLAlchemy's psycopg dialect with positional parameters."""

    __slots__ = ("ahead", "dialect", "raw")

    def __init__(self, raw: psycopg.AsyncConnection[Any], dialect: Dialect) -> None:
        self.raw = raw
        self.dialect = dialect
        # Rows read ahead (``read_ahead``) by statement and bound values, taken by the first
        # ``rows`` of the same; they go with this object (one per reading or transaction).
        self.ahead: dict[tuple[int, tuple[Any, ...]], list[Any]] = {}


Connection = AsyncConnection | InlineSqlite | RawPostgres
# What the call path's reads take (kept as its own name: a reader never writes).
Reading = Connection


def _inline(conn: Connection) -> InlineConnection | None:
    if type(conn) is InlineSqlite:
        return conn.inline
    if type(conn) is RawPostgres:
        return None
    assert isinstance(conn, AsyncConnection)
    if conn.dialect.name != "sqlite":
        return None
    driver = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    return driver if isinstance(driver, InlineConnection) else None


async def rows(conn: Connection, statement: ClauseElement, values: Mapping[str, Any] | None = None
               ) -> list[Any]:
    """Every row of a SELECT, each with its columns by name and by position."""
    if type(conn) is RawPostgres:
        prepared = _prepared(statement, conn.dialect, None)
        parameters = prepared.parameters(values)
        if conn.ahead:
            ahead = conn.ahead.pop((id(prepared), parameters), None)
            if ahead is not None:
                return prepared.convert(ahead)
        cursor = await conn.raw.execute(prepared.sql, parameters)
        return prepared.convert(await cursor.fetchall())
    inline = _inline(conn)
    if inline is None:
        assert isinstance(conn, AsyncConnection)
        return list(await conn.execute(statement, dict(values) if values else None))  # type: ignore[arg-type]
    prepared = _prepared(statement, conn.dialect, None)
    parameters = prepared.parameters(values)
    try:
        cursor = inline.raw.execute(prepared.sql, parameters)
    except sqlite3.OperationalError as exc:
        cursor = await inline.after_refusal(exc, lambda: inline.raw.execute(prepared.sql, parameters))
    return prepared.convert(cursor.fetchall())


class RowCache(Generic[T]):
    """What each stored row was made into, by the row's raw values (bounded: cleared when full).

    A row read again unchanged is not converted again: the waiting callers are read at every
    hand-over, each of them many times while it waits, and decoding their timestamps and JSON was
    most of a wait estimate. The raw values determine the row, so a hit is exact."""

    def __init__(self, make: Callable[[Any], T], size: int = 4096) -> None:
        self.make = make
        self.size = size
        self._made: dict[tuple[Any, ...], T] = {}

    def get(self, raw: tuple[Any, ...], prepared: Prepared) -> T:
        made = self._made.get(raw)
        if made is None:
            if len(self._made) >= self.size:
                self._made.clear()
            made = self._made[raw] = self.make(prepared.convert((raw,))[0])
        return made


async def rows_made(conn: Connection, statement: ClauseElement, cache: RowCache[T]) -> list[T]:
    """Every row of a SELECT made into what ``cache`` makes (on SQLite, a row seen before is not
    converted again; elsewhere each row is made as it comes: psycopg gives JSON columns as dicts,
    which cannot key the cache)."""
    inline = _inline(conn)
    if inline is None:
        return [cache.make(row) for row in await rows(conn, statement)]
    prepared = _prepared(statement, conn.dialect, None)
    parameters = prepared.parameters(None)
    try:
        cursor = inline.raw.execute(prepared.sql, parameters)
    except sqlite3.OperationalError as exc:
        cursor = await inline.after_refusal(exc, lambda: inline.raw.execute(prepared.sql, parameters))
    return [cache.get(raw, prepared) for raw in cursor.fetchall()]


async def first(conn: Connection, statement: ClauseElement, values: Mapping[str, Any] | None = None
                ) -> Any | None:
    found = await rows(conn, statement, values)
    return found[0] if found else None


async def run(conn: Connection, statement: ClauseElement,
              values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
    """An INSERT, UPDATE or DELETE; a list of parameter sets runs it once for each (one call)."""
    if type(conn) is RawPostgres:
        many = [values] if isinstance(values, Mapping) else list(values)
        if not many:
            return
        prepared = _prepared(statement, conn.dialect, tuple(many[0]))
        if len(many) == 1:
            await conn.raw.execute(prepared.sql, prepared.parameters(many[0]))
        else:
            # One round trip: psycopg sends the rows' statements in a pipeline.
            await conn.raw.cursor().executemany(prepared.sql, [prepared.parameters(v) for v in many])
        return
    inline = _inline(conn)
    if inline is None:
        assert isinstance(conn, AsyncConnection)
        await conn.execute(statement, values if isinstance(values, Mapping) else list(values))  # type: ignore[arg-type]
        return
    many = [values] if isinstance(values, Mapping) else list(values)
    if not many:
        return
    # The columns named by the parameters are the statement's, as SQLAlchemy takes them.
    prepared = _prepared(statement, conn.dialect, tuple(many[0]))
    parameters = [prepared.parameters(v) for v in many]
    raw = inline.raw
    try:
        if len(parameters) == 1:
            raw.execute(prepared.sql, parameters[0])
        else:
            raw.executemany(prepared.sql, parameters)
    except sqlite3.OperationalError as exc:
        # As when_free would: the same again once the lock is free.
        await inline.after_refusal(exc, (lambda: raw.execute(prepared.sql, parameters[0])) if len(parameters) == 1
                                   else (lambda: raw.executemany(prepared.sql, parameters)))


# The text of each set of statements run together, by their shapes (store/database.py's writes).
_TOGETHER: dict[tuple[tuple[int, int], ...], str] = {}


def _values_for(sql: str, count: int) -> str:
    """An INSERT's text for ``count`` rows in one statement (its VALUES tuple repeated)."""
    if count == 1:
        return sql
    head, values, row = sql.partition(" VALUES ")
    if not values or not (row.startswith("(") and row.endswith(")")):
        raise ValueError(f"not a one-row INSERT: {sql}")
    return head + values + ", ".join([row] * count)


def _together(conn: RawPostgres, parts: Sequence[tuple[ClauseElement, Sequence[Mapping[str, Any]]]]
              ) -> tuple[str, list[Any]] | None:
    """INSERTs and UPDATEs of different tables (an UPDATE of one row's parameters) as one
    statement: PostgreSQL's data-modifying ``WITH``, every part run once whatever the others do,
    an INSERT's rows as one multi-row VALUES; each part bound as ``run`` binds it."""
    made = [(_prepared(statement, conn.dialect, tuple(rows[0])), rows) for statement, rows in parts if rows]
    if not made:
        return None
    shape = tuple((id(prepared), len(rows)) for prepared, rows in made)
    sql = _TOGETHER.get(shape)
    if sql is None:
        texts = [_values_for(prepared.sql, len(rows)) for prepared, rows in made]
        sql = texts[-1] if len(texts) == 1 else (
            "WITH " + ", ".join(f"w{i} AS ({text})" for i, text in enumerate(texts[:-1])) + " " + texts[-1])
        _TOGETHER[shape] = sql
    return sql, [value for prepared, rows in made for row in rows for value in prepared.parameters(row)]


# Statements sent with BEGIN or COMMIT go as one query of several statements, which only the
# simple query protocol carries: their values are bound by psycopg on the client (quoted by libpq,
# with the same conversions as server-side binding), and they are not prepared on the server.
# Each costs a round trip less: on a loopback socket, a round trip's system calls and psycopg's
# wait for it cost more than the server's parsing of the statement (docs/performance.md, part 7).

async def begin_with(conn: RawPostgres, reads: Sequence[tuple[ClauseElement, Mapping[str, Any]]]) -> Any | None:
    """BEGIN, then ``reads`` in order (statements with their values), in one round trip: the
    first row of the last one (``None`` without a row)."""
    sql, parameters = ["BEGIN"], []
    last = None
    for statement, values in reads:
        # A SELECT is prepared whole; a write for the columns its values name (as ``run``).
        last = _prepared(statement, conn.dialect, None if isinstance(statement, Select) else tuple(values))
        sql.append(last.sql)
        parameters.extend(last.parameters(values))
    assert last is not None
    import psycopg

    cursor = psycopg.AsyncClientCursor(conn.raw)
    await cursor.execute("; ".join(sql), parameters)
    for _ in reads:
        cursor.nextset()
    found = last.convert(await cursor.fetchall())
    return found[0] if found else None


async def read_ahead(conn: Connection, reads: Sequence[tuple[ClauseElement, Mapping[str, Any] | None]]) -> None:
    """On the store's own PostgreSQL connection, run the SELECTs of ``reads`` now, in one round trip,
    for the next ``rows`` (``first``, ``rows_made``) of each to take their rows instead of asking
    (each read sees committed data as it would have a moment later). Elsewhere, nothing: each is
    read when asked."""
    if type(conn) is not RawPostgres or not reads:
        return
    made = [(prepared, prepared.parameters(values))
            for prepared, values in ((_prepared(statement, conn.dialect, None), values) for statement, values in reads)]
    import psycopg

    cursor = psycopg.AsyncClientCursor(conn.raw)
    await cursor.execute("; ".join(prepared.sql for prepared, _ in made),
                         [value for _, parameters in made for value in parameters])
    for prepared, parameters in made:
        conn.ahead[(id(prepared), parameters)] = await cursor.fetchall()
        cursor.nextset()


async def commit_with(conn: RawPostgres, parts: Sequence[tuple[ClauseElement, Sequence[Mapping[str, Any]]]]
                      ) -> None:
    """The writes of ``parts`` in one statement (``_together``), then COMMIT: one round trip."""
    together = _together(conn, parts)
    if together is None:
        await conn.raw.execute(b"COMMIT", prepare=False)
        return
    sql, parameters = together
    import psycopg

    await psycopg.AsyncClientCursor(conn.raw).execute(sql + "; COMMIT", parameters)


__all__ = ["Connection", "InlineSqlite", "Prepared", "RawPostgres", "Reading", "begin_with", "commit_with", "first",
           "read_ahead", "rows", "run"]
