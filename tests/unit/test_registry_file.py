"""The community registry file: a good file loads; each kind of mistake names file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.registry_file import read_registry

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"

GOOD = """\
communities:
  - code: T
    name: 测试小区
    grids:
      - {code: G1, name: 一网格}
    buildings:
      - {number: 3, grid: G1, units: [1, 2]}
      - {number: "171"}
    chats:
      - {chat_id: -100, title: 3号楼群, covers: {building: 3}}
    staff:
      - {key: boss, name: 王主任, telegram_id: 1, roles: [admin]}
      - {key: pipe, name: 张师傅, join_code: ABC-123, roles: [staff], skills: [water_leak]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "community.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> ConfigFileError:
    with pytest.raises((ConfigFileError, ConfigFileErrors)) as err:
        read_registry(path)
    e = err.value
    return e.errors[0] if isinstance(e, ConfigFileErrors) else e


def test_demo_community_meets_the_brief() -> None:
    c = read_registry(DEMO).communities[0]
    assert len(c.grids) == 2
    assert len(c.buildings) >= 6
    covered = {ch.covers.building for ch in c.chats}
    assert {b.number for b in c.buildings} <= covered
    roles = [r for s in c.staff for r in s.roles]
    assert roles.count("admin") >= 1 and roles.count("supervisor") >= 1
    assert len({frozenset(s.skills) for s in c.staff if s.skills}) >= 4


def test_numbers_may_be_written_without_quotes(tmp_path: Path) -> None:
    c = read_registry(write(tmp_path, GOOD)).communities[0]
    assert [b.number for b in c.buildings] == ["3", "171"]
    assert c.buildings[0].units == ("1", "2")
    assert c.chats[0].covers.kind == "building"


def test_numbers_with_leading_zeros_stay_as_written(tmp_path: Path) -> None:
    # YAML 1.1 would read 010 as 8 (octal) and 01 as 1, so three units became ('1', '8', '08')
    text = GOOD.replace("units: [1, 2]", "units: [01, 010, 08]")
    c = read_registry(write(tmp_path, text)).communities[0]
    assert c.buildings[0].units == ("01", "010", "08")


@pytest.mark.parametrize(
    ("broken", "line", "field", "message"),
    [
        # YAML syntax error
        (GOOD.replace("name: 测试小区", "name: [测试小区"), 4, "(syntax)", ""),
        # unknown field (a typo an admin makes)
        (GOOD.replace("units: [1, 2]", "unit: [1, 2]"), 7, "communities[0].buildings[0].unit", "Extra"),
        # missing required field
        (GOOD.replace("    name: 测试小区\n", ""), 2, "communities[0].name", "required"),
        # unknown skill
        (GOOD.replace("skills: [water_leak]", "skills: [plumbing]"), 13,
         "communities[0].staff[1].skills", "unknown category 'plumbing'"),
        # a chat for a building that does not exist
        (GOOD.replace("covers: {building: 3}", "covers: {building: 99}"), 10,
         "communities[0].chats[0].covers.building", "unknown building '99'"),
        # a chat for a unit the building does not have
        (GOOD.replace("covers: {building: 3}", "covers: {building: 3, unit: 9}"), 10,
         "communities[0].chats[0].covers.unit", "building 3 has no unit '9' (1, 2)"),
        # a name longer than the database keeps
        (GOOD.replace("name: 测试小区", "name: " + "长" * 129), 3, "communities[0].name", "at most 128"),
        # a timezone that does not exist
        (GOOD.replace("name: 测试小区", "name: 测试小区\n    timezone: Asia/Beijing"), 4,
         "communities[0].timezone", "unknown timezone 'Asia/Beijing'"),
        # a positive chat id (a user, not a group)
        (GOOD.replace("chat_id: -100", "chat_id: 100"), 10, "communities[0].chats[0].chat_id", "negative"),
        # staff with neither telegram id nor join code
        (GOOD.replace("join_code: ABC-123, ", ""), 13, "communities[0].staff[1]", "join_code"),
        # duplicate building
        (GOOD.replace('{number: "171"}', "{number: 3}"), 8,
         "communities[0].buildings[1].number", "duplicate building number '3'"),
        # unknown role
        (GOOD.replace("roles: [staff]", "roles: [plumber]"), 13, "communities[0].staff[1].roles[0]", "Input should be"),
        # notices "to topic 1": General is where they go without a notice_topic
        (GOOD.replace("covers: {building: 3}", "covers: {building: 3}, notice_topic: 1"), 10,
         "communities[0].chats[0].notice_topic", "leave notice_topic out"),
        # a Telegram username is written without the @
        (GOOD.replace("telegram_id: 1,", "telegram_id: 1, username: '@Wang_01',"), 12,
         "communities[0].staff[0].username", "without the @: Wang_01"),
        # letters, digits and _ only, starting with a letter
        (GOOD.replace("telegram_id: 1,", "telegram_id: 1, username: 王主任,"), 12,
         "communities[0].staff[0].username", "letters a-z, digits and _"),
        # two people cannot have one username (Telegram's are case-insensitive)
        (GOOD.replace("telegram_id: 1,", "telegram_id: 1, username: Zhang_9003,")
             .replace("join_code: ABC-123,", "join_code: ABC-123, username: zhang_9003,"), 13,
         "communities[0].staff[1].username", "duplicate username 'zhang_9003'"),
    ],
)  # fmt: skip
def test_each_mistake_names_file_line_and_field(
    tmp_path: Path, broken: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path, broken)
    err = error_of(path)
    assert err.file == str(path)
    assert err.line == line
    assert err.field == field
    assert message in err.message
    assert str(err).startswith(f"{path}:{line}: {field}: ")


def test_a_forum_group_may_name_its_topic_for_notices(tmp_path: Path) -> None:
    text = GOOD.replace("covers: {building: 3}", "covers: {building: 3}, notice_topic: 42")
    [chat] = read_registry(write(tmp_path, text)).communities[0].chats
    assert chat.notice_topic == 42
    [plain] = read_registry(write(tmp_path, GOOD)).communities[0].chats
    assert plain.notice_topic is None  # General


def test_a_staff_username_is_kept_in_lower_case_without_the_at(tmp_path: Path) -> None:
    text = GOOD.replace("join_code: ABC-123,", "join_code: ABC-123, username: Zhang_9003,")
    boss, pipe = read_registry(write(tmp_path, text)).communities[0].staff
    assert (boss.username, pipe.username) == (None, "zhang_9003")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.yaml")
    assert err.field == "(file)"
    assert "not found" in err.message


def test_cli_check_reports_the_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    path = write(tmp_path, GOOD.replace("covers: {building: 3}", "covers: {building: 99}"))
    assert main(["load", "--check", str(path)]) == 1
    assert f"{path}:10: communities[0].chats[0].covers.building: unknown building '99'" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("written", "read"), [("", "offer"), ("off", "off"), ("offer", "offer"), ("open", "open")]
)
def test_unaddressed_reports_are_offered_unless_the_community_says_otherwise(
    tmp_path: Path, written: str, read: str
) -> None:
    line = f"    unaddressed_reports: {written}\n" if written else ""
    path = write(tmp_path, GOOD.replace("    name: 测试小区\n", f"    name: 测试小区\n{line}"))
    assert read_registry(path).communities[0].unaddressed_reports == read


def test_an_unknown_choice_for_unaddressed_reports_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    name: 测试小区\n", "    name: 测试小区\n    unaddressed_reports: ask\n"
    )
    e = error_of(write(tmp_path, text))
    assert e.line == 4 and "unaddressed_reports" in e.field


def test_a_roster_naming_staff_the_file_does_not_have_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEMO.read_text(encoding="utf-8").replace(
        "          shift: day\n          staff: zhang\n",
        "          shift: day\n          staff: nobody\n",
        1,
    )
    path = write(tmp_path, text)
    err = error_of(path)
    assert err.field == "communities[0].roster.duties[0].staff"
    assert "unknown staff 'nobody'" in err.message
    assert err.line == text.splitlines().index("          staff: nobody") + 1
    from bot.__main__ import main

    for args in (["load", "--check", str(path)], ["load", str(path)]):  # refused before storing
        assert main(args) == 1
        assert "unknown staff 'nobody'" in capsys.readouterr().err
