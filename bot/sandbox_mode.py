"""`loudao sandbox`: run the real bot against the local Telegram stand-in with a community."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from bot.config import Settings
from bot.domain.registry import CommunitySpec, RegistryFile
from bot.registry_file import read_registry
from bot.services.chats import role_names
from sandbox.server import SandboxServer

SANDBOX_TOKEN = "7000000001:SANDBOX-TOKEN"
SANDBOX_BOT = "loudao_bot"
RESIDENT_NAMES = ["陈大爷", "李阿姨", "王奶奶", "刘先生", "赵女士", "孙大妈", "周老师", "吴叔叔"]
RESIDENTS_PER_BUILDING = 3
FIRST_RESIDENT_ID = 201


def staff_user_id(community: CommunitySpec, index: int) -> int:
    """Staff keep their Telegram id; one still to /join gets a stand-in id."""
    staff = community.staff[index]
    return staff.telegram_id if staff.telegram_id is not None else 9900 + index


def residents_of(registry: RegistryFile) -> dict[str, list[tuple[int, str]]]:
    """Invent a few residents per building: {building: [(user id, name)]} (ids from 201)."""
    out: dict[str, list[tuple[int, str]]] = {}
    next_id = FIRST_RESIDENT_ID
    for community in registry.communities:
        for b in community.buildings:
            for _ in range(RESIDENTS_PER_BUILDING):
                name = RESIDENT_NAMES[(next_id - FIRST_RESIDENT_ID) % len(RESIDENT_NAMES)]
                out.setdefault(b.number, []).append((next_id, f"{name}({b.number}号楼)"))
                next_id += 1
    return out


def seed_from_registry(srv: SandboxServer, registry: RegistryFile) -> None:
    """Create the registry's staff, some residents and every group chat in the sandbox."""
    residents = residents_of(registry)
    for community in registry.communities:
        staff_ids = []
        for index, s in enumerate(community.staff):
            user_id = staff_user_id(community, index)
            staff_ids.append(user_id)
            role = role_names("zh_CN", {str(r) for r in s.roles})
            srv.add_user(id=user_id, name=s.name, username=f"{s.key}{user_id}", role=role)
        admins = [
            staff_user_id(community, i)
            for i, s in enumerate(community.staff)
            if "admin" in s.roles or "supervisor" in s.roles
        ]
        for b in community.buildings:
            for user_id, name in residents.get(b.number, []):
                srv.add_user(
                    id=user_id, name=name, username=f"r{user_id}", role=f"{b.number}号楼住户"
                )
        building_grid = {b.number: b.grid for b in community.buildings}
        for chat in community.chats:
            cov = chat.covers
            if cov.community:
                numbers = [b.number for b in community.buildings]
            elif cov.grid is not None:
                numbers = [n for n, g in building_grid.items() if g == cov.grid]
            else:
                numbers = [cov.building] if cov.building else []
            members = [u for n in numbers for u, _ in residents.get(n, [])]
            srv.add_chat(
                id=chat.chat_id,
                title=chat.title,
                type="supergroup",
                members=[*staff_ids, *members],
                admins=admins,
                bot_admin=True,
            )


async def run_sandbox(
    settings: Settings, host: str, port: int, db: Path | None, community_file: Path
) -> int:
    """Start the sandbox server and the bot pointed at it; run until Ctrl-C."""
    from bot.app import LoudaoApp

    registry = read_registry(community_file)
    srv = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, bot_name="楼道助手")
    base_url = await srv.start(host=host, port=port)
    seed_from_registry(srv, registry)
    database_url = settings.database_url
    if db is not None:
        database_url = f"sqlite+aiosqlite:///{db}"
    elif settings.database_url == Settings.model_fields["database_url"].default:
        database_url = "sqlite+aiosqlite:///data/sandbox.sqlite3"
    app_settings = settings.model_copy(
        update={
            "bot_token": SANDBOX_TOKEN,
            "bot_api_base_url": f"{base_url}/bot",
            "bot_api_file_url": f"{base_url}/file/bot",
            "database_url": database_url,
            "community_file": community_file,
            "webhook_url": None,
            "poll_timeout": 10,
            "http_port": 0 if "http_port" not in settings.model_fields_set else settings.http_port,
        }
    )
    app = LoudaoApp(app_settings)
    await app.start()
    async with app.uow() as tx:  # a sandbox restarted on its old database goes on numbering
        last = await tx.inbox.last_update_id()
    if last is not None:
        srv.state.updates.continue_after(last)
    print(f"Sandbox ready at {base_url}", flush=True)
    print(f"Health at http://{app_settings.http_listen}:{app.http_port}/healthz", flush=True)
    print(
        f"Desk at http://{app_settings.http_listen}:{app.http_port}/desk/"
        " (send /desk in private as a supervisor or admin for the sign-in link)",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        print("Stopping…", file=sys.stderr)
        await app.stop()
        await srv.stop()
    return 0
