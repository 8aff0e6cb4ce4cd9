"""`loudao check`: the deployment doctor – what stands between an admin and a working service.

With BOT_TOKEN it asks Telegram (or LOUDAO_BOT_API_BASE_URL) and the database. Without a token
it checks the demo community in a local sandbox, which must come out all clear.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bot import i18n
from bot.cli.common import AddParser
from bot.config import DEFAULT_COMMUNITY_FILE, Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `check`."""
    parser = add_parser(
        "check",
        help="check the deployment: token, group rights, staff reachable, calendar, webhook",
    )
    parser.set_defaults(func=check)


def check(args: argparse.Namespace, settings: Settings) -> int:
    """Print the doctor's report; exit 1 when something stops service."""
    if settings.test_mode:  # never in production: the fault suite's kill points and clock
        print(i18n.t(settings.locale, "doctor.test_mode"))
    if settings.bot_token:
        return asyncio.run(_check(settings))
    file = settings.community_file or DEFAULT_COMMUNITY_FILE
    print(i18n.t(settings.locale, "doctor.sandbox_note", file=str(file)))
    return asyncio.run(_check_sandbox(settings))


async def _check(settings: Settings) -> int:
    from bot.bootstrap import load_community_file, open_services
    from bot.services.doctor import Doctor
    from handlers import build_application
    from handlers.probe import TelegramProbe

    assert settings.bot_token is not None
    async with open_services(settings) as use_cases:
        if settings.community_file is not None:  # as `loudao run` would load it
            await load_community_file(use_cases, settings.community_file)
        application = build_application(
            settings.bot_token, settings.bot_api_base_url, settings.bot_api_file_url
        )
        webhook = settings.webhook_url if settings.mode == "webhook" else None
        doctor = Doctor(use_cases.uow, use_cases.clock, webhook, settings.public_url, links=True)
        try:
            report = await doctor.examine(TelegramProbe(application.bot))
        finally:
            await application.bot.shutdown()
    print(report.render(settings.locale))
    return 1 if report.blocked else 0


async def _check_sandbox(settings: Settings) -> int:
    from bot.registry_file import read_registry
    from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, seed_from_registry
    from sandbox.server import SandboxServer

    community_file = settings.community_file or DEFAULT_COMMUNITY_FILE
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await server.start("127.0.0.1", 0)
    try:
        seed_from_registry(server, read_registry(community_file))
        with tempfile.TemporaryDirectory() as folder:
            sandboxed = settings.model_copy(
                update={
                    "bot_token": SANDBOX_TOKEN,
                    "bot_api_base_url": f"{base_url}/bot",
                    "bot_api_file_url": f"{base_url}/file/bot",
                    "database_url": f"sqlite+aiosqlite:///{Path(folder) / 'check.sqlite3'}",
                    "community_file": community_file,
                    "webhook_url": None,
                }
            )
            return await _check(sandboxed)
    finally:
        await server.stop()
