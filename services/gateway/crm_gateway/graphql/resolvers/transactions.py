"""A customer's transactions from `partner_transactions` (keyset by date or amount)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_gateway.graphql.enums import TRANSACTION_TYPENAMES, BillingInterval, TransactionKind
from crm_gateway.graphql.inputs import TransactionSortInput
from crm_gateway.graphql.types.money import money
from crm_gateway.graphql.types.page_info import PageInfo
from crm_gateway.graphql.types.transaction import Transaction, TransactionConnection, TransactionEdge
from crm_gateway.pagination.cursor import decode_cursor, encode_cursor, query_hash
from crm_gateway.pagination.keyset import after_condition, sort_spec
from crm_gateway.pagination.limits import page_request
from crm_shared.customer_filter import combine
from crm_shared.store import partner_transactions
from crm_shared.store.partner_transactions import TransactionDoc

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

SORT_COLUMNS = {"DATE": "created_at", "AMOUNT": "gross_amount"}


def kind_query(kinds: list[TransactionKind] | None) -> dict[str, Any] | None:
    """The `type` clause for a kind filter (OTHER = any typename we do not name)."""
    if not kinds:
        return None
    names = [n for n, k in TRANSACTION_TYPENAMES.items() if k in kinds]
    clauses: list[dict[str, Any]] = []
    if names:
        clauses.append({"type": {"$in": names}})
    if TransactionKind.OTHER in kinds:
        clauses.append({"type": {"$nin": list(TRANSACTION_TYPENAMES)}})
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def to_transaction(row: TransactionDoc) -> Transaction:
    """The GraphQL transaction of a stored row."""
    interval = row.get("billing_interval")
    return Transaction(
        id=row["_id"],
        kind=TRANSACTION_TYPENAMES.get(row.get("type") or "", TransactionKind.OTHER),
        created_at=row["created_at"],
        charge_id=row.get("charge_id"),
        gross_amount=money(row.get("gross_amount"), row.get("currency")),
        net_amount=money(row.get("net_amount"), row.get("currency")),
        billing_interval=BillingInterval(interval) if interval in BillingInterval.__members__ else None,
        restated=bool(row.get("restatements")),
    )


async def transactions_page(
    ctx: GatewayContext, customer: dict[str, Any], first: int | None, after: str | None,
    sort: TransactionSortInput | None, kinds: list[TransactionKind] | None,
) -> TransactionConnection:
    """One page of the customer's transactions."""
    req = page_request(first, after)
    field_name = sort.field.value if sort else "DATE"
    ascending = sort.direction.value == "ASC" if sort else False
    column = SORT_COLUMNS[field_name]
    kinds_key = sorted(k.value for k in kinds) if kinds else []
    qhash = query_hash("transactions", customer["_id"], field_name, ascending, kinds_key)
    base = combine({"app_id": customer["app_id"], "shop_id": customer["shop_id"]}, kind_query(kinds))
    query = base
    if req.cursor is not None:
        query = combine(base, after_condition(column, ascending, decode_cursor(req.cursor, qhash)))
    rows = await partner_transactions.find_page(ctx.db, query, sort_spec(column, ascending), req.size + 1)
    more = len(rows) > req.size
    rows = rows[: req.size]
    edges = [TransactionEdge(node=to_transaction(r), cursor=encode_cursor(r.get(column), r["_id"], qhash))
             for r in rows]
    total = await partner_transactions.count_matching(ctx.db, base)
    return TransactionConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=more, has_previous_page=req.cursor is not None,
                           start_cursor=edges[0].cursor if edges else None,
                           end_cursor=edges[-1].cursor if edges else None),
        total_count=total,
    )
