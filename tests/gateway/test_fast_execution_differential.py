"""The fast executor on the real schema and real data: generated queries (hypothesis-graphql) answered with it and
without it (GATEWAY_FAST_EXECUTION=false: graphql-core's standard path) give byte-equal answers — the same data,
the same errors, with the same messages, paths and codes."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import AsyncIterator
from datetime import timezone
from typing import Any

import httpx
import pytest
from graphql import REMOVE, ArgumentNode, Visitor, parse, print_ast, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from crm_gateway import app as gateway_app
from crm_gateway import export_links
from crm_gateway.graphql.schema import make_schema
from crm_gateway.graphql.types.node import customer_global_id
from tests.gateway.conftest import APP_A1, APP_A2, APP_B, Seeded, make_client

EXAMPLES = int(os.environ.get("CRM_DIFFERENTIAL_EXAMPLES", "150"))
SCHEMA = make_schema(production=False).as_str()
#: The real schema with one root field returning customers: hypothesis-graphql generates selection sets of the
#: real `Customer` type on it, which `in_customer_list` puts into a page of the seeded app's customer list.
ROWS_SCHEMA = re.sub(r"type Query \{.*?\n\}", "type Query {\n  rows: [Customer!]!\n}", SCHEMA, count=1, flags=re.S)


def scalars(seeded: Seeded, valid: bool) -> dict[str, st.SearchStrategy[Any]]:
    """Input values: real ids of the seeded database, and either values that pass validation (with `passing`:
    answers full of stored data) or arbitrary ones too (errors)."""
    customers = [customer_global_id(d["_id"]) for d in seeded.customers[APP_A1][:15]]
    ids = st.sampled_from([APP_A1, APP_A2, APP_B, "gid://partners/Shop/1", "gid://partners/Shop/2", *customers])
    strings = st.sampled_from(["VIP", "AT_RISK", "GROWTH", "NEW", "Pro", "Basic", "Free", "US", "a", "shop"])
    dates = st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: nodes.String(d.isoformat()))
    if valid:
        return {
            "Int": st.integers(min_value=1, max_value=60).map(nodes.Int),
            "ID": ids.map(nodes.String),
            "String": st.sampled_from(["VIP", "AT_RISK", "GROWTH", "NEW", "Pro", "Basic"]).map(nodes.String),
            "Decimal": st.sampled_from(["0", "10.00", "29.99"]).map(nodes.String),
            "DateTime": st.one_of(st.just(nodes.Null), dates),
            "Date": st.just(nodes.Null),
            "JSON": st.just(nodes.String("{}")),
        }
    return {
        "Int": st.integers(min_value=-5, max_value=300).map(nodes.Int),
        "ID": st.one_of(ids, st.text(max_size=8)).map(nodes.String),
        "String": st.one_of(strings, st.text(max_size=8)).map(nodes.String),
        "Decimal": st.sampled_from(["0", "10.00", "29.99", "1000", "-1", "ten"]).map(nodes.String),
        "DateTime": st.one_of(dates, st.just(nodes.String("not a date"))),
        "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
        "JSON": st.just(nodes.String("{}")),
    }


#: Arguments that, given a generated value, fail their whole query (a cursor from no page, a search and a domain
#: next to a shopId, `last` next to `first`): dropped from the queries meant to reach stored data.
FAILING_ARGUMENTS = frozenset({"after", "before", "search", "domain", "last"})


class _DropFailingArguments(Visitor):
    def enter_argument(self, node: ArgumentNode, *_args: Any) -> Any:
        return REMOVE if node.name.value in FAILING_ARGUMENTS else None


def passing(document: str) -> str:
    """`document` without `FAILING_ARGUMENTS`."""
    return print_ast(visit(parse(document), _DropFailingArguments()))


def in_customer_list(document: str) -> str:
    """A generated ``{ rows { <selection> } }`` as that selection of every row of a 60-row customer page."""
    selection = document.strip()[1:-1].strip()
    assert selection.startswith("rows"), selection
    rows = selection[len("rows"):].strip()
    return f'{{ app(id: "{APP_A1}") {{ customers(first: 60) {{ totalCount edges {{ node {rows} }} }} }} }}'


def canonical(answer: tuple[int, dict[str, Any]]) -> tuple[int, Any, list[str]]:
    """Status, data, and the set of distinct errors (message, code, locations, path).

    Two things about errors follow which of the concurrently resolved fields fails first, which is up to the
    event loop: their order (the spec leaves it open), and, when one error nulls a whole list, which of the
    list's items reported the same error before the others were cut off.  So errors are compared as a set,
    with list positions in their paths written as "#"."""
    status, body = answer
    errors = {json.dumps({**e, "path": [p if isinstance(p, str) else "#" for p in e.get("path") or []]},
                         sort_keys=True) for e in body.get("errors") or []}
    return status, body.get("data"), sorted(errors)


def count_values(data: Any) -> int:
    """Non-null leaf values in an answer's data."""
    if isinstance(data, list):
        return sum(count_values(v) for v in data)
    if isinstance(data, dict):
        return sum(count_values(v) for v in data.values())
    return int(data is not None)


@pytest.fixture
async def both(seeded: Seeded, redis_url: str, monkeypatch: pytest.MonkeyPatch
               ) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A gateway with the fast executor and one without, on the same seeded database (signed export links
    carry an expiry in wall time: frozen, so both answers sign the same link)."""
    monkeypatch.setattr(export_links, "wall_clock", lambda: 1_800_000_000.0)
    fast = make_client(seeded.db, redis_url)
    monkeypatch.setattr(gateway_app, "make_schema", functools.partial(make_schema, fast_execution=False))
    standard = make_client(seeded.db, redis_url)
    async with fast, standard:
        yield fast, standard


async def test_generated_queries_get_equal_answers_with_and_without_the_fast_executor(
        seeded: Seeded, both: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    fast, standard = both
    headers = {"Authorization": f"Bearer {seeded.key_a}"}
    documents: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(document=st.one_of(
        queries(ROWS_SCHEMA, custom_scalars=scalars(seeded, valid=True)).map(passing).map(in_customer_list),
        queries(SCHEMA, fields=["apps"], custom_scalars=scalars(seeded, valid=True)).map(passing),
        queries(SCHEMA, custom_scalars=scalars(seeded, valid=False))))
    def collect(document: str) -> None:
        documents.append(document)

    collect()
    values = 0
    for document in documents:
        answers = []
        for client in (fast, standard):
            response = await client.post("/graphql", json={"query": document}, headers=headers)
            answers.append((response.status_code, response.json()))
        assert canonical(answers[0]) == canonical(answers[1]), (document, answers)
        values += count_values(answers[0][1].get("data"))
    # Guards the test itself: the generated queries really completed stored data on both paths.
    assert values >= 5000, f"only {values} values were compared"
