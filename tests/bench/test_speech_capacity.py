"""The speech capacity benchmark's own logic (bench/speech/capacity.py, bench/speech_capacity.py):
lags paired with utterances, what keeps up, capacity from runs, the search over stream counts,
and the event-loop probe's window."""

from __future__ import annotations

import math

import pytest

from bench.speech.capacity import (
    Baseline,
    KeepUp,
    Targets,
    capacity,
    match_finals,
    percentile,
    ratio,
    spread,
    within_targets,
)
from bench.speech_capacity import next_point, utterances
from callcenter.web.loop_probe import BOUNDS_MS, LoopLag, window


def test_each_utterance_takes_the_first_final_after_its_end() -> None:
    ends = [10.0, 20.0, 30.0]
    # A final before the first end (a partial split by the reference's endpointer) is not an answer.
    lags, missed = match_finals(ends, [9.5, 10.8, 20.4, 30.9])
    assert lags == pytest.approx([0.8, 0.4, 0.9]) and missed == 0


def test_a_final_later_than_the_next_utterance_is_a_miss_not_a_lag() -> None:
    lags, missed = match_finals([10.0, 13.0, 16.0], [13.5, 14.0])
    # The first answer came after the second utterance ended: the first is missed and the second
    # takes it; the third never got one (14.0 came before it ended).
    assert lags == pytest.approx([0.5]) and missed == 2


def test_a_late_answer_to_the_previous_utterance_is_not_a_fast_answer_to_this_one() -> None:
    # The answer to the first utterance comes 40 ms after the second ended: no server answers that
    # fast, so both utterances count as missed.
    lags, missed = match_finals([10.0, 13.0], [13.04])
    assert lags == [] and missed == 2


def test_finals_out_of_order_are_sorted_and_used_once() -> None:
    lags, missed = match_finals([1.0, 2.0], [2.3, 1.25])
    assert lags == pytest.approx([0.25, 0.3]) and missed == 0
    assert match_finals([1.0, 2.0], []) == ([], 2)


def test_percentiles_interpolate_like_numpy() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0], 90) == pytest.approx(3.7)
    assert percentile([5.0], 95) == 5.0 and math.isnan(percentile([], 50))


def test_keeping_up_is_not_worse_than_alone_by_more_than_the_budget_not_the_worst_spike() -> None:
    keep = KeepUp(budget_s=1.0, max_missed=0.1)
    alone = Baseline(p50_s=0.8, p95_s=0.9, missed_share=0.0)
    steady = [0.8] * 39 + [3.0]                     # one spike in 40 utterances
    assert keep.check(steady, 0, alone)
    assert not keep.check([0.8] * 30 + [2.5] * 10, 0, alone)
    # Slower across the board (the median moved 0.6 s) is behind even with a p95 in budget.
    assert not keep.check([1.4] * 40, 0, alone)
    # Answers that never came (a server far behind) fail even when the ones that came were quick.
    assert not keep.check([0.8] * 8, 2, alone)
    assert keep.check([0.8] * 19, 1, alone)
    assert not keep.check([0.8] * 20, 0, alone, dropped_ms=40)
    assert not keep.check([], 0, alone)


def test_a_server_whose_answers_spread_alone_is_judged_against_its_own_spread() -> None:
    # vosk-server's endpointer spreads its answers over seconds even with one stream on a quiet
    # machine: that is its baseline, not a failure to keep up; more misses than alone still fail.
    keep = KeepUp(budget_s=1.0, max_missed=0.1)
    alone = Baseline.of([1.0, 1.2, 1.5, 1.6, 2.0, 3.0, 5.5, 6.5], 2)
    assert alone.missed_share == pytest.approx(0.2)
    assert keep.check([1.1, 1.4, 1.5, 1.7, 2.1, 2.9, 5.8, 6.6], 2, alone)
    assert not keep.check([1.1, 1.4, 1.5, 1.7, 2.1, 2.9], 4, alone)
    assert not keep.check([2.5, 2.8, 3.0, 3.1, 3.3, 4.0, 6.0, 7.0], 2, alone)


