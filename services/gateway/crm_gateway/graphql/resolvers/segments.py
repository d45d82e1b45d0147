"""Listing, saving and deleting segments."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bson import Decimal128

from crm_gateway.graphql.types.segment import Segment
from crm_gateway.segment_catalog import built_in_segments
from crm_shared.customer_filter import BUILT_IN_SEGMENTS, SAVED_PREFIX, build_query
from crm_shared.errors import UserInputError
from crm_shared.store import saved_segments
from crm_shared.store.saved_segments import SavedSegmentDoc

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

MAX_NAME = 80
MAX_SAVED_PER_APP = 100


def slugify(name: str) -> str:
    """``"Big spenders (EU)"`` → ``"big-spenders-eu"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


_WORDS: dict[str, str] = {
    "status": "status is {}", "plan": "plan is {}", "country": "country is {}", "paid": "paying now: {}",
    "mrr_min": "MRR at least {}", "mrr_max": "MRR at most {}",
    "last_paid_mrr_min": "MRR before churn at least {}", "last_paid_mrr_max": "MRR before churn at most {}",
    "installed_from": "installed from {}", "installed_to": "installed until {}",
    "last_active_from": "last active from {}", "last_active_to": "last active until {}",
    "segment": "in segment {}", "include_test": "test shops included: {}",
}


def describe_filter(f: dict[str, Any]) -> str:
    """A saved filter in words (its definition): "Customers whose status is CANCELLED or UNINSTALLED; ..."."""
    if not f:
        return "All customers (test shops excluded)."
    parts = []
    for key in sorted(f):
        value = f[key]
        if isinstance(value, Decimal128):
            value = value.to_decimal()
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M UTC")
        shown = " or ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(_WORDS.get(key, key + " = {}").format(shown))
    return "Customers whose " + "; ".join(parts) + "."


def saved_segment(doc: SavedSegmentDoc) -> Segment:
    """The GraphQL segment of a `saved_segments` document."""
    return Segment(app_id=doc["app_id"], key=doc["key"], name=doc["name"],
                   definition=describe_filter(doc.get("filter") or {}), built_in=False,
                   created_at=doc.get("created_at"), saved_filter=doc.get("filter"))


async def list_segments(ctx: GatewayContext, app_id: str) -> list[Segment]:
    """The pre-built segments, then the saved ones (oldest first)."""
    out = [Segment(app_id=app_id, key=s.key, name=s.name, definition=s.definition, built_in=True)
           for s in built_in_segments()]
    for doc in await saved_segments.of_app(ctx.db, app_id):
        out.append(saved_segment(doc))
    return out


async def get_segment(ctx: GatewayContext, app_id: str, key: str) -> Segment | None:
    """One segment by key, or None."""
    for s in built_in_segments():
        if s.key == key:
            return Segment(app_id=app_id, key=s.key, name=s.name, definition=s.definition, built_in=True)
    if not key.startswith(SAVED_PREFIX):
        raise UserInputError(f"unknown segment key {key!r}; expected VIP, AT_RISK, GROWTH, NEW or saved:<slug>")
    doc = await saved_segments.get(ctx.db, app_id, key)
    return saved_segment(doc) if doc else None


async def save_segment(ctx: GatewayContext, app_id: str, name: str, f: dict[str, Any]) -> Segment:
    """Create or replace the saved segment named `name` (key saved:<slug of name>)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise UserInputError(f"name must be 1-{MAX_NAME} characters")
    slug = slugify(name)
    if not slug:
        raise UserInputError("name must contain a letter or digit")
    segment = f.get("segment")
    if segment is not None and segment not in BUILT_IN_SEGMENTS:
        raise UserInputError("a saved segment may narrow a built-in segment, not another saved one")
    build_query(app_id, f, ctx.now)  # validates ranges, enums, keys
    key = SAVED_PREFIX + slug
    f = {k: Decimal128(v) if isinstance(v, Decimal) else v for k, v in f.items()}  # money exact in Mongo
    if await saved_segments.get(ctx.db, app_id, key) is None and (
        await saved_segments.count(ctx.db, app_id) >= MAX_SAVED_PER_APP
    ):
        raise UserInputError(f"an app may have at most {MAX_SAVED_PER_APP} saved segments")
    return saved_segment(await saved_segments.save(ctx.db, app_id, key, name, f, ctx.now))


async def delete_segment(ctx: GatewayContext, app_id: str, key: str) -> bool:
    """Delete a saved segment; False when there was none. Pre-built ones cannot be deleted."""
    if key in BUILT_IN_SEGMENTS:
        raise UserInputError(f"{key} is a pre-built segment and cannot be deleted")
    if not key.startswith(SAVED_PREFIX):
        raise UserInputError(f"not a saved segment key: {key!r}")
    return await saved_segments.delete(ctx.db, app_id, key)
