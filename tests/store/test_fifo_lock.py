"""The SQLite writer's lock (store/fifo_lock.py): taken at once when free, then first come first
served; a bounded wait gives up in time without disturbing the callers queued behind it."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.store.fifo_lock import FifoLock


async def test_a_free_lock_is_taken_without_yielding_to_the_loop() -> None:
    lock = FifoLock()
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    task = asyncio.create_task(other())
    await lock.acquire(0.1)
    assert lock.locked() and ran == []           # nothing else ran meanwhile
    lock.release()
    assert not lock.locked()
    await task


async def test_waiters_take_it_in_their_order_and_newcomers_queue_behind() -> None:
    lock = FifoLock()
    order: list[int] = []

    async def worker(n: int) -> None:
        async with lock:
            order.append(n)
            await asyncio.sleep(0)

    await lock.acquire()
    tasks = [asyncio.create_task(worker(n)) for n in range(5)]
    await asyncio.sleep(0)                       # all five are waiting
    lock.release()
    # Handed straight to the first waiter: a newcomer finds it held and queues last.
    assert lock.locked()
    tasks.append(asyncio.create_task(worker(5)))
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4, 5]
    assert not lock.locked()


async def test_a_bounded_wait_gives_up_and_the_others_keep_their_turn() -> None:
    lock = FifoLock()
    await lock.acquire()
    impatient = asyncio.create_task(lock.acquire(0.01))
    patient = asyncio.create_task(lock.acquire(5.0))
    with pytest.raises(TimeoutError):
        await impatient
    assert not patient.done()
    lock.release()
    await asyncio.wait_for(patient, 1.0)         # the next in line got it
    assert lock.locked()
    lock.release()
    assert not lock.locked()


async def test_a_waiter_cancelled_after_being_handed_the_lock_passes_it_on() -> None:
    lock = FifoLock()
    await lock.acquire()
    first = asyncio.create_task(lock.acquire())
    second = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    lock.release()                               # handed to ``first``, which has not run yet
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1.0)          # not lost: ``second`` holds it now
    lock.release()
    assert not lock.locked()


async def test_a_short_piece_of_work_can_wait_at_the_head_of_the_queue() -> None:
    # The checkpoint's second pass: behind the queue it would copy all the queue writes meanwhile.
    lock = FifoLock()
    order: list[str] = []

    async def worker(name: str, next_in_line: bool = False) -> None:
        await lock.acquire(next_in_line=next_in_line)
        order.append(name)
        lock.release()

    await lock.acquire()
    tasks = [asyncio.create_task(worker(f"event {n}")) for n in range(3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(worker("checkpoint", next_in_line=True)))
    await asyncio.sleep(0)
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["checkpoint", "event 0", "event 1", "event 2"]
    assert not lock.locked()
