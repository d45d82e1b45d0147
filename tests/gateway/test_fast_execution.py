"""The fast executor gives exactly graphql-core's answers: same data, same errors, same paths.

A small schema is executed twice, by strawberry's standard executor and by
`FastExecutionContext` with attribute resolvers, over good rows and rows
broken in every way the fast path must hand back to the standard one.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql.execution import executor as graphql_executor
from strawberry.extensions import ParserCache

from crm_gateway.graphql.fast_execution import FastExecutionContext
from crm_gateway.graphql.schema import fast_attribute_resolvers


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    amount: Decimal
    code: str


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Row(Named):
    id: strawberry.ID
    name: str
    color: Color
    tags: list[str]
    leaf: Leaf
    maybe: Leaf | None
    count: int | None
    leaves: list[Leaf]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


ROWS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return ROWS

    @strawberry.field
    def nullable_rows(self) -> list[Row | None] | None:
        return ROWS

    @strawberry.field
    def named(self) -> list[Named]:
        return ROWS


def row(n: int, **overrides: Any) -> Row:
    values: dict[str, Any] = dict(id=strawberry.ID(f"r{n}"), name=f"row {n}", color=Color.RED, tags=["a", "b"],
                                  leaf=Leaf(amount=Decimal("1.50"), code="USD"), maybe=None, count=n,
                                  leaves=[Leaf(amount=Decimal(n), code="EUR")])
    values.update(overrides)
    r = Row(**{k: v for k, v in values.items() if k in Row.__dataclass_fields__})
    for k, v in values.items():  # broken values bypass the constructor's typing
        object.__setattr__(r, k, v)
    return r


class NotARow:
    """Has every attribute of a Row but is not one (is_type_of refuses it)."""

    def __init__(self, r: Row) -> None:
        self.__dict__.update(r.__dict__)


standard = strawberry.Schema(query=Query)
fast = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext)
assert fast_attribute_resolvers(fast) > 0
# Like the gateway: one parsed document per query text, so plans are shared across requests.
cached = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext,
                           extensions=[lambda: ParserCache(maxsize=16)])
fast_attribute_resolvers(cached)

QUERIES = [
    "{ rows { id name color tags count leaf { amount code } maybe { code } leaves { amount } } }",
    "{ rows { __typename a: name b: name ...F leaf { ... on Leaf { code } } } } fragment F on Row { color tags }",
    "query($s: Boolean!) { rows { name @include(if: $s) color @skip(if: $s) leaf { code @skip(if: $s) } } }",
    "{ rows { name shout leaf { amount } } }",
    "{ nullableRows { id name leaf { amount code } } }",
    "{ named { name ... on Row { color leaf { code } } } }",
]

BROKEN = {
    "null in non-null leaf": {"name": None},
    "enum value not in the enum": {"color": "green"},
    "null non-null object": {"leaf": None},
    "list that is a string": {"tags": "ab"},
    "null inside a non-null list": {"tags": ["a", None]},
    "nested broken object": {"leaves": [Leaf(amount=Decimal(1), code="X"), Leaf(amount=None, code="Y")]},  # type: ignore[arg-type]
    "int that is not an int": {"count": "seven"},
    "exception value": {"count": ValueError("boom")},
}


def run(schema: strawberry.Schema, query: str, s: bool = True) -> tuple[Any, list[tuple[str, Any]]]:
    result = schema.execute_sync(query, variable_values={"s": s})
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
def test_good_rows_are_identical(query: str) -> None:
    ROWS[:] = [row(n) for n in range(5)]
    expected = run(standard, query)
    assert not expected[1]
    assert run(fast, query) == expected


@pytest.mark.parametrize("broken", sorted(BROKEN))
@pytest.mark.parametrize("query", QUERIES)
def test_broken_rows_report_the_same_errors(query: str, broken: str) -> None:
    ROWS[:] = [row(0), row(1, **BROKEN[broken]), row(2)]
    assert run(fast, query) == run(standard, query)


@pytest.mark.parametrize("query", QUERIES)
def test_object_refused_by_is_type_of(query: str) -> None:
    ROWS[:] = [row(0), NotARow(row(1))]
    assert run(fast, query) == run(standard, query)


def test_fast_path_skips_per_field_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Attribute-only rows are completed without graphql-core's per-field machinery."""
    calls = {"n": 0}
    original = graphql_executor.Executor.execute_field

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(graphql_executor.Executor, "execute_field", counting)
    ROWS[:] = [row(n) for n in range(50)]
    run(fast, QUERIES[0])
    assert calls["n"] == 1  # only Query.rows
    calls["n"] = 0
    run(standard, QUERIES[0])
    assert calls["n"] > 50 * 8


@pytest.mark.parametrize("query", QUERIES)
def test_plans_shared_across_requests_follow_each_request(query: str) -> None:
    """The same document again and again, with variables that change what @skip/@include select."""
    for n, s in enumerate([True, False, False, True, True, False]):
        ROWS[:] = [row(0), row(1, name=None)] if n == 3 else [row(k) for k in range(3)]
        assert run(cached, query, s) == run(standard, query, s)
