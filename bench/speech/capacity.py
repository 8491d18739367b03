"""The arithmetic of ``bench/speech_capacity.py``, pure (unit-tested in tests/bench/).

One definition of lag for both servers, observed at the client: from the moment the end of an
utterance's speech has been sent (audio is paced in real time, so that is when the caller stops
talking) to the moment the client learns the final transcript. A run of N streams *keeps up* when
it is not worse than the same server with one stream (its :class:`Baseline`, measured first) by
more than the budget: median lag at most ``budget_s / 2`` (0.5 s) above the baseline's median,
95th percentile at most ``budget_s`` (1 s) above the baseline's, and at most ``max_missed``
(10 points) more of the utterances without a final transcript in time (before the caller's next
utterance ended: a server that falls seconds behind shows up as missed answers). Each statistic
is compared with the same statistic alone: a server whose endpointer alone spreads its answers
over seconds (vosk-server's: median 1.5 s, p95 6.7 s with one stream on a quiet machine) is not
"behind" at one stream, and a server that slows down under load is caught by its median. Not the
single worst lag: one spike on a shared machine must not decide.
The capacity of a series of runs is the most streams that kept up; over several series it is
reported as the median with its spread.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: No server answers sooner than this after the end of speech (ours waits at least 250 ms of
#: silence, vosk-server's endpointer 500 ms): a final sooner is the late answer to the utterance
#: before, and must not pass for a fast answer to this one.
MIN_LAG_S = 0.2


def match_finals(speech_ends: Sequence[float], finals: Sequence[float],
                 min_lag_s: float = MIN_LAG_S) -> tuple[list[float], int]:
    """Pair each utterance (the time its speech ended) with the first final at least
    ``min_lag_s`` after it and before the next utterance's end; returns the lags and how many
    utterances got none."""
    lags: list[float] = []
    missed = 0
    used = 0
    ordered = sorted(finals)
    for index, end in enumerate(speech_ends):
        limit = speech_ends[index + 1] if index + 1 < len(speech_ends) else math.inf
        while used < len(ordered) and ordered[used] < end + min_lag_s:
            used += 1
        if used < len(ordered) and ordered[used] < limit:
            lags.append(ordered[used] - end)
            used += 1
        else:
            missed += 1
    return lags, missed


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Baseline:
    """A server's answers with one stream: what "not worse under load" is measured against."""

    p50_s: float
    p95_s: float
    missed_share: float

    @classmethod
    def of(cls, lags: Sequence[float], missed: int) -> Baseline:
        total = len(lags) + missed
        return cls(percentile(lags, 50), percentile(lags, 95), missed / total if total else 1.0)


@dataclass(frozen=True)
class KeepUp:
    budget_s: float = 1.0
    max_missed: float = 0.10

    def check(self, lags: Sequence[float], missed: int, base: Baseline, dropped_ms: int = 0) -> bool:
        total = len(lags) + missed
        if total == 0 or dropped_ms > 0 or not lags:
            return False
        if missed / total > base.missed_share + self.max_missed:
            return False
        return (percentile(lags, 50) <= base.p50_s + self.budget_s / 2
                and percentile(lags, 95) <= base.p95_s + self.budget_s)


def capacity(points: Sequence[tuple[int, bool]]) -> int:
    """Most streams that kept up in one series of runs (0 when none did). A point above a failure
    counts only if it kept up itself: capacity is read from what was measured, not assumed."""
    return max((streams for streams, ok in points if ok), default=0)


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    runs: int

    def __str__(self) -> str:
        return f"{self.median:.3g} ({self.low:.3g}-{self.high:.3g}, {self.runs} runs)"


def spread(values: Sequence[float]) -> Spread:
    if not values:
        return Spread(math.nan, math.nan, math.nan, 0)
    return Spread(float(statistics.median(values)), float(min(values)), float(max(values)), len(values))


def ratio(ours: Spread, reference: Spread) -> float:
    return ours.median / reference.median if reference.median else math.inf


@dataclass(frozen=True)
class Targets:
    """Issue 16's latency targets for one run of ours: it keeps up, its answers are final within
    ``lag_p90_s`` at the 90th percentile (0.9 s free speech, 0.4 s menu answers), and the event
    loop never woke more than 50 ms late (``late_over_50ms`` wake-ups: none). A run whose loop was
    not measured does not meet them."""

    lag_p90_s: float

    def met(self, keeps_up: bool, lag_p90_s: float, late_over_50ms: int | None) -> bool:
        return keeps_up and lag_p90_s <= self.lag_p90_s and late_over_50ms == 0


def within_targets(series: Sequence[Sequence[tuple[int, bool]]]) -> list[int]:
    """Per series of runs, the most streams at which every target held there *and at every count
    below* (0 when none): unlike "keeps up", one failure caps the figure, since a deployment
    passes through every lower count. A series that started above the bottom of the list (the
    sweep starts later series near the capacity found so far) takes its lower counts from the
    series that measured them: they count as held only if they held in every run there."""
    everywhere: dict[int, bool] = {}
    for runs in series:
        for streams, ok in runs:
            everywhere[streams] = everywhere.get(streams, True) and ok
    found: list[int] = []
    for runs in series:
        mine = dict(runs)
        lowest = min(mine, default=0)
        best = 0
        for streams in sorted(everywhere):
            if streams in mine:
                held = mine[streams]
            elif streams < lowest:
                held = everywhere[streams]
            else:
                continue            # above where this series started, not measured in it
            if not held:
                break
            best = streams
        found.append(best)
    return found
