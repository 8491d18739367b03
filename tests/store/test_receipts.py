"""Where a webhook's receipt is kept (``CallTx.remember``): in the call's row for a request the
telephony asks in order whose answer is the call's ``last_response``, else a row of its own; both
answer a retry (``CallTx.receipt``)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from callcenter.store import Database, upgrade

AT = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
CREATE = {"flow_id": "caf", "flow_version": 1, "caller": None, "caller_hash": None, "called": None,
          "status": "in_ivr", "state": {}, "next_seq": 0, "created_at": AT, "updated_at": AT}


async def _step(db: Database, key: str, response: str, *, in_order: bool, last: bool) -> str | None:
    """One event of call CA-r: the answer already given to ``key`` if any, else ``response`` kept."""
    async with db.call_transaction("CA-r", create=CREATE, request_key=key) as tx:
        previous = await tx.receipt(key)
        if previous is not None:
            return previous
        assert tx.call is not None
        if last:
            tx.call.last_response = response
        tx.append(AT, "event", "digits", {"digits": "1"})
        tx.remember(key, "CA-r", response, AT, in_order=in_order)
    return None


async def test_receipts_in_the_calls_row_and_apart(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        async def receipts() -> list[str]:
            async with db.engine.connect() as conn:
                return [r[0] for r in await conn.execute(sa.text("SELECT key FROM webhook_receipts ORDER BY key"))]

        # In order, answered with the call's last response: the row keeps the key.
        assert await _step(db, "k1", "<Response>1</Response>", in_order=True, last=True) is None
        assert await receipts() == []
        assert (await db.get_call("CA-r")).last_request_key == "k1"  # type: ignore[union-attr]
        assert await _step(db, "k1", "other", in_order=True, last=True) == "<Response>1</Response>"
        # In order but answered with something else (the call's last response stays the first):
        # a receipt of its own, and the row's key still answers the request it answered.
        assert await _step(db, "k2", "<Response>hold</Response>", in_order=True, last=False) is None
        assert await receipts() == ["k2"]
        assert await _step(db, "k2", "x", in_order=True, last=False) == "<Response>hold</Response>"
        assert await _step(db, "k1", "x", in_order=True, last=False) == "<Response>1</Response>"
        # Asked whenever (a status callback): its own receipt, the row's key untouched.
        assert await _step(db, "k3", "", in_order=False, last=False) is None
        assert await receipts() == ["k2", "k3"]
        assert await _step(db, "k3", "x", in_order=False, last=False) == ""
        assert (await db.get_call("CA-r")).last_request_key == "k1"  # type: ignore[union-attr]
        # The next request in order takes the row's place: the one before it can no longer be
        # retried (Twilio asked the next only once it had that one's answer).
        assert await _step(db, "k4", "<Response>4</Response>", in_order=True, last=True) is None
        assert (await db.get_call("CA-r")).last_request_key == "k4"  # type: ignore[union-attr]
        assert await _step(db, "k4", "x", in_order=True, last=True) == "<Response>4</Response>"
    finally:
        await db.close()


async def test_another_answer_in_the_row_takes_the_key_away(database_url: str) -> None:
    # A step with no request (speech recognised here, its answer pushed to Twilio) changes the
    # call's last answer: the key beside it no longer names the request that answer was for.
    upgrade(database_url)
    db = Database(database_url)
    try:
        assert await _step(db, "k1", "<Response>1</Response>", in_order=True, last=True) is None
        async with db.call_transaction("CA-r") as tx:    # an event that says nothing new
            tx.append(AT, "event", "waiting", {})
        assert (await db.get_call("CA-r")).last_request_key == "k1"  # type: ignore[union-attr]
        async with db.call_transaction("CA-r") as tx:    # speech: a new answer, no request
            assert tx.call is not None
            tx.call.last_response = "<Response>2</Response>"
            tx.append(AT, "event", "speech", {})
        call = await db.get_call("CA-r")
        assert call is not None and call.last_request_key is None and call.last_response == "<Response>2</Response>"
        # A retry of k1 would now be stepped again (the engine repeats the current question for
        # a stale turn), never answered with the newer answer.
        assert await _step(db, "k1", "<Response>3</Response>", in_order=True, last=True) is None
    finally:
        await db.close()
