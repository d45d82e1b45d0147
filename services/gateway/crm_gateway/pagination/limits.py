"""Page-size rules shared by every connection."""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.errors import UserInputError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 250


@dataclass(frozen=True)
class PageRequest:
    """A validated Relay page request: `size` rows after or before a cursor."""

    size: int
    backward: bool
    cursor: str | None


def page_request(
    first: int | None, after: str | None, last: int | None = None, before: str | None = None,
    default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE,
) -> PageRequest:
    """Validate Relay arguments: forward (`first`/`after`) or backward (`last`/`before`)."""
    if first is not None and last is not None:
        raise UserInputError("pass either first or last, not both")
    if after is not None and before is not None:
        raise UserInputError("pass either after or before, not both")
    backward = last is not None or before is not None
    if backward and (first is not None or after is not None):
        raise UserInputError("last/before page backward and cannot be combined with first/after")
    size = last if backward else first
    name = "last" if backward else "first"
    if size is None:
        size = default
    if size < 0:
        raise UserInputError(f"{name} must not be negative")
    if size > maximum:
        raise UserInputError(f"{name} must be at most {maximum}")
    return PageRequest(size=size, backward=backward, cursor=before if backward else after)
