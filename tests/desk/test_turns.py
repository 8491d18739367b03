"""The desk's turns within a process: steps side by side, a pass alone, a waiting pass first."""

from __future__ import annotations

import asyncio

from callcenter.desk.turns import DeskTurns


async def test_steps_run_side_by_side_and_a_pass_waits_for_them_all() -> None:
    turns = DeskTurns()
    order: list[str] = []
    release = asyncio.Event()

    async def step(name: str) -> None:
        async with turns.step():
            order.append(f"{name} in")
            await release.wait()            # e.g. waiting for its turn at the database
            order.append(f"{name} out")

    async def routing_pass() -> None:
        async with turns.alone():
            order.append("pass")

    first, second = asyncio.create_task(step("a")), asyncio.create_task(step("b"))
    await asyncio.sleep(0)
    assert order == ["a in", "b in"]        # the second step did not wait for the first
    passing = asyncio.create_task(routing_pass())
    await asyncio.sleep(0)
    late = asyncio.create_task(step("c"))   # arrives while the pass waits: goes after it
    await asyncio.sleep(0)
    assert order == ["a in", "b in"]
    release.set()
    await asyncio.gather(first, second, passing, late)
    assert order[:2] == ["a in", "b in"] and set(order[2:4]) == {"a out", "b out"}
    assert order[4:] == ["pass", "c in", "c out"]


async def test_passes_run_one_at_a_time() -> None:
    turns = DeskTurns()
    inside = 0
    most = 0

    async def routing_pass() -> None:
        nonlocal inside, most
        async with turns.alone():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(routing_pass() for _ in range(5)))
    assert most == 1


async def test_a_cancelled_waiter_leaves_the_turns_usable() -> None:
    turns = DeskTurns()
    hold = asyncio.Event()

    async def long_step() -> None:
        async with turns.step():
            await hold.wait()

    running = asyncio.create_task(long_step())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(turns.alone().__aenter__())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    hold.set()
    await running
    async with asyncio.timeout(5):
        async with turns.step():
            pass
        async with turns.alone():
            pass


async def test_a_pass_waiting_for_claimed_steps_goes_when_the_last_ends() -> None:
    # The steps an IVR step claims without waiting (try_step) and gives back with end_step, which
    # takes the condition's lock only when a pass waits: the pass must still be woken.
    turns = DeskTurns()
    assert turns.try_step() and turns.try_step()
    await turns.end_step()                      # nobody waits: nothing to wake
    passed = asyncio.Event()

    async def routing_pass() -> None:
        async with turns.alone():
            passed.set()

    passing = asyncio.create_task(routing_pass())
    await asyncio.sleep(0)
    assert not passed.is_set() and not turns.try_step()     # a pass waits: no new step claimed
    await turns.end_step()
    async with asyncio.timeout(5):
        await passing
    assert passed.is_set() and turns.try_step()
    await turns.end_step()
