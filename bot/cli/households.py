"""`loudao households import FILE [--check]` and `loudao households export`: the register."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import AddParser
from bot.config import Settings


def add_commands(add_parser: AddParser) -> None:
    """Add `households import` and `households export`."""
    households = add_parser("households", help="the household register (private data)")
    what = households.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = what.add_parser("import", help="validate a register (YAML or CSV) and make it current")
    p.add_argument("file", type=Path)
    p.add_argument("--community", help="community code (needed for a CSV file)")
    p.add_argument("--check", action="store_true", help="only validate, change nothing")
    p.set_defaults(func=import_households)
    p = what.add_parser("export", help="counts per building; the register itself on request")
    p.add_argument("--community", required=True, help="community code")
    p.add_argument("-o", "--output", type=Path, help="a .yaml or .csv file (the register)")
    p.add_argument(
        "--with-personal-data",
        action="store_true",
        help="write rooms, areas, names and phones to --output (an admin's --actor; audited)",
    )
    p.add_argument("--actor", type=int, help="your Telegram id: an admin of the community")
    p.set_defaults(func=export_households)


def import_households(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the file; unless --check, make the register what it says."""
    from bot.household_files import read_households

    register = read_households(args.file, args.community)
    if args.check:
        print(f"{args.file}: OK ({register.community}: {len(register.households)} households)")
        return 0
    return asyncio.run(_import(settings, args.file, register))


async def _import(settings: Settings, file: Path, register: object) -> int:
    from bot.bootstrap import open_services
    from bot.domain.households.register import HouseholdFile

    assert isinstance(register, HouseholdFile)
    async with open_services(settings) as use_cases:
        r = await use_cases.households.import_register(
            register.community, register.households, str(file)
        )
    print(
        f"households {register.community}: {r.created} created, {r.updated} updated, "
        f"{r.removed} removed, {r.unchanged} unchanged"
    )
    return 0


def export_households(args: argparse.Namespace, settings: Settings) -> int:
    """Print counts per building; with --with-personal-data write the register to --output."""
    return asyncio.run(_export(settings, args))


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import open_services
    from bot.household_files import write_households

    async with open_services(settings) as use_cases:
        if not args.with_personal_data:
            for building, row in (await use_cases.households.summary(args.community)).items():
                print(
                    f"building {building}: {row['households']} households, {row['owners']} "
                    f"owners, {row['area']} with area, {row['linked']} with a voter"
                )
            return 0
        if args.output is None:
            raise SystemExit("--with-personal-data writes to a file: give --output")
        community, homes = await use_cases.households.export_register(args.community, args.actor)
    write_households(args.output, community.code, homes)
    print(f"{args.output}: {len(homes)} households (personal data; this export is audited)")
    return 0
