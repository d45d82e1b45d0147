"""`GET /export/customers.csv`: the filtered customer list as CSV, streamed row by row.

Rows come from a MongoDB cursor in batches and are written out one at a time,
so memory stays flat for any number of customers.  Same authentication (or a
signed link, see `export_links`) and tenant check as GraphQL: another organization's app is a 404 like a missing one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from crm_gateway.auth import app_for_org, authenticate
from crm_gateway.customer_listing import ListQuery, index_hint, mongo_filter
from crm_gateway.error_codes import error_body, unavailable
from crm_gateway.export_links import is_signed, verify_signed
from crm_gateway.export_params import parse_export_params
from crm_gateway.graphql.types.node import customer_global_id
from crm_gateway.money import format_money
from crm_gateway.pagination.keyset import sort_spec
from crm_shared.clock import to_iso
from crm_shared.errors import CrmError
from crm_shared.ids import gid_number
from crm_shared.store import customers

COLUMNS = (
    "id", "shop_id", "name", "domain", "email", "country", "shopify_plan", "status", "plan", "mrr", "currency",
    "billing_interval", "installed_at", "uninstalled_at", "trial_ends_at", "customer_since", "days_as_customer",
    "last_active_at", "lifetime_value", "lifetime_net", "health_score", "health_grade", "is_test", "segments",
)
TEXT_COLUMNS = frozenset({"name", "domain", "email", "country", "shopify_plan", "plan"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATUS_OF = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "BAD_USER_INPUT": 400}
BATCH = 500


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_row(doc: dict[str, Any]) -> list[str]:
    """One customer as CSV cells, in `COLUMNS` order (money with two decimals)."""
    health = doc.get("health") or {}
    values: dict[str, Any] = {
        "id": customer_global_id(doc["_id"]),
        "mrr": format_money(doc.get("mrr")),
        "currency": doc.get("currency") or "USD",
        "lifetime_value": format_money(doc.get("lifetime_value")),
        "lifetime_net": format_money(doc.get("lifetime_net")),
        "health_score": health.get("score"),
        "health_grade": health.get("grade"),
        "is_test": bool(doc.get("is_test")),
        "segments": ";".join(doc.get("segments") or []),
    }
    return [_safe(c, _cell(values[c] if c in values else doc.get(c))) for c in COLUMNS]


def _safe(column: str, cell: str) -> str:
    """Merchant-controlled text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + cell if column in TEXT_COLUMNS and cell.startswith(FORMULA_START) else cell


def _line(cells: list[str] | tuple[str, ...]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()


async def stream_rows(db: AsyncDatabase, q: ListQuery, query: dict[str, Any]) -> AsyncIterator[str]:
    """The header, then one CSV line per customer in list order."""
    yield _line(COLUMNS)
    cursor = customers.scan(db, query, sort_spec(q.sort.field, q.sort.ascending), index_hint(q), BATCH)
    try:
        async for doc in cursor:
            yield _line(csv_row(doc))
    finally:
        await cursor.close()


def make_export_endpoint(db: Callable[[], AsyncDatabase], clock: Callable[[], datetime]) -> Callable[..., Any]:
    """The Starlette endpoint of the export route."""

    async def export_customers(request: Request) -> Response:
        database = db()
        try:
            params = request.query_params
            if is_signed(params):  # a signed link (App.customersExportLink) instead of a header
                org_id, params = await verify_signed(database, params)
            else:
                org_id = await authenticate(database, request.headers.get("authorization"))
            q, full = parse_export_params(params)
            await app_for_org(database, org_id, q.app_id)
            now = clock()
            query = await mongo_filter(database, q, now)
        except ConnectionFailure:
            return unavailable()
        except CrmError as exc:
            status = STATUS_OF.get(exc.code, 500)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(error_body(str(exc), exc.code), status_code=status, headers=headers)
        scope = "full" if full else "filtered"
        filename = f"customers-app{gid_number(q.app_id)}-{scope}-{now.strftime('%Y-%m-%d')}.csv"
        return StreamingResponse(
            stream_rows(database, q, query),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    return export_customers
