"""The fault suite's test-only settings cannot be switched on by accident, and the clock file
moves the clock as documented."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import clock_for
from bot.cli import main
from bot.config import SettingsError, load_settings
from bot.domain.clock import SystemClock
from bot.fault_hooks import FileClock, parse_offset


@pytest.mark.parametrize(
    "setting", [{"test_crash_at": "before_commit"}, {"test_clock_file": Path("clock")}]
)
def test_a_test_only_setting_is_refused_without_test_mode(setting: dict[str, object]) -> None:
    with pytest.raises(SettingsError, match="LOUDAO_TEST_MODE=1"):
        load_settings(**setting)


def test_an_unknown_kill_point_is_refused() -> None:
    with pytest.raises(SettingsError, match="LOUDAO_TEST_CRASH_AT"):
        load_settings(test_mode=True, test_crash_at="somewhere")


def test_without_test_mode_the_clock_is_the_real_one(tmp_path: Path) -> None:
    assert isinstance(clock_for(load_settings()), SystemClock)
    clock = clock_for(load_settings(test_mode=True, test_clock_file=tmp_path / "clock"))
    assert isinstance(clock, FileClock)


def test_the_clock_file_moves_the_clock_by_seconds_and_again_when_rewritten(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock"
    clock = FileClock(path)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)  # no file: no offset
    path.write_text("3600\n")
    assert timedelta(minutes=59) < clock.now() - datetime.now(UTC) < timedelta(minutes=61)
    path.write_text("-90.5")
    os.utime(path, ns=(path.stat().st_mtime_ns + 1, path.stat().st_mtime_ns + 1))
    assert timedelta(seconds=-92) < clock.now() - datetime.now(UTC) < timedelta(seconds=-89)


def test_an_iso_time_is_what_the_clock_read_when_the_file_was_written() -> None:
    written = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert parse_offset("2026-12-07T09:00:00+08:00", written) == timedelta(days=5, hours=17)
    assert parse_offset("", written) == timedelta(0)
    with pytest.raises(ValueError, match="timezone"):
        parse_offset("2026-12-07T09:00:00", written)


def test_loudao_check_warns_while_test_mode_is_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOUDAO_TEST_MODE", "1")
    main(["check"])
    assert "LOUDAO_TEST_MODE=1" in capsys.readouterr().out
