"""Operator commands of the kernel: `python -m kernel up | token | health`."""

from __future__ import annotations

import argparse
import logging
import sys

from kernel.envelope import Role
from kernel.settings import Settings


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from kernel.supervisor import run

    return run(settings, verbose=args.verbose)


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from kernel.tokens import issue_token

    print(
        issue_token(
            settings.token_secret.get_secret_value(),
            subject=args.subject,
            role=Role(args.role),
            school=args.school,
            branch=args.branch,
            ttl_s=args.ttl or settings.token_ttl_seconds,
        )
    )
    return 0


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when the service answers SERVING: the container images' HEALTHCHECK."""
    from kernel.services import service_named
    from kernel.supervisor import service_of_pid1, wait_until_serving

    name = args.service or service_of_pid1()
    port = args.port
    if port is None:
        registration = service_named(name)
        if registration is None:
            print(f"unknown service {name!r}: give --service or --port", file=sys.stderr)
            return 2
        port = registration.port(settings)
    address = f"{args.host or settings.bind_host}:{port}"
    serving = wait_until_serving(address, timeout_s=args.timeout)
    print(f"{address}: {'SERVING' if serving else 'not serving'}")
    return 0 if serving else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up", help="start the embedded broker and every service, and supervise them"
    )
    up.add_argument(
        "--verbose", action="store_true", help="every process's log on the terminal as well"
    )
    token = commands.add_parser("token", help="print a signed development bearer token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--school", required=True)
    token.add_argument("--subject", default="dev")
    token.add_argument("--branch", default=None)
    token.add_argument("--ttl", type=int, default=None, help="seconds (default: settings)")
    health = commands.add_parser("health", help="exit 0 when a service reports SERVING")
    health.add_argument("--service", help="a registered service's name (default: PID 1's)")
    health.add_argument("--port", type=int, default=None, help="default: the service's setting")
    health.add_argument("--host", default=None, help="default: VANGUARD_BIND_HOST")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds")
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    handlers = {"up": _up, "token": _token, "health": _health}
    return handlers[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
