"""The lease (`crm_shared.lease`, redis-py's lock) on a real Redis, as the sync worker holds an app."""

from __future__ import annotations

import pytest

from crm_shared.lease import LeaseBusyError, LeaseLostError
from crm_shared.store.sync_leases import lease_key, sync_lease, time_left
from tests.waiting import eventually


async def test_second_holder_is_refused_until_release(aredis) -> None:
    async with sync_lease(aredis, "app1", 60):
        with pytest.raises(LeaseBusyError):
            async with sync_lease(aredis, "app1", 60):
                pass
        async with sync_lease(aredis, "app2", 60):
            pass
    async with sync_lease(aredis, "app1", 60):
        pass


async def test_lease_is_renewed_while_held_and_each_renewal_is_reported(aredis) -> None:
    renewals = []

    async def on_renew(expires_at) -> None:
        renewals.append(expires_at)

    async with sync_lease(aredis, "app1", 1.5, on_renew=on_renew) as lease:
        # held for more than twice its time to live: only renewals keep it
        await eventually("three renewals", lambda: _true_when(len(renewals) >= 3), timeout=30)
        assert not lease.lost
        assert await aredis.get(lease_key("app1")) is not None
        assert renewals == sorted(renewals) and renewals[-1] == lease.expires_at
    assert await aredis.get(lease_key("app1")) is None
    assert await time_left(aredis, "app1") is None


async def test_lost_lease_is_detected(aredis) -> None:
    async with sync_lease(aredis, "app1", 1.2) as lease:
        await aredis.set(lease_key("app1"), "someone-else")
        await eventually("the loss to be noticed", lambda: _true_when(lease.lost), timeout=30)
        with pytest.raises(LeaseLostError, match="lost"):
            lease.check()
    assert await aredis.get(lease_key("app1")) == b"someone-else"  # release never frees another holder's lease


async def test_time_left_tells_a_waiting_request_when_the_lease_frees(aredis) -> None:
    assert await time_left(aredis, "app1") is None
    async with sync_lease(aredis, "app1", 20):
        left = await time_left(aredis, "app1")
        assert left is not None and 0 < left <= 20


async def _true_when(value: bool) -> bool:
    return value
