"""Partner API access tokens at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under `CRM_SECRET_KEY`.

A token is stored only as ``access_token_encrypted`` (a Fernet token) in its `organizations` document; it
is decrypted in memory by the process that calls the Partner API and never logged or returned by the API.

`CRM_SECRET_KEY` holds one key, or several separated by commas while rotating: the first encrypts, every
one of them decrypts. Rotation (also in the README):

1. make a new key (`new_secret_key`, or the one-liner in `HOW_TO_MAKE_A_KEY`);
2. set ``CRM_SECRET_KEY=<new>,<old>`` on every service and restart them;
3. run ``crm secrets rotate`` (re-encrypts every stored token with the new key);
4. set ``CRM_SECRET_KEY=<new>`` and restart.

Without a key no token can be stored or read (`ConfigurationError`, saying how to make one); services that
handle tokens refuse to start in production without one (`require_secret_key`).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from crm_shared.errors import ConfigurationError
from crm_shared.settings import Settings, get_settings

__all__ = ["HOW_TO_MAKE_A_KEY", "TokenCipher", "cipher_from_settings", "new_secret_key", "require_secret_key"]

HOW_TO_MAKE_A_KEY = (
    "make one with `crm secrets new-key` (or: python -c \"from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())\"), set it as CRM_SECRET_KEY for every CRM service, and keep it "
    "outside the database (without it the stored Partner API tokens cannot be read)"
)


def new_secret_key() -> str:
    """A fresh Fernet key (url-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode()


class TokenCipher:
    """Encrypts and decrypts Partner API tokens with the keys of `CRM_SECRET_KEY` (first one encrypts)."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ConfigurationError(f"CRM_SECRET_KEY is empty: {HOW_TO_MAKE_A_KEY}")
        try:
            self._fernets = [Fernet(k.encode()) for k in parts]
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                "CRM_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes; several keys are "
                f"separated by commas): {HOW_TO_MAKE_A_KEY}") from exc
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, token: str) -> str:
        """The Fernet token (ASCII) of `token`, under the first key."""
        return self._multi.encrypt(token.encode()).decode()

    def decrypt(self, encrypted: str) -> str:
        """The token in clear; `ConfigurationError` when no configured key opens it."""
        try:
            return self._multi.decrypt(encrypted.encode()).decode()
        except (InvalidToken, ValueError) as exc:
            raise ConfigurationError(
                "a stored Partner API token cannot be decrypted with CRM_SECRET_KEY (was the key changed "
                "without keeping the old one during rotation?)") from exc

    def rotate(self, encrypted: str) -> str:
        """`encrypted` re-encrypted under the first key (for `crm secrets rotate`)."""
        try:
            return self._multi.rotate(encrypted.encode()).decode()
        except (InvalidToken, ValueError) as exc:
            raise ConfigurationError("a stored Partner API token cannot be decrypted with CRM_SECRET_KEY") from exc

    def primary_encrypted(self, encrypted: str) -> bool:
        """Whether `encrypted` opens with the first (current) key."""
        try:
            self._fernets[0].decrypt(encrypted.encode())
        except (InvalidToken, ValueError):
            return False
        return True


def cipher_from_settings(settings: Settings | None = None) -> TokenCipher:
    """The cipher of `CRM_SECRET_KEY`; `ConfigurationError` (saying how to make a key) when it is unset."""
    settings = settings or get_settings()
    if settings.secret_key is None or not settings.secret_key.get_secret_value().strip():
        raise ConfigurationError(f"CRM_SECRET_KEY is not set: {HOW_TO_MAKE_A_KEY}")
    return TokenCipher(settings.secret_key.get_secret_value())


def require_secret_key(service: str, settings: Settings | None = None) -> None:
    """Refuse to start `service` in production without a usable `CRM_SECRET_KEY` (`SystemExit` with how-to)."""
    settings = settings or get_settings()
    if settings.environment != "production":
        return
    try:
        cipher_from_settings(settings)
    except ConfigurationError as exc:
        raise SystemExit(f"{service} refuses to start in production: {exc}") from None
