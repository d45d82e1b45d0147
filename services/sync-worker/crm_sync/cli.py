"""`python -m crm_sync sync --app ID [--full] [--since ISO]`: a foreground sync with a progress bar.

The bar reads the same `sync_state` checkpoints the gateway shows (pages,
events, transactions, the window being read, events/s).  Exit codes: 0 done,
1 permanent error (bad token, unknown app or version), 2 app busy in another
worker, 3 transient error after all retries.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from redis.asyncio import Redis
from tqdm import tqdm

from crm_shared.broker import make_broker
from crm_shared.errors import PermanentError
from crm_shared.lease import LeaseBusyError
from crm_shared.mongo import get_db
from crm_shared.settings import get_settings
from crm_shared.store import sync_state as state
from crm_sync import metrics
from crm_sync.handlers import broker_notifier
from crm_sync.sync import sync_app

EXIT_OK, EXIT_PERMANENT, EXIT_BUSY, EXIT_TRANSIENT = 0, 1, 2, 3


def _describe(doc: dict[str, Any]) -> tuple[float | None, dict[str, Any]]:
    streams = doc.get("streams", {})
    ev, tx = streams.get("events", {}), streams.get("transactions", {})
    window = "-"
    if ev.get("mode"):
        window = f"{(ev.get('window_start') or '…')[:10]}..{(ev.get('window_end') or 'now')[:10]}"
    postfix = {"pages": int(ev.get("pages") or 0) + int(tx.get("pages") or 0), "events": int(ev.get("items") or 0),
               "transactions": int(tx.get("items") or 0), "window": window}
    return doc.get("progress"), postfix


async def run_sync_command(app_id: str, full: bool, since: str | None) -> int:
    """Run one sync in the foreground; the process exit code."""
    settings = get_settings()
    metrics.serve(settings.sync_metrics_port)
    db, redis, broker = get_db(), Redis.from_url(settings.redis_url), make_broker()
    task = asyncio.create_task(sync_app(db, redis, app_id, full=full, since=since, notify=broker_notifier(broker)))
    started = time.monotonic()
    bar = tqdm(total=100, unit="%", desc=f"{'backfill' if full else 'sync'} {app_id}", file=sys.stderr,
               bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}<{remaining}{postfix}]")
    try:
        while not task.done():
            await asyncio.wait([task], timeout=0.5)
            progress, postfix = _describe(await state.load(db, app_id))
            postfix["rate"] = f"{postfix['events'] / max(time.monotonic() - started, 1e-6):.0f} ev/s"
            bar.set_postfix(postfix, refresh=False)
            if progress is not None:
                bar.n = round(progress * 100, 1)
            bar.refresh()
        outcome = task.result()
        bar.n = 100
        bar.refresh()
    except LeaseBusyError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return EXIT_BUSY
    except PermanentError as exc:
        print(f"\npermanent error: {exc}", file=sys.stderr)
        return EXIT_PERMANENT
    except Exception as exc:
        print(f"\nsync failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_TRANSIENT
    finally:
        bar.close()
        await redis.aclose()
    totals = {name: (r.pages, r.items, r.inserted, r.malformed) for name, r in outcome.reports.items()}
    print(f"done: {totals} (pages, items, new, malformed) in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return EXIT_OK
