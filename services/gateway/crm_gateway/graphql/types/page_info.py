"""Relay `PageInfo`."""

from __future__ import annotations

import strawberry


@strawberry.type(description="Relay page information of a connection.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow the last edge.")
    has_previous_page: bool = strawberry.field(description="Rows precede the first edge.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge (null when empty).")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge (null when empty).")
