"""A household register file (YAML or CSV) is read with every problem at its line, and what is
written back reads the same."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.domain.households.records import HouseholdRecord
from bot.household_files import read_households, write_households

YAML = """\
community: A
households:
  - {building: 3, unit: 2, room: 401, area: 89.5, name: 赵先生}
  - {building: 3, unit: 2, room: 402, status: tenant}
  - {building: 5, room: 101}
"""


def test_a_yaml_register_reads_rooms_as_text_and_areas_exactly(tmp_path: Path) -> None:
    path = tmp_path / "households.yaml"
    path.write_text(YAML, encoding="utf-8")
    register = read_households(path)
    assert [h.key for h in register.households] == ["3-2-401", "3-2-402", "5-101"]
    assert register.households[0].area == Decimal("89.5")
    assert register.households[1].status == "tenant"


def test_a_yaml_problem_names_its_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "households.yaml"
    path.write_text(YAML.replace("status: tenant", "status: landlord"), encoding="utf-8")
    with pytest.raises(ConfigFileError) as wrong:
        read_households(path)
    assert wrong.value.line == 4 and wrong.value.field == "households[1].status"


def test_a_room_listed_twice_is_an_error_at_the_second(tmp_path: Path) -> None:
    path = tmp_path / "households.yaml"
    path.write_text(YAML + "  - {building: 3, unit: 2, room: 401}\n", encoding="utf-8")
    with pytest.raises(ConfigFileError) as twice:
        read_households(path)
    assert twice.value.line == 6 and "twice" in twice.value.message


def test_a_csv_register_needs_its_community_and_names_the_line_of_each_problem(
    tmp_path: Path,
) -> None:
    path = tmp_path / "households.csv"
    path.write_text(
        "\ufeffbuilding,unit,room,status,area\n3,2,401,owner,89.5\n3,2,402,landlord,\n"
        "5,,101,owner,-3\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError):
        read_households(path)  # which community?
    with pytest.raises(ConfigFileErrors) as wrong:
        read_households(path, "A")
    assert [(e.line, e.field) for e in wrong.value.errors] == [
        (3, "households[1].status"),
        (4, "households[2].area"),
    ]


@pytest.mark.parametrize("suffix", ["yaml", "csv"])
def test_what_is_written_reads_back_the_same(tmp_path: Path, suffix: str) -> None:
    homes = [
        HouseholdRecord(1, 1, "3", "2", "401", "owner", Decimal("89.5"), "赵先生", "13900001111"),
        HouseholdRecord(2, 1, "5", None, "101", "tenant", None),
    ]
    path = tmp_path / f"out.{suffix}"
    write_households(path, "A", homes)
    assert path.stat().st_mode & 0o077 == 0  # the owner's only: it holds personal data
    read = read_households(path, "A").households
    assert [(h.key, h.status, h.area, h.name, h.phone) for h in read] == [
        ("3-2-401", "owner", Decimal("89.5"), "赵先生", "13900001111"),
        ("5-101", "tenant", None, None, None),
    ]
