"""A signed export link."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry


@strawberry.enum(description="What an export holds.")
class ExportScope(Enum):
    FILTERED = strawberry.enum_value("FILTERED", description="The list as filtered, searched and sorted.")
    FULL = strawberry.enum_value("FULL", description="Every customer of the app, test shops included.")


@strawberry.type(description="A CSV download link that carries its own authorization: an HMAC-SHA256 signature "
                             "over the export query, your organization and the expiry.")
class ExportLink:
    url: str = strawberry.field(description="Absolute URL; a plain GET downloads the CSV until expiresAt.")
    expires_at: datetime = strawberry.field(description="When the link stops working.")
