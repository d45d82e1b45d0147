"""`python -m crm_devstack run`: the whole product locally, Ctrl-C stops it."""

from __future__ import annotations

import argparse
import signal
import time

from crm_devstack.stack import StackConfig, start_stack


def main() -> None:
    parser = argparse.ArgumentParser(prog="crm_devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every service with demo (or PARTNER_SIM_SCENARIO) data")
    parser.parse_args()

    config = StackConfig.from_env()
    started = time.monotonic()
    print("starting the CRM stack (first start generates demo data and may take a minute)...", flush=True)
    stack = start_stack(config)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(
        f"\nCRM is up in {time.monotonic() - started:.1f}s\n"
        f"  Console:      {stack.graphql_url.removesuffix('graphql')}  (sign in with the API key)\n"
        f"  GraphiQL:     {stack.graphql_url}\n"
        f"  API key:      {stack.api_key}\n"
        f"  Organization: {stack.organization_id}\n"
        f"  Apps:         {', '.join(stack.app_ids)}\n"
        f"  MongoDB:      {stack.env['MONGODB_URI']} (database {stack.env['MONGODB_DB']})\n"
        f"  Redis:        {stack.env['REDIS_URL']}\n"
        f"  Partner API:  {stack.env['PARTNER_API_URL']}\n"
        f"  Logs:         {config.data_dir.resolve() / 'logs'}\n"
        "In GraphiQL, add the header {\"Authorization\": \"Bearer <API key>\"}. The first sync runs now.\n"
        "Press Ctrl-C to stop everything.",
        flush=True,
    )
    try:
        while not stopping:
            for name, proc in stack.group.procs:
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; see its log. Stopping.", flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("stopping...", flush=True)
        stack.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    main()
