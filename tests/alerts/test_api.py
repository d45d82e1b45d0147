"""The endpoint API: validation with codes, tenant isolation, read-only keys, no secret in answers."""

from __future__ import annotations

from crm_shared.store.registry import create_api_key
from tests.alerts.conftest import ORG, OTHER_APP, AlertEnv
from tests.alerts.gql import CREATE, ENDPOINT, client, data, gateway, gql
from tests.alerts.scenario import T0
from tests.analytics.raw_factory import APP

LIST = "{ webhookEndpoints { id url format eventTypes appIds segments enabled } }"
UPDATE = "mutation($id: ID!, $input: WebhookEndpointUpdate!) { updateWebhookEndpoint(id: $id, input: $input) { id } }"
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }"
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { signingSecret endpoint { id } } }"


async def test_endpoints_are_validated_scoped_to_their_organization_and_never_show_a_secret(
        env: AlertEnv, redis_url: str) -> None:
    read_only = await create_api_key(env.db, ORG, "ro", scope="read")
    async with client(gateway(env.db, redis_url, T0)) as c:
        made = (await data(c, env.key, CREATE, {"input": {
            "url": "http://127.0.0.1:9/hook", "eventTypes": ["SEGMENT_ENTERED", "CUSTOMER_UNINSTALLED"],
            "appIds": [APP], "segments": ["VIP", "saved:big-shops"], "format": "SLACK"}}))["createWebhookEndpoint"]
        ep = made["endpoint"]["id"]
        listed = (await data(c, env.key, LIST))["webhookEndpoints"]
        assert listed == [{"id": ep, "url": "http://127.0.0.1:9/hook", "format": "SLACK",
                           "eventTypes": ["CUSTOMER_UNINSTALLED", "SEGMENT_ENTERED"], "appIds": [APP],
                           "segments": ["VIP", "saved:big-shops"], "enabled": True}]
        assert made["signingSecret"] not in str(await gql(c, env.key, ENDPOINT, {"id": ep}))

        for bad, code in ((dict(url="ftp://x.example/"), "BAD_USER_INPUT"),
                          (dict(url="http://127.0.0.1/", segments=["vip!"]), "BAD_USER_INPUT"),
                          (dict(url="http://127.0.0.1/", appIds=[OTHER_APP]), "NOT_FOUND"),
                          (dict(url="http://127.0.0.1/", description="x" * 201), "BAD_USER_INPUT")):
            body = await gql(c, env.key, CREATE, {"input": bad})
            assert body["errors"][0]["extensions"]["code"] == code, (bad, body)
        body = await gql(c, env.key, CREATE, {"input": {"url": "http://127.0.0.1/", "eventTypes": ["NOPE"]}})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

        # another organization: the endpoint does not exist for it
        assert (await data(c, env.other_key, ENDPOINT, {"id": ep}))["webhookEndpoint"] is None
        assert (await data(c, env.other_key, LIST))["webhookEndpoints"] == []
        for query, variables in ((UPDATE, {"id": ep, "input": {"enabled": False}}), (ROTATE, {"id": ep})):
            body = await gql(c, env.other_key, query, variables)
            assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
        assert (await data(c, env.other_key, DELETE, {"id": ep}))["deleteWebhookEndpoint"] is False
        # a read-only key reads but changes nothing
        assert (await data(c, read_only, LIST))["webhookEndpoints"][0]["id"] == ep
        body = await gql(c, read_only, DELETE, {"id": ep})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        rotated = (await data(c, env.key, ROTATE, {"id": ep}))["rotateWebhookSecret"]
        assert rotated["signingSecret"].startswith("whsec_") and rotated["signingSecret"] != made["signingSecret"]
        assert (await data(c, env.key, DELETE, {"id": ep}))["deleteWebhookEndpoint"] is True
        assert (await data(c, env.key, LIST))["webhookEndpoints"] == []
