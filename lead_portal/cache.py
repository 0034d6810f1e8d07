"""The portal's cache backend: Django's ``RedisCache`` that degrades instead of failing.

The cache is an optimisation (figures of a finished run, the footer's claims line, chart figures,
ingest progress): when Redis is away, a read is a miss and a write is dropped, so every page is
computed and served without it. Every ``cache.`` call in the portal goes through this backend (it is
``CACHES["default"]`` whenever ``REDIS_URL`` is set), so no caller needs its own ``try``.

The first failure of an outage is logged once (a warning), then Redis is left alone for
``RETRY_SECONDS`` (no connection attempt per call while it is down: a page makes several cache calls),
tried again after that, and its return is logged once too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

T = TypeVar("T")

# What "Redis is away" looks like: refused or dropped connections, time-outs, a server still loading.
UNAVAILABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
# While Redis is down, calls skip it for this long before one of them tries again.
RETRY_SECONDS = 5.0


class _Outage:
    """Whether Redis is known to be down (per process), and since when it was last tried."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0

    def skip(self) -> bool:
        with self._lock:
            return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, location: str, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
                log.warning("cache at %s unavailable (%s): serving without the cache", location, exc)
            self.retry_at = now + RETRY_SECONDS

    def answered(self, location: str) -> None:
        if self.down_since is None:  # the usual case: no lock taken
            return
        with self._lock:
            if self.down_since is not None:
                log.warning("cache at %s answers again after %.0f s", location, time.monotonic() - self.down_since)
                self.down_since = None


class DegradingRedisCache(RedisCache):
    """``RedisCache`` whose reads miss and whose writes are dropped while Redis is unavailable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server
        self.outage = _Outage()

    def _guard(self, call: Callable[[], T], fallback: T) -> T:
        if self.outage.skip():
            return fallback
        try:
            value = call()
        except UNAVAILABLE as exc:
            self.outage.failed(self._location, exc)
            return fallback
        self.outage.answered(self._location)
        return value

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(DegradingRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: super(DegradingRedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guard(lambda: super(DegradingRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(DegradingRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(DegradingRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(DegradingRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(DegradingRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        value = self._guard(lambda: super(DegradingRedisCache, self).incr(key, delta, version), missing)
        if value is missing:  # what a missing key does on any backend
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value  # type: ignore[return-value]

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guard(lambda: super(DegradingRedisCache, self).set_many(data, timeout, version), list(data))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(lambda: super(DegradingRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._guard(lambda: super(DegradingRedisCache, self).clear(), None)
