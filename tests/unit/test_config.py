"""Settings: sensible defaults, and bad values stop start-up with one clear line."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "LOUDAO_DATABASE_URL", "LOUDAO_TIMEZONE", "LOUDAO_LOCALE",
                 "LOUDAO_WEBHOOK_URL", "LOUDAO_WEBHOOK_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_configuration() -> None:
    s = load_settings()
    assert s.bot_token is None
    assert s.database_url.startswith("sqlite+aiosqlite:///data/")
    assert s.timezone == "Asia/Shanghai"
    assert s.locale == "zh_CN"
    assert s.mode == "polling"


def test_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-def")
    monkeypatch.setenv("LOUDAO_DATABASE_URL", "postgresql://loudao@db/loudao")
    monkeypatch.setenv("LOUDAO_LOCALE", "en")
    s = load_settings()
    assert s.bot_token == "123456:ABC-def"
    assert s.database_url == "postgresql+asyncpg://loudao@db/loudao"
    assert s.locale == "en"


def test_webhook_mode_when_url_and_secret_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOUDAO_WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("LOUDAO_WEBHOOK_SECRET", "s3cret")
    assert load_settings().mode == "webhook"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LOUDAO_TIMEZONE", "Mars/Base", "Invalid setting LOUDAO_TIMEZONE: unknown timezone"),
        ("LOUDAO_LOCALE", "fr", "Invalid setting LOUDAO_LOCALE"),
        ("LOUDAO_DATABASE_URL", "mysql://x", "Invalid setting LOUDAO_DATABASE_URL"),
        ("BOT_TOKEN", "not-a-token", "Invalid setting BOT_TOKEN: BOT_TOKEN looks wrong"),
        ("LOUDAO_WEBHOOK_URL", "https://x.org/hook", "needs LOUDAO_WEBHOOK_SECRET"),
        ("LOUDAO_POLL_TIMEOUT", "-1", "Invalid setting LOUDAO_POLL_TIMEOUT"),
        ("LOUDAO_WEBHOOK_SECRET", "my secret!", "may only use A-Z, a-z, 0-9, _ and -"),
        (
            "LOUDAO_LOG_FORMAT",
            "xml",
            "Invalid setting LOUDAO_LOG_FORMAT: Input should be 'text' or",
        ),
    ],
)
def test_bad_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_cli_prints_the_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    monkeypatch.setenv("LOUDAO_TIMEZONE", "Nowhere/City")
    assert main(["db", "current"]) == 2
    assert "LOUDAO_TIMEZONE" in capsys.readouterr().err


def test_the_verdict_and_me_too_windows_reach_the_ticket_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import timedelta

    from bot.bootstrap import ticket_policy

    monkeypatch.setenv("LOUDAO_VERDICT_HOURS", "24")
    monkeypatch.setenv("LOUDAO_DUPLICATE_HOURS", "12")
    policy = ticket_policy(load_settings())
    assert policy.verdict_window == timedelta(hours=24)
    assert policy.duplicates.window == timedelta(hours=12)
    monkeypatch.setenv("LOUDAO_VERDICT_HOURS", "0")
    with pytest.raises(SettingsError, match="LOUDAO_VERDICT_HOURS"):
        load_settings()
