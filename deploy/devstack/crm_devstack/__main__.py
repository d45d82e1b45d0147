"""`python -m crm_devstack run`: the whole product locally; Ctrl-C (or SIGTERM) stops every process it started."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from crm_devstack.data_dir import DataDirInUseError
from crm_devstack.stack import PortInUseError, RunningStack, StackConfig, start_stack
from crm_shared.settings import get_settings


def banner(stack: RunningStack, config: StackConfig, seconds: float) -> str:
    """What `make run` prints once everything is up."""
    common = (
        f"  MongoDB:      {stack.env['MONGODB_URI']} (database {stack.env['MONGODB_DB']})\n"
        f"  Redis:        {stack.env['REDIS_URL']}\n"
        f"  Partner API:  {stack.env['PARTNER_API_URL']}\n"
        f"  Data:         {stack.data_dir} (logs in {stack.data_dir / 'logs'})\n"
    )
    if stack.api_key is None:
        env_file = stack.env_file or stack.data_dir / "crm.env"
        return (
            f"\nCRM is up in {seconds:.1f}s, with no demo data (PARTNER_API_URL is set)\n"
            f"  Console:      {stack.graphql_url.removesuffix('graphql')}\n"
            f"  GraphiQL:     {stack.graphql_url}\n{common}"
            "No organization is connected yet. In another terminal, connect yours (the token is asked for, or\n"
            "read from PARTNER_API_TOKEN; see the README, \"Connect your Partner organization\"):\n"
            f"  . {env_file}\n"
            "  .venv/bin/crm org connect --org <ORGANIZATION_ID> --app gid://partners/App/<APP_NUMBER>\n"
            "  .venv/bin/crm keys create --org <ORGANIZATION_ID>\n"
            "The first sync (an import of each app's history) starts as soon as it is connected; follow it with\n"
            "  .venv/bin/crm status\n"
            "Press Ctrl-C to stop everything."
        )
    return (
        f"\nCRM is up in {seconds:.1f}s\n"
        f"  Console:      {stack.graphql_url.removesuffix('graphql')}  (sign in with the API key)\n"
        f"  GraphiQL:     {stack.graphql_url}\n"
        f"  API key:      {stack.api_key}\n"
        f"  Organization: {stack.organization_id}\n"
        f"  Apps:         {', '.join(stack.app_ids)}\n{common}"
        "In GraphiQL, add the header {\"Authorization\": \"Bearer <API key>\"}. The first sync runs now.\n"
        "Press Ctrl-C to stop everything."
    )


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(prog="crm_devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every service with demo (or PARTNER_SIM_SCENARIO) data")
    parser.parse_args()

    signal.signal(signal.SIGTERM, _interrupt)  # while starting, SIGTERM unwinds like Ctrl-C: start_stack cleans up
    config = StackConfig.from_settings(get_settings())
    started = time.monotonic()
    print("starting the CRM stack" + ("..." if config.real_organization else
                                       " (first start generates demo data and may take a minute)..."), flush=True)
    try:
        stack = start_stack(config)
    except (DataDirInUseError, PortInUseError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("interrupted while starting; everything started was stopped.", flush=True)
        return 130
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(banner(stack, config, time.monotonic() - started), flush=True)
    try:
        while not stop.wait(0.5):
            for name, proc in stack.group.procs:
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; see its log. Stopping.", flush=True)
                    stop.set()
    finally:
        print("stopping...", flush=True)
        survivors = stack.stop()
        print(f"stopped; still alive: {survivors}" if survivors else "stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
