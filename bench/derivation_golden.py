"""Golden outputs of `derive_customer`, to prove an optimization changes nothing.

    .venv/bin/python bench/derivation_golden.py record /tmp/derive-golden.json
    .venv/bin/python bench/derivation_golden.py check /tmp/derive-golden.json

Derives a fixed corpus — the synthetic shops of `bench_derivation.py`, the shops
of generated organizations (several seeds and currencies), each at several
clocks (so histories are cut mid-trial, mid-freeze, before installs), plus
variants whose times are written with ``+00:00``, other offsets, fractions or no
zone — and stores, per case, a digest of the output document's ``repr`` and of
its BSON encoding (through `codec.to_mongo`), or of the exception raised.
``check`` re-derives the corpus and lists every case whose digest differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_derivation import APP, NOW, generated_shops, shop_history  # noqa: E402

from crm_shared.customer import derive_customer, to_mongo  # noqa: E402

Shop = tuple[list[dict[str, Any]], list[dict[str, Any]]]
CLOCKS = (NOW, NOW - timedelta(days=45, seconds=7), NOW - timedelta(days=400, hours=5),
          datetime(2023, 1, 1, tzinfo=UTC))
PROFILES = (
    None,
    {"email": "a@b.example", "country": "US", "shopify_plan": "basic", "last_active_at": None},
    {"email": "Ops@Shop.Example", "country": "DE", "shopify_plan": "plus",
     "last_active_at": datetime(2026, 5, 20, 8, 30, tzinfo=UTC)},
)


def _rewrite_times(value: Any, style: int) -> Any:
    """A deep copy of a node with every ``...Z`` time rewritten in another ISO form."""
    if isinstance(value, dict):
        return {k: _rewrite_times(v, style) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_times(v, style) for v in value]
    if isinstance(value, str) and len(value) == 20 and value[-1] == "Z" and value[10] == "T":
        if style == 0:
            return value[:-1] + "+00:00"
        if style == 1:  # the same instant at +02:00
            at = datetime.fromisoformat(value).astimezone(UTC) + timedelta(hours=2)
            return at.replace(tzinfo=None).isoformat() + "+02:00"
        if style == 2:
            return value[:-1] + ".250000Z"
        return value[:-1]  # naive (read as UTC)
    return value


def corpus() -> Iterator[tuple[str, datetime, Shop, dict[str, Any] | None]]:
    """(case name, now, shop, profile) for every case."""
    rnd = random.Random(7)
    synthetic = [shop_history(n, 20, rnd) for n in range(3000)]
    rnd = random.Random(11)
    long_ = [shop_history(n, 60, rnd) for n in range(300)]
    generated = generated_shops(2000)
    from partner_sim.generator import generate

    org = generate(seed=23, apps=2, shops=1500, years=3, now=NOW,
                   currencies={"USD": 0.6, "EUR": 0.2, "GBP": 0.1, "JPY": 0.1})
    by_key: dict[tuple[str, str], Shop] = {}
    for node in org.scenario["events"]:
        by_key.setdefault((node["app"]["id"], node["shop"]["id"]), ([], []))[0].append({"node": node})
    for node in org.scenario["transactions"]:
        if node.get("shop"):
            by_key.setdefault((node["app"]["id"], node["shop"]["id"]), ([], []))[1].append({"node": node})
    multi = list(by_key.values())
    sets = (("synthetic", synthetic), ("long", long_), ("generated", generated), ("multi", multi))
    for label, shops in sets:
        for i, shop in enumerate(shops):
            for c, now in enumerate(CLOCKS):
                yield f"{label}/{i}/clock{c}", now, shop, PROFILES[(i + c) % len(PROFILES)]
    for label, shops in sets:
        for i, (events, sales) in enumerate(shops[:300]):
            style = i % 4
            shop = (_rewrite_times(events, style), _rewrite_times(sales, style))
            for c, now in enumerate(CLOCKS[:2]):
                yield f"{label}/{i}/style{style}/clock{c}", now, shop, PROFILES[i % len(PROFILES)]


def digest(now: datetime, shop: Shop, profile: dict[str, Any] | None, shop_id: str) -> str:
    """Digest of the derived document (repr and BSON bytes), or of the exception."""
    try:
        doc = derive_customer(APP, shop_id, shop[0], shop[1], profile, now)
    except Exception as exc:  # noqa: BLE001 - the exception is part of the output
        return "error:" + hashlib.sha256(f"{type(exc).__name__}:{exc}".encode()).hexdigest()
    text = repr(doc).encode() + b"\0" + bson.encode(to_mongo(doc))
    return hashlib.sha256(text).hexdigest()


def main() -> None:
    """Record or check the golden digests."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("record", "check"))
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    got = {name: digest(now, shop, profile, f"gid://partners/Shop/{name}")
           for name, now, shop, profile in corpus()}
    if args.mode == "record":
        args.path.write_text(json.dumps(got))
        errors = sum(1 for d in got.values() if d.startswith("error:"))
        print(f"recorded {len(got)} cases ({errors} raised) to {args.path}")
        return
    want = json.loads(args.path.read_text())
    diff = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    print(f"checked {len(got)} cases: {len(diff)} differ")
    for name in diff[:20]:
        print("  ", name)
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
