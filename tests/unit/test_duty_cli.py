"""`loudao duty` answers from the community file: who is on duty, the chain, the deadlines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.domain.errors import ConfigFileError
from bot.registry_file import read_registry

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


def duty(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["duty", *args]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_a_night_leak_goes_to_the_night_plumber_then_up_the_chain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = duty(capsys, "--at", "2026-12-01T02:00", "--building", "3", "--category", "water_leak",
               "--level", "1")  # fmt: skip
    assert out["primary"] == {
        "key": "zhou",
        "name": "周师傅",
        "telegram_id": 9008,
        "role": "on_duty",
    }
    chain = out["chain"]
    assert isinstance(chain, list)
    assert [(s["name"], s["role"], s["after_minutes"]) for s in chain] == [
        ("张师傅", "backup", 5),  # the day plumber is on call at night
        ("李经理", "supervisor", 5),
        ("王主任", "admin", 30),
    ]
    deadlines = out["deadlines"]
    assert isinstance(deadlines, dict)
    # 02:00 Shanghai = 18:00 UTC the day before; someone responds within 30 minutes
    assert deadlines["respond_by"] == "2026-11-30T18:30:00+00:00"


def test_a_noise_complaint_goes_to_the_grid_worker(capsys: pytest.CaptureFixture[str]) -> None:
    out = duty(capsys, "--at", "2026-12-01T10:00", "--building", "6", "--category", "noise")
    primary = out["primary"]
    assert isinstance(primary, dict) and primary["name"] == "孙网格员"


def test_unknown_category_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duty", "--at", "2026-12-01T10:00", "--category", "plumbing"]) == 2
    assert "unknown category 'plumbing'" in capsys.readouterr().err


def test_a_mistake_in_the_roster_section_names_its_line(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8").replace(
        "2: {acknowledge: 2wh, resolve: 5wd}", "2: {acknowledge: 2wh, resolve: soon}"
    )
    path = tmp_path / "community.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "resolve: soon" in row)
    with pytest.raises(ConfigFileError) as err:
        read_registry(path)
    assert err.value.line == line
    assert err.value.field == "communities[0].sla.levels[2].resolve"


def test_with_db_it_answers_for_the_community_as_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOUDAO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'duty.db'}")
    assert main(["duty", "--db", "--at", "2026-12-01T02:00", "--category", "water_leak"]) == 2
    assert "loudao load" in capsys.readouterr().err  # nothing loaded yet: said, not guessed
    assert main(["load", str(DEMO)]) == 0
    capsys.readouterr()
    out = duty(capsys, "--db", "--code", "A", "--at", "2026-12-01T02:00", "--building", "3",
               "--category", "water_leak", "--level", "1")  # fmt: skip
    primary = out["primary"]
    assert isinstance(primary, dict) and primary["name"] == "周师傅"
