"""archive.prefetch.ordered: results in the items' order, a bounded number of calls ahead of the
consumer, errors raised in their place, and no thread left running when the consumer stops."""
import threading
import time

import pytest

from archive.prefetch import ordered


def test_results_come_in_order_whatever_finishes_first():
    def slow_for_small(n):
        time.sleep(0.002 * (10 - n % 10))
        return n * n

    assert list(ordered(slow_for_small, range(50), threads=4)) == [n * n for n in range(50)]
    assert list(ordered(slow_for_small, range(5), threads=1)) == [n * n for n in range(5)]


def test_calls_run_at_most_a_window_ahead_of_the_consumer():
    started = []
    lock = threading.Lock()

    def record(n):
        with lock:
            started.append(n)
        return n

    results = ordered(record, range(1000), threads=3, window=6)
    for consumed, n in enumerate(results, 1):
        time.sleep(0.0005)
        with lock:
            ahead = len(started) - consumed
        assert ahead <= 6, f"{ahead} calls ahead after {consumed} consumed"
    assert sorted(started) == list(range(1000))


def test_an_error_is_raised_where_its_result_would_be():
    def fail_at_7(n):
        if n == 7:
            raise KeyError(n)
        return n

    seen = []
    with pytest.raises(KeyError):
        for n in ordered(fail_at_7, range(20), threads=4):
            seen.append(n)
    assert seen == list(range(7))


def test_stopping_early_leaves_no_thread_running():
    calls = []
    gen = ordered(lambda n: calls.append(n) or n, iter(range(10_000)), threads=4, window=8)
    assert [next(gen) for _ in range(3)] == [0, 1, 2]
    gen.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("prefetch")]
    assert len(calls) <= 3 + 8, "the items past the window were never read"
