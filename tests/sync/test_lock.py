"""The per-app lease (real Redis)."""

from __future__ import annotations

import asyncio

import pytest

from crm_sync.lock import AppLease, LeaseBusyError, lease_key


async def test_second_holder_is_refused_until_release(aredis) -> None:
    async with AppLease(aredis, "app1"):
        with pytest.raises(LeaseBusyError):
            async with AppLease(aredis, "app1"):
                pass
        async with AppLease(aredis, "app2"):
            pass
    async with AppLease(aredis, "app1"):
        pass


async def test_lease_is_renewed_while_held(aredis) -> None:
    async with AppLease(aredis, "app1", ttl_seconds=1.5) as lease:
        await asyncio.sleep(2.5)
        assert not lease.lost
        assert await aredis.get(lease_key("app1")) is not None
    assert await aredis.get(lease_key("app1")) is None


async def test_lost_lease_is_detected(aredis) -> None:
    async with AppLease(aredis, "app1", ttl_seconds=1.2) as lease:
        await aredis.set(lease_key("app1"), "someone-else")
        for _ in range(40):
            if lease.lost:
                break
            await asyncio.sleep(0.1)
        assert lease.lost
        with pytest.raises(Exception, match="lost"):
            lease.check()
    assert await aredis.get(lease_key("app1")) == b"someone-else"


def test_the_lease_key_is_the_one_the_analytics_worker_watches() -> None:
    """crm_shared.sync_activity reads this key to know an import is running."""
    from crm_shared.sync_activity import sync_lease_key
    from crm_sync.lock import lease_key

    assert lease_key("gid://partners/App/7") == sync_lease_key("gid://partners/App/7")
