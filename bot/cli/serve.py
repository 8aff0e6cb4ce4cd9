"""`loudao run` and `loudao sandbox`: the bot on Telegram, or against the local stand-in."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import DEFAULT_COMMUNITY_FILE, Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `run` and `sandbox`."""
    run_parser = add_parser(
        "run", help="run the bot (on Telegram with BOT_TOKEN, else the local sandbox)"
    )
    run_parser.set_defaults(func=run)
    sb = add_parser("sandbox", help="run the local Telegram stand-in with a demo community")
    sb.add_argument("--host", default="127.0.0.1", help="listen address (default loopback)")
    sb.add_argument("--port", type=int, default=8765, help="port of the chat page (default 8765)")
    sb.add_argument(
        "--db", type=Path, default=None, help="SQLite file (default data/sandbox.sqlite3)"
    )
    sb.add_argument("--community", type=Path, default=None, help="community YAML to load")
    sb.set_defaults(func=sandbox)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot on Telegram with BOT_TOKEN, otherwise the sandbox on its defaults."""
    if settings.bot_token:
        return asyncio.run(_run(settings))
    return asyncio.run(_sandbox(settings, "127.0.0.1", 8765, None, None))


def sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot against the local Telegram stand-in with a community, until Ctrl-C."""
    return asyncio.run(_sandbox(settings, args.host, args.port, args.db, args.community))


async def _run(settings: Settings) -> int:
    import signal
    import sys

    from bot.app import LoudaoApp, WorkerFailed
    from bot.services.loops import Fatal

    app = LoudaoApp(settings)
    loop = asyncio.get_running_loop()
    # SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C): stop taking updates, finish what is in
    # flight, give back claimed rows, exit 0 – nothing is left for a lease to run out
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, app.stop_event.set)
    try:
        await app.run_until_stopped()
    except (WorkerFailed, Fatal) as exc:
        print(f"Loudao stopped: {exc}", file=sys.stderr)
        code = 1
    else:
        code = 0
    if app.stuck:  # asyncio.run would wait for them forever: leave now, what they held is durable
        import logging
        import os

        logging.shutdown()
        os._exit(code)
    return code


async def _sandbox(
    settings: Settings, host: str, port: int, db: Path | None, community: Path | None
) -> int:
    from bot.sandbox_mode import run_sandbox

    community = community or settings.community_file or DEFAULT_COMMUNITY_FILE
    return await run_sandbox(settings, host, port, db, Path(community))
