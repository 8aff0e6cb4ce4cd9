"""Run the sandbox on its own: `python -m sandbox --port 8081` (with the demo community)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from sandbox.demo import seed_demo
from sandbox.server import SandboxServer


async def _serve(args: argparse.Namespace) -> None:
    srv = SandboxServer(
        bot_token=args.token,
        bot_username=args.username,
        rate_limits=not args.no_limits,
        privacy_mode=args.privacy,
    )
    url = await srv.start(args.host, args.port)
    if not args.empty:
        seed_demo(srv)
    print(f"sandbox page: {url}/   bot API: {url}/bot<token>/<method>", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await srv.stop()


def main() -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description="Loudao's local Telegram Bot API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="7000000001:SANDBOX-TOKEN")
    parser.add_argument("--username", default="loudao_bot")
    parser.add_argument("--privacy", action="store_true", help="bot sees only commands/replies")
    parser.add_argument("--no-limits", action="store_true", help="switch off 429 flood limits")
    parser.add_argument("--empty", action="store_true", help="start without the demo community")
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
