"""`python -m crm_devstack run`: the whole product locally, Ctrl-C stops it."""

from __future__ import annotations

import argparse
import signal
import time

from crm_devstack.stack import RunningStack, StackConfig, start_stack


def banner(stack: RunningStack, config: StackConfig, seconds: float) -> str:
    """What `make run` prints once everything is up."""
    common = (
        f"  MongoDB:      {stack.env['MONGODB_URI']} (database {stack.env['MONGODB_DB']})\n"
        f"  Redis:        {stack.env['REDIS_URL']}\n"
        f"  Partner API:  {stack.env['PARTNER_API_URL']}\n"
        f"  Logs:         {config.data_dir.resolve() / 'logs'}\n"
    )
    if stack.api_key is None:
        env_file = stack.env_file or config.data_dir.resolve() / "crm.env"
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="crm_devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every service with demo (or PARTNER_SIM_SCENARIO) data")
    parser.parse_args()

    config = StackConfig.from_env()
    started = time.monotonic()
    print("starting the CRM stack" + ("..." if config.real_organization else
                                       " (first start generates demo data and may take a minute)..."), flush=True)
    stack = start_stack(config)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(banner(stack, config, time.monotonic() - started), flush=True)
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
