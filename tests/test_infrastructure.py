"""The suite's own servers are real: Mongo wire protocol and a real Redis."""

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import event_key


async def test_mongo_round_trip_over_wire_protocol(db: AsyncDatabase) -> None:
    await db.things.insert_one({"_id": "a", "v": 1})
    assert await db.things.find_one({"_id": "a"}) == {"_id": "a", "v": 1}


def test_redis_is_a_real_server(redis_client) -> None:
    redis_client.set("k", "v")
    assert redis_client.get("k") == b"v"
    assert redis_client.info("server")["redis_version"]


def test_event_key_distinguishes_same_second_events_of_different_charges() -> None:
    a = event_key("app", "SUBSCRIPTION_CHARGE_CANCELED", "2026-01-01T00:00:00Z", "shop", "c1")
    b = event_key("app", "SUBSCRIPTION_CHARGE_ACTIVATED", "2026-01-01T00:00:00Z", "shop", "c2")
    assert a != b
    assert a == event_key("app", "SUBSCRIPTION_CHARGE_CANCELED", "2026-01-01T00:00:00Z", "shop", "c1")
