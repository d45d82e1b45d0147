"""The MUSTs and SHOULDs of graphql-http's server audit (the GraphQL-over-HTTP spec), checked in Python
against the gateway, with an API key (as the audit is run with a fetch that adds one).

Each case is named as the audit names it; a MAY is left out."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Seeded

GQL_JSON = "application/graphql-response+json"
JSON = "application/json"
QUERY = "{ __typename }"

Check = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[None]]


async def post(client: httpx.AsyncClient, auth: dict[str, str], body: Any = None, *, accept: str | None = JSON,
               content_type: str | None = JSON, raw: bytes | None = None) -> httpx.Response:
    headers = dict(auth)
    if content_type is not None:
        headers["Content-Type"] = content_type
    content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    request = client.build_request("POST", "/graphql", content=content, headers=headers)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return await client.send(request)


def media_type(r: httpx.Response) -> str:
    return r.headers.get("content-type", "").split(";")[0].strip()


async def accept_and_match(client: httpx.AsyncClient, auth: dict[str, str], accept: str | None, want: str) -> None:
    r = await post(client, auth, {"query": QUERY}, accept=accept)
    assert r.status_code == 200 and media_type(r) == want, (accept, r.status_code, r.headers)
    assert r.json()["data"] == {"__typename": "Query"}


def ok_with(body: dict[str, Any], accept: str) -> Check:
    async def check(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
        r = await post(client, auth, body, accept=accept)
        assert r.status_code == 200 and "errors" not in r.json(), r.text

    return check


def invalid_param(body: dict[str, Any], accept: str) -> Check:
    """A request that is not well-formed: 400, a JSON body without data, with a BAD_USER_INPUT error."""

    async def check(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
        r = await post(client, auth, body, accept=accept)
        assert r.status_code == 400 and "data" not in r.json(), (r.status_code, r.text)
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    return check


async def utf8_response(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await post(client, auth, {"query": QUERY})
    assert "charset" not in r.headers["content-type"] or "utf-8" in r.headers["content-type"].lower()
    r.content.decode("utf-8")


async def utf8_request(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await post(client, auth, content_type="application/json; charset=utf-8",
                   raw='{"query": "{ __type(name: \\"Ünknown\\") { name } }"}'.encode())
    assert r.status_code == 200 and r.json()["data"] == {"__type": None}


async def utf8_assumed(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await post(client, auth, raw='{"query": "{ __type(name: \\"Ünknown\\") { name } }"}'.encode())
    assert r.status_code == 200 and r.json()["data"] == {"__type": None}


async def mutation_over_get_refused(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.get("/graphql", params={"query": 'mutation { deleteSegment(appId: "x", key: "saved:x") }'},
                         headers={**auth, "Accept": JSON})
    assert 400 <= r.status_code < 500


async def no_content_type_is_4xx(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await post(client, auth, {"query": QUERY}, content_type=None)
    assert 400 <= r.status_code < 500


async def body_required(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await post(client, auth, raw=b"")
    assert 400 <= r.status_code < 500


async def json_parse_failure_is_400(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await post(client, auth, raw=b'{ "not a JSON')
    assert r.status_code == 400


async def variables_in_get(client: httpx.AsyncClient, auth: dict[str, str], accept: str) -> None:
    r = await client.get("/graphql", params={"query": "query Q($n: String!) { __type(name: $n) { name } }",
                                             "variables": json.dumps({"n": "Query"})},
                         headers={**auth, "Accept": accept})
    assert r.status_code == 200 and r.json()["data"] == {"__type": {"name": "Query"}}


def document_failure(query: str, accept: str) -> Check:
    async def check(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
        r = await post(client, auth, {"query": query}, accept=accept)
        if accept == GQL_JSON:
            assert r.status_code == 400 and "data" not in r.json() and media_type(r) == GQL_JSON
        else:
            assert r.status_code == 200 and r.json()["errors"] and media_type(r) == JSON

    return check


CASES: dict[str, Check] = {
    "MUST accept application/graphql-response+json and match the content-type":
        lambda c, a: accept_and_match(c, a, GQL_JSON, GQL_JSON),
    "MUST accept application/json and match the content-type": lambda c, a: accept_and_match(c, a, JSON, JSON),
    "SHOULD accept */* and use application/json for the content-type": lambda c, a: accept_and_match(c, a, "*/*", JSON),
    "SHOULD assume application/json content-type when accept is missing":
        lambda c, a: accept_and_match(c, a, None, JSON),
    "MUST use utf-8 encoding when responding": utf8_response,
    "MUST accept utf-8 encoded request": utf8_request,
    "MUST assume utf-8 in request if encoding is unspecified": utf8_assumed,
    "MUST accept POST requests": lambda c, a: accept_and_match(c, a, JSON, JSON),
    "MAY NOT allow executing mutations on GET requests": mutation_over_get_refused,
    "SHOULD respond with 4xx status code if content-type is not supplied on POST requests": no_content_type_is_4xx,
    "MUST accept application/json POST requests": lambda c, a: accept_and_match(c, a, JSON, JSON),
    "MUST require a request body on POST": body_required,
    "SHOULD use 400 status code on JSON parsing failure": json_parse_failure_is_400,
}
for name, accept in (("application/graphql-response+json", GQL_JSON), ("application/json", JSON)):
    level = "SHOULD" if accept == GQL_JSON else "MUST"
    CASES[f"{level} allow string {{query}} parameter when accepting {name}"] = ok_with({"query": QUERY}, accept)
    CASES[f"{level} allow string {{operationName}} parameter when accepting {name}"] = ok_with(
        {"query": "query Q { __typename }", "operationName": "Q"}, accept)
    for param in ("variables", "operationName", "extensions"):
        CASES[f"{level} allow null {{{param}}} parameter when accepting {name}"] = ok_with(
            {"query": QUERY, param: None}, accept)
    CASES[f"{level} allow map {{variables}} parameter when accepting {name}"] = ok_with(
        {"query": "query Q($n: String!) { __type(name: $n) { name } }", "variables": {"n": "Query"}}, accept)
    CASES[f"{level} allow map {{extensions}} parameter when accepting {name}"] = ok_with(
        {"query": QUERY, "extensions": {"some": "value"}}, accept)
    CASES[f"{level} allow URL-encoded JSON string {{variables}} parameter in GETs when accepting {name}"] = (
        lambda c, a, accept=accept: variables_in_get(c, a, accept))
    for param, value in (("query", 7), ("operationName", 7), ("variables", "str"), ("extensions", "str")):
        CASES[f"SHOULD use 400 status code if {{{param}}} parameter is invalid when accepting {name}"] = (
            invalid_param({"query": QUERY, param: value} if param != "query" else {"query": value}, accept))
    CASES[f"SHOULD use 4xx/200 status code on document parsing failure when accepting {name}"] = document_failure(
        "{", accept)
    CASES[f"SHOULD use 4xx/200 status code on document validation failure when accepting {name}"] = (
        document_failure("{ 8f31403dfe404bccbb0e835f2629c6a7 }", accept))


@pytest.mark.parametrize("name", list(CASES))
async def test_graphql_over_http_audit(name: str, client: httpx.AsyncClient, seeded: Seeded) -> None:
    await CASES[name](client, {"Authorization": f"Bearer {seeded.key_a}"})
