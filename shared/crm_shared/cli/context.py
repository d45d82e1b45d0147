"""What the `crm` commands share: the database, the broker, the connector, reading a token safely."""

from __future__ import annotations

import getpass
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import dramatiq
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.broker import make_broker
from crm_shared.connections import Connector
from crm_shared.errors import UserInputError
from crm_shared.settings import get_settings
from crm_shared.store.indexes import ensure_base_indexes

TOKEN_ENV = "PARTNER_API_TOKEN"


def read_token(from_stdin: bool, prompt: str = "Partner API access token: ") -> str:
    """The Partner API token: standard input (--token-stdin), else PARTNER_API_TOKEN, else a hidden prompt."""
    if from_stdin:
        token = sys.stdin.readline().strip()
    elif (configured := get_settings().partner_api_token) is not None:
        token = configured.get_secret_value().strip()
    elif sys.stdin.isatty():
        token = getpass.getpass(prompt).strip()
    else:
        raise UserInputError(f"no Partner API token: set {TOKEN_ENV}, pipe it with --token-stdin, or run in a "
                             "terminal to be prompted")
    if not token:
        raise UserInputError("the Partner API access token is empty")
    return token


@asynccontextmanager
async def database() -> AsyncIterator[AsyncDatabase[Any]]:
    """The CRM database (MONGODB_URI, MONGODB_DB) on a client closed afterwards."""
    settings = get_settings()
    client: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True,
                                                     serverSelectionTimeoutMS=10000)
    try:
        db = client[settings.mongodb_db]
        await ensure_base_indexes(db)
        yield db
    finally:
        await client.close()


def broker() -> dramatiq.Broker:
    """The Redis broker (REDIS_URL) the workers consume."""
    return make_broker(get_settings().redis_url)


def connector(db: AsyncDatabase[Any], with_broker: bool = True) -> Connector:
    """The connection operations configured from the environment."""
    return Connector.from_settings(db, broker() if with_broker else None)
