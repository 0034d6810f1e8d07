"""Redis as Django's cache when ``REDIS_URL`` is set."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.integration


def test_the_cache_is_redis_and_round_trips_values() -> None:
    # Django's RedisCache, degrading to "no cache" while Redis is away (lead_portal/cache.py).
    assert settings.CACHES["default"]["BACKEND"] == "lead_portal.cache.DegradingRedisCache"
    key = f"itest:{uuid.uuid4().hex}"
    value = {"aco_id": "L0001", "performance_year": 2027, "tins": ["111000001", "111000002"]}
    try:
        cache.set(key, value, timeout=60)
        assert cache.get(key) == value
        # The value really lives in Redis, with its expiry, under Django's versioned key.
        client = redis.Redis.from_url(settings.REDIS_URL)
        raw_key = cache.make_key(key)
        assert client.exists(raw_key) == 1
        assert 0 < client.ttl(raw_key) <= 60
        assert cache.add(key, "other") is False
        cache.set(f"{key}:n", 1)
        assert cache.incr(f"{key}:n", 41) == 42
        cache.delete(key)
        assert cache.get(key, "gone") == "gone"
        assert client.exists(raw_key) == 0
    finally:
        cache.delete_many([key, f"{key}:n"])
