"""Command line.

    python -m partner_sim serve [--host 127.0.0.1] [--port PORT] [--scenario FILE]
                                [--seed N --apps 2 --shops N --years 2 --now ISO]
    python -m partner_sim generate --out FILE.json [--truth-out TRUTH.json]
                                   --seed N --apps A --shops S --years Y --now ISO

``serve`` takes its port from ``PARTNER_SIM_PORT`` (8090) and its scenario from
``PARTNER_SIM_SCENARIO``; with neither a scenario nor generator flags it serves
a generated demo organization (seed 1, 2 apps, 3000 shops, 2 years).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone

from crm_shared.clock import parse_iso
from crm_shared.settings import get_settings
from partner_sim.config import SimConfig
from partner_sim.generator import generate
from partner_sim.scenario import Scenario, dump_scenario, load_scenario, scenario_from_dict

DEMO = {"seed": 1, "apps": 2, "shops": 3000, "years": 2.0}


def _currencies(raw: str | None) -> dict[str, float] | None:
    """``USD=0.8,EUR=0.2`` → mapping."""
    if not raw:
        return None
    out: dict[str, float] = {}
    for part in raw.split(","):
        code, _, share = part.partition("=")
        out[code.strip().upper()] = float(share or 1)
    return out


def _generator_args(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--seed", type=int, required=required)
    p.add_argument("--apps", type=int, default=None if required else None)
    p.add_argument("--shops", type=int, default=None)
    p.add_argument("--years", type=float, default=None)
    p.add_argument("--now", type=str, default=None, help="ISO-8601 UTC (default: CRM_NOW, else today 00:00 UTC)")
    p.add_argument("--currencies", type=str, default=None, help="e.g. USD=0.8,EUR=0.1,GBP=0.1")


def _now(raw: str | None) -> datetime:
    if raw:
        return parse_iso(raw)
    frozen = get_settings().now_override
    if frozen is not None:
        return frozen
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partner_sim", description="Local Shopify Partner API simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a scenario file or generated data")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=get_settings().partner_sim_port)
    serve.add_argument("--scenario", default=get_settings().partner_sim_scenario)
    _generator_args(serve, required=False)
    gen = sub.add_parser("generate", help="write a scenario file (and its ground truth)")
    gen.add_argument("--out", required=True)
    gen.add_argument("--truth-out", default=None)
    _generator_args(gen, required=True)
    return parser


def _generate(args: argparse.Namespace) -> tuple[dict, list]:  # type: ignore[type-arg]
    org = generate(
        seed=args.seed if args.seed is not None else DEMO["seed"],
        apps=args.apps if args.apps is not None else DEMO["apps"],
        shops=args.shops if args.shops is not None else DEMO["shops"],
        years=args.years if args.years is not None else DEMO["years"],
        now=_now(args.now),
        currencies=_currencies(args.currencies),
    )
    return org.scenario, org.ground_truth


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the scenario (and truth) files."""
    started = time.monotonic()
    scenario, truth = _generate(args)
    dump_scenario(scenario, args.out)
    if args.truth_out:
        with open(args.truth_out, "w", encoding="utf-8") as fh:
            json.dump(truth, fh, ensure_ascii=False, separators=(",", ":"))
            fh.write("\n")
    print(f"wrote {args.out}: {len(scenario['events'])} events, {len(scenario['transactions'])} transactions, "
          f"{len(truth)} customers in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from partner_sim.server import serve

    scenario: Scenario
    if args.scenario and args.seed is None:
        scenario = load_scenario(args.scenario)
    else:
        scenario = scenario_from_dict(_generate(args)[0])
    config = SimConfig.from_env()
    from partner_sim.app import create_app

    app = create_app(scenario, config)
    print(f"partner-api-sim: organization {scenario.organization_id} token {scenario.access_token} "
          f"apps {[a['id'] for a in scenario.apps]} on http://{args.host}:{args.port} "
          f"(throttle {'on' if config.throttle else 'off'}, {config.rate:g} req/s)", file=sys.stderr, flush=True)
    serve(app, args.host, args.port)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m partner_sim`` and ``partner-api-sim``."""
    args = _parser().parse_args(argv)
    return cmd_generate(args) if args.command == "generate" else cmd_serve(args)
