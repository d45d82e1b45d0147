"""`check_access` against the simulator: what a good token passes, and the clear refusal of each mistake."""

from __future__ import annotations

import pytest

from crm_shared.partner_access import ConnectionRefused, check_access
from tests.connect.conftest import (
    APP,
    GOOD_TOKEN,
    NO_APPS_TOKEN,
    NO_FINANCIALS_TOKEN,
    ORG,
    UNKNOWN_APP,
    WRONG_TOKEN,
    Sim,
)

VERSION = "2026-04"


async def test_good_token_and_app_pass_with_the_apps_name(sim: Sim) -> None:
    apps = await check_access(sim.url, VERSION, ORG, GOOD_TOKEN, [APP])
    assert [(a.id, a.name, a.api_key) for a in apps] == [(APP, "Ranky", "k101")]
    assert await check_access(sim.url, VERSION, ORG, GOOD_TOKEN, []) == []


@pytest.mark.parametrize("token,org,apps,reason,message", [
    (WRONG_TOKEN, ORG, [APP], "token", "refused the access token for organization 1234567 (HTTP 401)"),
    (GOOD_TOKEN, "7654321", [APP], "token", "refused the access token for organization 7654321"),
    (NO_FINANCIALS_TOKEN, ORG, [APP], "permission", 'lacks the "View financials" permission'),
    (NO_APPS_TOKEN, ORG, [APP], "permission", 'lacks the "Manage apps" permission'),
    (NO_APPS_TOKEN, ORG, [], "permission", 'lacks the "Manage apps" permission'),
    (GOOD_TOKEN, ORG, [UNKNOWN_APP], "app", "knows no app gid://partners/App/999 in organization 1234567"),
    (GOOD_TOKEN, "acme", [APP], "input", "is not a number"),
    (GOOD_TOKEN, ORG, ["Ranky"], "input", "is not an app gid"),
    ("  ", ORG, [APP], "input", "token is empty"),
])
async def test_each_mistake_is_refused_with_a_clear_message(sim: Sim, token: str, org: str, apps: list[str],
                                                          reason: str, message: str) -> None:
    with pytest.raises(ConnectionRefused) as caught:
        await check_access(sim.url, VERSION, org, token, apps)
    assert caught.value.reason == reason and message in str(caught.value)
    assert token.strip() == "" or token not in str(caught.value)


async def test_an_unsupported_version_and_an_unreachable_api_are_refused(sim: Sim) -> None:
    with pytest.raises(ConnectionRefused, match="answered 404") as caught:
        await check_access(sim.url, "2019-01", ORG, GOOD_TOKEN, [APP])
    assert caught.value.reason == "endpoint"
    from crm_devstack.processes import free_port

    with pytest.raises(ConnectionRefused, match="could not be reached") as caught:
        await check_access(f"http://127.0.0.1:{free_port()}", VERSION, ORG, GOOD_TOKEN, [APP], timeout=2)
    assert caught.value.reason == "unreachable"


async def test_a_bare_app_number_is_accepted(sim: Sim) -> None:
    apps = await check_access(sim.url, VERSION, ORG, GOOD_TOKEN, ["101"])
    assert apps[0].id == APP
