"""One error hierarchy for every service, mapped once at each edge.

    CrmError
    ├── UserInputError          bad input from an API caller   → BAD_USER_INPUT
    ├── NotFoundError           nothing visible under that id  → NOT_FOUND
    ├── AuthenticationError     no or wrong API key            → UNAUTHENTICATED
    ├── ForbiddenError          key may not do this            → FORBIDDEN
    ├── ConfigurationError      the deployment lacks a setting (e.g. CRM_SECRET_KEY)
    └── PartnerApiError         talking to the Partner API
        ├── RetryableError      429, 5xx, timeouts, dropped connections
        └── PermanentError      401, unknown version, unknown app, invalid query
            └── MalformedDataError  a node we cannot parse (skipped, counted)
"""

from __future__ import annotations


class CrmError(Exception):
    """Root of every error the CRM raises on purpose."""

    code = "INTERNAL"


class UserInputError(CrmError):
    """The caller sent something invalid."""

    code = "BAD_USER_INPUT"


class NotFoundError(CrmError):
    """The thing does not exist, or the caller may not know it exists."""

    code = "NOT_FOUND"


class AuthenticationError(CrmError):
    """No API key, or an unknown or revoked one."""

    code = "UNAUTHENTICATED"


class ForbiddenError(CrmError):
    """The API key is valid but may not do this."""

    code = "FORBIDDEN"


class ConfigurationError(CrmError):
    """The deployment is missing a setting or has a wrong one (the message says which and how to fix it)."""


class PartnerApiError(CrmError):
    """Something went wrong talking to the Partner API."""


class RetryableError(PartnerApiError):
    """Transient: retry with backoff (honour ``retry_after`` seconds when set)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(PartnerApiError):
    """Will not get better by retrying: record it and stop."""


class MalformedDataError(PermanentError):
    """A Partner API node that cannot be parsed; it is skipped and counted."""
