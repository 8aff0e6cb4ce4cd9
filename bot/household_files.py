"""Read a household register from YAML or CSV (every problem with its file, line and field),
and write one back in either form – the file round-trips."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.domain.households.records import HouseholdRecord
from bot.domain.households.register import HouseholdFile, HouseholdSpec, duplicate_problems
from bot.yamlio import raise_problems, read_yaml, validate

COLUMNS = ("building", "unit", "room", "status", "area", "name", "phone")


def read_households(path: Path, community: str | None = None) -> HouseholdFile:
    """A .yaml file names its community; a .csv file (a header row of COLUMNS) is given one."""
    if path.suffix.lower() == ".csv":
        if not community:
            raise ConfigFileError(str(path), None, "(file)", "a CSV register needs --community")
        return HouseholdFile(community=community, households=_read_csv(path))
    doc = read_yaml(str(path))
    register = validate(doc, HouseholdFile)
    if community and community != register.community:
        raise ConfigFileError(
            str(path), doc.line_of(("community",)), "community",
            f"the file is for {register.community}, not {community}",
        )  # fmt: skip
    raise_problems(doc, duplicate_problems(register.households))
    return register


def _read_csv(path: Path) -> tuple[HouseholdSpec, ...]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(str(path), None, "(file)", str(exc)) from exc
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(COLUMNS)
    if unknown or not {"building", "room"} <= set(reader.fieldnames or ()):
        raise ConfigFileError(
            str(path), 1, "(header)", f"columns are {', '.join(COLUMNS)} (building, room needed)"
        )
    households: list[HouseholdSpec] = []
    errors: list[ConfigFileError] = []
    lines: list[int] = []
    for index, row in enumerate(reader):
        values: dict[str, Any] = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
        try:
            households.append(HouseholdSpec.model_validate(values))
            lines.append(reader.line_num)
        except ValidationError as exc:
            for d in exc.errors():
                field = ".".join(str(p) for p in d["loc"])
                errors.append(
                    ConfigFileError(
                        str(path), reader.line_num, f"households[{index}].{field}",
                        d["msg"].removeprefix("Value error, "),
                    )
                )  # fmt: skip
    for loc, message in duplicate_problems(tuple(households)):
        errors.append(ConfigFileError(str(path), lines[int(loc[1])], "households", message))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigFileErrors(errors)
    return tuple(households)


def _row(h: HouseholdRecord) -> dict[str, Any]:
    row: dict[str, Any] = {"building": h.building, "unit": h.unit, "room": h.room}
    row.update(status=h.status, area=str(h.area) if h.area is not None else None)
    row.update(name=h.name, phone=h.phone)
    return {k: v for k, v in row.items() if v is not None}


def write_households(path: Path, community: str, households: Sequence[HouseholdRecord]) -> None:
    """Write the register as YAML or CSV (by the file's suffix), readable by its owner only."""
    if path.suffix.lower() == ".csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows(_row(h) for h in households)
        text = "\ufeff" + out.getvalue()
    else:
        text = yaml.safe_dump(
            {"community": community, "households": [_row(h) for h in households]},
            allow_unicode=True,
            sort_keys=False,
        )
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
