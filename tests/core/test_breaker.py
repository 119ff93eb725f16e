"""The Redis circuit breaker: its states, the cache behind it against a server that accepts
and never answers, and the broker publish of coopcenter.core.tasks.enqueue."""

import time
from types import SimpleNamespace
from unittest import mock

import pytest

from coopcenter.core.breaker import CircuitBreaker, breaker_for, server_of
from coopcenter.core.rediscache import BreakerRedisCache
from coopcenter.core.tasks import enqueue

from .silent import SilentServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cooldown(settings):
    settings.REDIS_BREAKER_COOLDOWN = 30
    return 30


def test_a_failure_opens_the_breaker_for_the_cooldown_then_one_trial_goes_through(cooldown):
    clock = Clock()
    breaker = CircuitBreaker("test", clock=clock)
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()
    clock.now += cooldown - 1
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow(), "after the cooldown one trial call is let through"
    assert not breaker.allow(), "only one: the others still skip"
    breaker.succeeded()
    assert not breaker.is_open
    assert breaker.allow()


def test_a_failed_trial_keeps_it_open_for_another_cooldown(cooldown):
    clock = Clock()
    breaker = CircuitBreaker("test", clock=clock)
    breaker.failed()
    clock.now += cooldown
    assert breaker.allow()
    breaker.failed()
    clock.now += cooldown - 1
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()


def test_a_trial_that_never_reports_does_not_leave_the_breaker_stuck(cooldown):
    clock = Clock()
    breaker = CircuitBreaker("test", clock=clock)
    breaker.failed()
    clock.now += cooldown
    assert breaker.allow()  # the trial raises something unrelated and reports nothing
    clock.now += cooldown
    assert breaker.allow()


def test_one_breaker_per_server_whatever_the_database_number():
    assert server_of("redis://:secret@cache.internal:6380/3") == "cache.internal:6380"
    assert server_of("redis://127.0.0.1/0") == "127.0.0.1:6379"
    assert breaker_for("redis://127.0.0.1:6399/1") is breaker_for("redis://127.0.0.1:6399/0")
    assert breaker_for("redis://127.0.0.1:6399/1") is not breaker_for("redis://127.0.0.1:6398/1")


@pytest.fixture
def hung_cache(settings):
    settings.REDIS_BREAKER_COOLDOWN = 1.5
    with SilentServer() as server:
        backend = BreakerRedisCache(
            f"redis://127.0.0.1:{server.port}/1",
            {
                "OPTIONS": {
                    "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5,
                    "IGNORE_EXCEPTIONS": True,
                }
            },
        )
        yield backend


def timed(call) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_hung_redis_costs_one_timeout_then_calls_skip_it(hung_cache):
    value, first = timed(lambda: hung_cache.get("key", "default"))
    assert value == "default"
    assert 0.4 < first < 1.5, f"the first call should wait out its timeout, took {first:.2f} s"
    assert hung_cache.breaker.is_open

    def many_calls():
        for _ in range(20):
            assert hung_cache.get("key") is None
            assert hung_cache.get_many(["a", "b"]) == {}
            hung_cache.set("key", 1)
            assert not hung_cache.add("other", 1)
            hung_cache.delete("key")

    _none, rest = timed(many_calls)
    assert rest < 0.2, f"100 calls on an open breaker took {rest:.2f} s"


def test_after_the_cooldown_one_call_tries_the_server_again(hung_cache):
    hung_cache.get("key")
    assert hung_cache.breaker.is_open
    time.sleep(1.6)
    _value, trial = timed(lambda: hung_cache.get("key"))
    assert trial > 0.4, "the half-open trial went to the server"
    _value, next_call = timed(lambda: hung_cache.get("key"))
    assert next_call < 0.1, "the failed trial opened the breaker again"


def test_closing_the_cache_is_no_trial_of_the_server(hung_cache, settings):
    hung_cache.get("key")
    settings.REDIS_BREAKER_COOLDOWN = 0
    hung_cache.close()  # Django closes caches after every request; it proves nothing
    assert hung_cache.breaker.is_open


def broker_task(*, url: str, delay) -> SimpleNamespace:
    conf = SimpleNamespace(task_always_eager=False, broker_url=url)
    return SimpleNamespace(name="tests.task", app=SimpleNamespace(conf=conf), delay=delay)


def test_a_failed_publish_skips_the_broker_for_the_cooldown(cooldown):
    delay = mock.Mock(side_effect=TimeoutError("broker does not answer"))
    task = broker_task(url="redis://127.0.0.1:6397/0", delay=delay)
    enqueue(task, 1)
    enqueue(task, 2)
    enqueue(task, 3)
    assert delay.call_args_list == [mock.call(1)], "publishes after the failure were skipped"


def test_a_cache_timeout_spares_the_publish_to_the_same_server(cooldown):
    breaker_for("redis://127.0.0.1:6396/1").failed()  # the cache, on database 1
    delay = mock.Mock()
    enqueue(broker_task(url="redis://127.0.0.1:6396/0", delay=delay), 1)
    delay.assert_not_called()


def test_a_publish_that_works_keeps_publishing(cooldown):
    delay = mock.Mock()
    task = broker_task(url="redis://127.0.0.1:6395/0", delay=delay)
    enqueue(task, 1)
    enqueue(task, 2)
    assert delay.call_count == 2