def test_capacity_is_the_most_streams_measured_keeping_up() -> None:
    assert capacity([(6, True), (8, True), (10, False)]) == 8
    assert capacity([(8, False), (6, True)]) == 6
    assert capacity([(4, False)]) == 0


def test_median_and_spread_over_runs() -> None:
    s = spread([8, 10, 8])
    assert (s.median, s.low, s.high, s.runs) == (8, 8, 10, 3)
    assert str(s) == "8 (8-10, 3 runs)"
    assert ratio(spread([8, 10, 8]), spread([4, 4, 5])) == 2.0
    assert math.isinf(ratio(spread([8]), spread([0])))


def test_the_search_goes_up_after_a_success_and_down_after_a_failure() -> None:
    points = [6, 8, 10, 12]
    assert next_point(points, {}) is None
    assert next_point(points, {6: True}) == 8
    assert next_point(points, {6: True, 8: True, 10: False}) is None      # boundary found
    assert next_point(points, {10: False}) == 8
    assert next_point(points, {10: False, 8: False, 6: True}) is None
    assert next_point(points, {12: True}) is None                          # top of the list
    assert next_point(points, {6: False}) is None                          # bottom of the list


def test_benchmark_utterances_are_the_test_words_joined_by_short_gaps() -> None:
    one, two = utterances(("하나", "하나 네")).values()
    gap = 150 * 8
    assert two.size == one.size + gap + utterances(("네",))["네"].size


def test_loop_probe_window_counts_only_what_happened_between_two_snapshots() -> None:
    lag = LoopLag()
    for ms in (0.3, 0.5, 3.0):
        lag.record(ms)
    before = lag.snapshot()
    for _ in range(98):
        lag.record(0.5)
    lag.record(40.0)
    lag.record(120.0)
    seen = window(before, lag.snapshot())
    assert seen["samples"] == 100
    assert seen["p99_ms"] == 50                    # the 99th of 100 wake-ups was 40 ms late
    assert seen["worst_bucket_ms"] == 200 and seen["late_over_50ms"] == 1
    lag.record(5000.0)
    assert window(before, lag.snapshot())["worst_bucket_ms"] is None   # beyond the last bound
    assert len(lag.snapshot()["counts"]) == len(BOUNDS_MS) + 1        # type: ignore[arg-type]


def test_targets_need_keeping_up_the_lag_and_a_loop_never_50_ms_late() -> None:
    free = Targets(lag_p90_s=0.9)
    assert free.met(True, 0.88, 0)
    assert not free.met(True, 0.91, 0)          # answers too slow
    assert not free.met(True, 0.80, 1)          # one wake-up more than 50 ms late
    assert not free.met(False, 0.80, 0)         # behind: the answers that came are not enough
    assert not free.met(True, 0.80, None)       # the loop was not measured
    assert not Targets(lag_p90_s=0.4).met(True, 0.45, 0)


def test_capacity_within_targets_stops_at_the_first_count_that_missed_them() -> None:
    # Series 1 climbed from the bottom; a miss at 8 caps it at 6 although 10 held.
    one = [(1, True), (2, True), (4, True), (6, True), (8, False), (10, True)]
    # Series 2 started at 8 (below the capacity found so far): 1-6 come from series 1.
    two = [(8, True), (10, False)]
    # Series 3 started at 8 too and missed there.
    three = [(8, False), (6, True)]
    assert within_targets([one, two, three]) == [6, 8, 6]
    # A lower count that missed in any series caps a series that never measured it.
    assert within_targets([[(1, True), (2, False)], [(4, True)]]) == [1, 1]
    assert within_targets([[(1, False)]]) == [0]
    assert within_targets([]) == []
