"""Partner API tokens at rest: Fernet under CRM_SECRET_KEY, rotation, and no start in production without a key."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from crm_shared.errors import ConfigurationError
from crm_shared.settings import Settings
from crm_shared.token_cipher import TokenCipher, cipher_from_settings, new_secret_key, require_secret_key

TOKEN = "prtapi_0123456789abcdef0123456789abcdef"


def test_encrypted_token_does_not_contain_the_token_and_decrypts_back() -> None:
    cipher = TokenCipher(new_secret_key())
    encrypted = cipher.encrypt(TOKEN)
    assert TOKEN not in encrypted and "0123456789abcdef" not in encrypted
    assert encrypted != cipher.encrypt(TOKEN)  # random IV: equal tokens do not look equal
    assert cipher.decrypt(encrypted) == TOKEN


def test_another_key_cannot_decrypt() -> None:
    encrypted = TokenCipher(new_secret_key()).encrypt(TOKEN)
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        TokenCipher(new_secret_key()).decrypt(encrypted)


def test_rotation_new_key_first_reads_old_tokens_and_rotate_moves_them_to_the_new_key() -> None:
    old, new = new_secret_key(), new_secret_key()
    stored = TokenCipher(old).encrypt(TOKEN)
    during = TokenCipher(f"{new},{old}")
    assert during.decrypt(stored) == TOKEN and not during.primary_encrypted(stored)
    rotated = during.rotate(stored)
    assert during.primary_encrypted(rotated)
    assert TokenCipher(new).decrypt(rotated) == TOKEN  # after the old key is dropped
    with pytest.raises(ConfigurationError):
        TokenCipher(old).decrypt(rotated)


@pytest.mark.parametrize("value", ["", "not-a-key", "short,,"])
def test_a_bad_key_says_how_to_make_one(value: str) -> None:
    with pytest.raises(ConfigurationError, match="crm secrets new-key"):
        TokenCipher(value)


def test_no_key_says_how_to_make_one() -> None:
    settings = Settings(CRM_SECRET_KEY=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="CRM_SECRET_KEY is not set: make one with `crm secrets new-key`"):
        cipher_from_settings(settings)


def test_production_refuses_to_start_without_a_key_and_development_does_not() -> None:
    with pytest.raises(SystemExit, match="the gateway refuses to start in production: CRM_SECRET_KEY is not set"):
        require_secret_key("the gateway", Settings(CRM_ENV="production", CRM_SECRET_KEY=None))  # type: ignore[call-arg]
    require_secret_key("the gateway", Settings(CRM_ENV="development", CRM_SECRET_KEY=None))  # type: ignore[call-arg]
    require_secret_key("the gateway", Settings(CRM_ENV="production",  # type: ignore[call-arg]
                                               CRM_SECRET_KEY=SecretStr(new_secret_key())))


def test_the_key_is_not_shown_by_the_settings_repr() -> None:
    key = new_secret_key()
    assert key not in repr(Settings(CRM_SECRET_KEY=key))  # type: ignore[call-arg]
