"""Property-based fuzzing of the gateway from its own schema (hypothesis-graphql) against a real gateway process.

Every generated query and mutation, sent with either organization's key, must get an answer that is not a 5xx,
whose errors all carry a known `extensions.code` and none is INTERNAL (an unexpected exception is a bug even when
production masks it), and organization B must never see a string only organization A's data contains unless it
wrote that string into the request itself.

`CRM_FUZZ_EXAMPLES` (default 300) sets how many documents each test generates; nightly runs use thousands.
"""

from __future__ import annotations

import os
from datetime import timezone

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from crm_gateway.graphql.schema import make_schema
from tests.hostile.conftest import Gateway, auth

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "300"))
CODES = {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT", "NOT_FOUND"}
SCHEMA = make_schema(production=False).as_str()
# Mutations that call the Partner API or take an app away from the shared seeded tenants are tested on their
# own (tests/gateway/test_connect_mutations.py); every other root field is fuzzed.
NOT_FUZZED = {"connectOrganization", "rotatePartnerToken", "addApp", "removeApp"}
ROOT_FIELDS = sorted({f for t in ("Query", "Mutation")
                      for f in make_schema(production=False)._schema.get_type(t).fields} - NOT_FUZZED)
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, print_blob=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                HealthCheck.data_too_large])


def junk_text() -> st.SearchStrategy[str]:
    """Short arbitrary text, including control characters and non-ASCII."""
    return st.text(max_size=40)


def scalar_strategies(gateway: Gateway) -> dict[str, st.SearchStrategy]:
    """Value-node strategies for every scalar the schema takes as input, biased towards real ids of both tenants."""
    t = gateway.tenants
    known_ids = t.a_app_ids + t.b_app_ids + t.a_customer_ids[:20] + t.b_customer_ids[:20] + [
        "gid://partners/App/999", "gid://partners/Shop/1", "Q3VzdG9tZXI6", "", "gid://partners/App/-1"]
    known_strings = ["VIP", "AT_RISK", "GROWTH", "NEW", "saved:x", "saved:", "Pro", "Basic", "Free",
                     "alpha", "gid://partners/Shop/1", "eyJ2IjoxfQ"] + sorted(t.a_secrets)[:10]
    decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12)
    return {
        "ID": st.one_of(st.sampled_from(known_ids), junk_text()).map(nodes.String),
        "String": st.one_of(st.sampled_from(known_strings), junk_text()).map(nodes.String),
        "Decimal": st.one_of(decimals.map(str), st.sampled_from(["NaN", "Infinity", "-0", "1e400", "ten"]),
                             junk_text()).map(nodes.String),
        "DateTime": st.one_of(st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
                              st.datetimes().map(lambda d: d.isoformat()), junk_text()).map(nodes.String),
        "Date": st.one_of(st.dates().map(lambda d: d.isoformat()), junk_text()).map(nodes.String),
        "JSON": st.just(nodes.String("{}")),
    }


def check_answer(gateway: Gateway, key_is_b: bool, query: str, response: httpx.Response) -> None:
    """The invariants every answer must satisfy."""
    assert response.status_code < 500, (query, response.status_code, response.text[:500])
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, (query, error)
        assert "Traceback" not in error["message"] and "pymongo" not in error["message"], (query, error)
    if key_is_b:
        text = response.text
        leaked = [s for s in gateway.tenants.a_secrets if s in text and s not in query]
        assert not leaked, (query, leaked)


def test_generated_queries_and_mutations_never_fail_internally_or_leak(gateway: Gateway, http: httpx.Client) -> None:
    strategy = from_schema(SCHEMA, fields=ROOT_FIELDS, custom_scalars=scalar_strategies(gateway))
    key_a, key_b = gateway.tenants.seeded.key_a, gateway.tenants.seeded.key_b
    executed: list[bool] = []

    @FUZZ_SETTINGS
    @given(document=strategy, as_b=st.booleans())
    def fuzz(document: str, as_b: bool) -> None:
        response = http.post("/graphql", json={"query": document}, headers=auth(key_b if as_b else key_a))
        check_answer(gateway, as_b, document, response)
        executed.append("data" in response.json())

    fuzz()
    # Guards the fuzzer itself: most documents pass validation, so resolvers really ran.
    assert sum(executed) >= len(executed) // 2, f"only {sum(executed)} of {len(executed)} documents executed"
