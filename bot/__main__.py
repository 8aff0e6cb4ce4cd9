"""`loudao` / `python -m bot`: one CLI for running, loading data and testing rules."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.bootstrap import DatabaseNotReady, open_database, open_services
from bot.config import DEFAULT_COMMUNITY_FILE, Settings, SettingsError, load_settings
from bot.domain.errors import ConfigFileError, ConfigFileErrors, LoudaoError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="loudao",
        description="Loudao (楼道) – the service desk in your building group chats.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (on Telegram with BOT_TOKEN, else the local sandbox)")
    sb = sub.add_parser("sandbox", help="run the local Telegram stand-in with a demo community")
    sb.add_argument("--host", default="127.0.0.1", help="listen address (default loopback)")
    sb.add_argument("--port", type=int, default=8765, help="port of the chat page (default 8765)")
    sb.add_argument(
        "--db", type=Path, default=None, help="SQLite file (default data/sandbox.sqlite3)"
    )
    sb.add_argument("--community", type=Path, default=None, help="community YAML to load")
    load = sub.add_parser(
        "load", help="validate a community YAML file and load it into the database"
    )
    load.add_argument("file", type=Path)
    load.add_argument("--check", action="store_true", help="only validate, change nothing")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "current"])
    cl = sub.add_parser(
        "classify", help="show how messages are understood (intent, category, ...)"
    )
    cl.add_argument("--json", action="store_true", help="one JSON object per line")
    cl.add_argument("--rules", type=Path, default=None, help="override rules YAML")
    cl.add_argument("texts", nargs="+")
    faq = sub.add_parser("faq", help="the knowledge base")
    faq_sub = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)
    ask = faq_sub.add_parser("ask", help="show how questions are answered")
    ask.add_argument("--kb", default=None, help="a knowledge base YAML (no database needed)")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("questions", nargs="+")
    imp = faq_sub.add_parser("import", help="validate a knowledge base YAML and store it")
    imp.add_argument("file", type=Path)
    imp.add_argument("--community", default=None, help="community code (needed if several)")
    imp.add_argument("--merge", action="store_true", help="keep entries not in the file")
    imp.add_argument("--check", action="store_true", help="only validate, change nothing")
    exp = faq_sub.add_parser("export", help="print a community's knowledge base as YAML")
    exp.add_argument("--community", default=None, help="community code (needed if several)")
    exp.add_argument("-o", "--output", type=Path, default=None, help="write to a file")
    corr = sub.add_parser(
        "corrections", help="tickets staff re-classified (/level, /kind) as labelled intake YAML"
    )
    corr.add_argument("--code", default=None, help="community code (needed if several)")
    corr.add_argument("-o", "--output", type=Path, default=None, help="write to a file")
    duty = sub.add_parser("duty", help="who is on duty for a building and category, and the chain")
    duty.add_argument("--at", required=True, help="local time, e.g. 2026-12-01T02:00")
    duty.add_argument("--building", default=None)
    duty.add_argument("--category", required=True)
    duty.add_argument("--level", type=int, choices=[1, 2, 3], default=2)
    duty.add_argument(
        "--community", type=Path, default=None, help="community YAML (default: demo)"
    )
    duty.add_argument(
        "--db",
        action="store_true",
        help="answer from the database: the loaded community with the covers, leave and "
        "/workday entered in chat",
    )
    duty.add_argument("--code", default=None, help="with --db: the community code")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "apscheduler", "aiohttp.access", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # With max_retries=0 PTB's limiter logs every 429 as an error with a traceback; the outbox
    # sender waits as Telegram asks and retries, so this is routine, not an error.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    try:
        return _dispatch(args, settings)
    except DatabaseNotReady as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ConfigFileError, ConfigFileErrors) as exc:
        print(exc, file=sys.stderr)
        return 1
    except LoudaoError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "run":
        if settings.bot_token:
            return asyncio.run(_run(settings))
        return asyncio.run(
            _sandbox(
                settings, argparse.Namespace(host="127.0.0.1", port=8765, db=None, community=None)
            )
        )
    if command == "sandbox":
        return asyncio.run(_sandbox(settings, args))
    if command == "load":
        return asyncio.run(_load(settings, args.file, args.check))
    if command == "db":
        return asyncio.run(_db(settings, args.action))
    if command == "classify":
        return _classify(args.texts, args.json, args.rules)
    if command == "faq" and args.faq_command != "ask":
        return _faq_files(args, settings)
    if command == "faq":
        from datetime import datetime

        from faq.cli import ask_lines

        today = datetime.now(settings.tz).date()
        for line in ask_lines(args.questions, args.kb, args.json, today=today):
            print(line)
        return 0
    if command == "duty":
        return _duty(args, settings)
    if command == "corrections":
        return asyncio.run(_corrections(settings, args.code, args.output))
    raise AssertionError(command)


async def _corrections(settings: Settings, code: str | None, output: Path | None) -> int:
    from bot.services.tickets.training_data import corrections_yaml

    try:
        async with open_database(settings) as database:
            text = await corrections_yaml(database.uow, code)
    except LookupError as e:
        print(str(e), file=sys.stderr)
        return 2
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        print(f"{output}: written")
    return 0


def _duty(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from bot.domain.duty import duty_report
    from bot.intake_files import ticket_categories
    from bot.registry_file import read_registry

    known = ticket_categories()
    if args.category not in known:
        print(f"unknown category {args.category!r}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        print(f"--at: not a time: {args.at!r} (use 2026-12-01T02:00)", file=sys.stderr)
        return 2
    if args.db:
        try:
            report = asyncio.run(_duty_from_database(settings, args, at))
        except LookupError as e:
            print(str(e), file=sys.stderr)
            return 2
        print(json.dumps(report, ensure_ascii=False))
        return 0
    path = args.community or settings.community_file or DEFAULT_COMMUNITY_FILE
    community = read_registry(path).communities[0]
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(community.timezone))

    def warn(year: int) -> None:
        print(f"note: no official calendar for {year}; weekends only", file=sys.stderr)

    report = duty_report(community, at, args.building, args.category, args.level, warn)
    print(json.dumps(report, ensure_ascii=False))
    return 0


async def _duty_from_database(
    settings: Settings, args: argparse.Namespace, at: datetime
) -> dict[str, Any]:
    from bot.services.duty.setup import duty_report_from_database

    async with open_database(settings) as database:
        return await duty_report_from_database(
            database.uow, args.code, at, args.building, args.category, args.level
        )


def _faq_files(args: argparse.Namespace, settings: Settings) -> int:
    from faq.cli import export_text, import_file

    if args.faq_command == "import":
        print(
            asyncio.run(
                import_file(
                    settings,
                    args.file,
                    args.community,
                    replace=not args.merge,
                    check_only=args.check,
                )
            )
        )
        return 0
    text = asyncio.run(export_text(settings, args.community))
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


async def _run(settings: Settings) -> int:
    from bot.app import LoudaoApp

    await LoudaoApp(settings).run_until_stopped()
    return 0


async def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.sandbox_mode import run_sandbox

    community = args.community or settings.community_file or DEFAULT_COMMUNITY_FILE
    return await run_sandbox(settings, args.host, args.port, args.db, Path(community))


async def _load(settings: Settings, file: Path, check_only: bool) -> int:
    from bot.registry_file import read_registry
    from bot.services.registry import load_registry

    registry = read_registry(file)
    from bot.domain.notices.templates import load_templates
    from bot.services.notices.importer import import_notices, read_notice_files

    notice_files = read_notice_files(registry, file, load_templates())  # notices: validate too
    summary = ", ".join(
        f"{c.code} {c.name}: {len(c.buildings)} buildings, {len(c.chats)} chats, "
        f"{len(c.staff)} staff, {len(notice_files.get(c.code, []))} notices"
        for c in registry.communities
    )
    if check_only:
        print(f"{file}: OK ({summary})")
        return 0
    async with open_services(settings) as use_cases:
        reports = await load_registry(use_cases.uow, registry, use_cases.clock, str(file))
        notice_reports = await import_notices(use_cases.notices, notice_files, str(file))
    for code, r in reports.items():
        print(
            f"community {code}: {r.created} created, {r.updated} updated, "
            f"{r.deactivated} deactivated" + ("" if r.changed else " (no changes)")
        )
    for code, n in notice_reports.items():
        print(
            f"notices {code}: {n.created} created, {n.updated} updated, {n.cancelled} cancelled, "
            f"{n.unchanged} unchanged"
        )
    return 0


async def _db(settings: Settings, action: str) -> int:
    async with open_database(settings, policy=False) as database:  # `db` is the policy's tool
        if action == "upgrade":
            await database.upgrade()
        heads = ", ".join(sorted(await database.revisions())) or "(empty)"
    print(f"database at revision {heads}")
    return 0


def _classify(texts: Sequence[str], as_json: bool, rules_path: Path | None) -> int:
    from bot.domain.intake import BuildingRef, classify
    from bot.intake_files import load_rules
    from bot.registry_file import read_registry

    rules = load_rules(rules_path)
    community = read_registry(DEFAULT_COMMUNITY_FILE).communities[0]
    refs = [BuildingRef(b.number, b.aliases, b.units) for b in community.buildings]
    for text in texts:
        result = classify(text, rules, refs)
        data = result.as_json_dict()
        if as_json:
            print(json.dumps(data, ensure_ascii=False))
        else:
            fields = "  ".join(f"{k}={v}" for k, v in data.items())
            print(f"{text}\n  {fields}  cues={','.join(result.matched)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
