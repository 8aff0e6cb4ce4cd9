"""The PostgreSQL commands `loudao db backup` runs (or prints where pg_dump is missing): what an
admin would type, with the password kept out of the command line and the output."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from storage.backup import pg_dump, pg_restore

URL = "postgresql+asyncpg://loudao:s3cret@db:5432/loudao"


def test_pg_dump_writes_one_custom_format_file_and_keeps_the_password_apart() -> None:
    command = pg_dump(URL, Path("/backups/loudao.dump"))
    assert command.argv == [
        "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
        "--file=/backups/loudao.dump", "--dbname=postgresql://loudao@db:5432/loudao",
    ]  # fmt: skip
    assert command.password == "s3cret"
    assert "s3cret" not in command.shown() and command.shown().startswith("PGPASSWORD=... ")


def test_pg_restore_is_all_or_nothing_into_the_named_database() -> None:
    command = pg_restore(URL, Path("loudao.dump"))
    assert "--single-transaction" in command.argv and "--exit-on-error" in command.argv
    assert command.argv[-2:] == ["--dbname=postgresql://loudao@db:5432/loudao", "loudao.dump"]


def test_without_pg_dump_the_backup_says_what_to_run_where_it_is_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("LOUDAO_DATABASE_URL", URL)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    assert main(["db", "backup", str(tmp_path / "loudao.dump")]) == 1
    out, err = capsys.readouterr()
    assert "pg_dump is not installed here" in err and "pg_dump --format=custom" in err
    assert "s3cret" not in out + err


@pytest.mark.parametrize("folder", ["backups/", "backups", "nightly/db/"])
def test_a_folder_that_does_not_exist_yet_gets_one_dated_file_per_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from storage.backup import backup_target

    monkeypatch.chdir(tmp_path)
    night = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    first = backup_target(folder, night, ".sqlite3")
    second = backup_target(folder, night + timedelta(days=1), ".sqlite3")
    assert first.parent.is_dir() and first != second
    assert first.name == "loudao-20261201-190000.sqlite3"
    assert backup_target("one.sqlite3", night, ".sqlite3") == Path("one.sqlite3")
