"""Keyset conditions on (sort value, _id), with nulls handled consistently.

MongoDB orders null (and missing) before every other value ascending and
after every other value descending; the conditions below follow exactly that
order, so walking a list forward or backward visits each row once.
"""

from __future__ import annotations

from typing import Any

from crm_gateway.pagination.cursor import Position


def after_condition(field: str, ascending: bool, pos: Position) -> dict[str, Any]:
    """Rows strictly after `pos` in the order (`field` asc|desc, `_id` same way)."""
    id_op = "$gt" if ascending else "$lt"
    if pos.value is None:
        tie = {field: None, "_id": {id_op: pos.id}}
        return {"$or": [tie, {field: {"$ne": None}}]} if ascending else tie
    value_op = "$gt" if ascending else "$lt"
    clauses: list[dict[str, Any]] = [
        {field: {value_op: pos.value}},
        {field: pos.value, "_id": {id_op: pos.id}},
    ]
    if not ascending:
        clauses.append({field: None})
    return {"$or": clauses}


def sort_spec(field: str, ascending: bool) -> list[tuple[str, int]]:
    """The MongoDB sort for (field, _id) in one direction."""
    d = 1 if ascending else -1
    return [(field, d), ("_id", d)]
