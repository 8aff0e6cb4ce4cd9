"""Settings, read once from LOUDAO_* variables and BOT_TOKEN; nothing else reads os.environ."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.clock import TimezoneName
from bot.logs import LogFormat
from bot.resources import example_file

Locale = Literal["zh_CN", "en"]
#: moments at which a test-mode process kills itself (LOUDAO_TEST_CRASH_AT, bot/fault_hooks.py)
CrashPoint = Literal[
    "after_send_before_mark_sent", "before_commit", "after_commit", "mid_broadcast"
]
TELEGRAM_API = "https://api.telegram.org/bot"
DEFAULT_COMMUNITY_FILE = example_file("community.yaml")  # the demo community


class Settings(BaseSettings):
    """Everything Loudao can be configured with; see README 'Configuration'."""

    model_config = SettingsConfigDict(
        env_prefix="LOUDAO_", env_file=None, extra="ignore", frozen=True, populate_by_name=True
    )

    bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("BOT_TOKEN", "LOUDAO_BOT_TOKEN")
    )
    database_url: str = "sqlite+aiosqlite:///data/loudao.sqlite3"
    timezone: TimezoneName = "Asia/Shanghai"
    locale: Locale = "zh_CN"
    community_file: Path | None = None
    # files a use case writes for the outbox to send later (an export): read at send time
    files_dir: Path = Path("data/files")
    bot_api_base_url: str = TELEGRAM_API
    bot_api_file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # /healthz and /metrics for the operator (0: any free port); never the public webhook port
    http_listen: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # where people reach that HTTP server (https://loudao.example.org): the desk's sign-in links
    # and the calendar links /ical hands out start with it; unset, with
    # http://<LOUDAO_HTTP_LISTEN>:<LOUDAO_HTTP_PORT>
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    # signs the calendar links (HMAC); unset, a secret is generated once and kept in the database
    secret: str | None = Field(default=None, min_length=16)
    # Open311 (/open311/v2/...): comma-separated API keys; unset, the read-only endpoint is open
    # (it holds no personal data)
    open311_keys: str | None = None
    poll_timeout: int = Field(default=30, ge=0, le=50)
    tick_seconds: float = Field(default=5.0, gt=0, le=300)
    max_message_chars: int = Field(default=2000, ge=100, le=4096)
    # hours a resident has to confirm a fix before it closes as "handled, not confirmed"
    verdict_hours: int = Field(default=48, ge=1, le=24 * 14)
    # hours in which a report about the same thing joins an open ticket ("me too")
    duplicate_hours: int = Field(default=72, ge=0, le=24 * 30)
    # hours in which a resident is offered a ticket at most once per kind of problem, for a
    # plain group message that reads as a report (community file: unaddressed_reports)
    offer_hours: int = Field(default=2, ge=1, le=24 * 7)
    # personal data: room, phone and reporter of tickets ended this long ago are erased
    keep_private_days: int = Field(default=180, ge=1, le=3650)
    # raw Telegram updates and private messages (staff cards) are kept this long
    keep_messages_days: int = Field(default=30, ge=1, le=3650)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # text: one readable line an event; json: one JSON object a line, for a log store
    log_format: LogFormat = "text"
    # TEST-ONLY (the fault suite, tests/faults): refused unless LOUDAO_TEST_MODE=1, and
    # `loudao check` warns while test mode is on. See README "Reliability" and bot/testing.py.
    test_mode: bool = False
    test_crash_at: CrashPoint | None = None
    test_clock_file: Path | None = None
    # benchmarks/intake.py: the bot's own send limits off (the sandbox's too), to see how fast
    # the bot itself is; test-only like the two above
    test_no_send_limits: bool = False
    # a periodic job made slow, "name:seconds" (e.g. retention:30): each run of it waits that
    # long first – shows that a slow job delays no other job
    test_slow_job: str | None = Field(default=None, pattern=r"^[a-z_]+:[0-9]+(\.[0-9]+)?$")
    gas_hotline: str = "962777"
    power_hotline: str = "95598"
    water_hotline: str = "962424"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        head, _, tail = value.partition(":")
        if not head.isdigit() or not tail:
            raise ValueError("BOT_TOKEN looks wrong: expected '123456:ABC...' from @BotFather")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("LOUDAO_WEBHOOK_URL needs LOUDAO_WEBHOOK_SECRET")
        if self.webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.webhook_secret):
            raise ValueError(
                "LOUDAO_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1 to 256 of them),"
                " as Telegram requires"
            )
        test_only = (
            self.test_crash_at,
            self.test_clock_file,
            self.test_no_send_limits,
            self.test_slow_job,
        )
        if any(test_only) and not self.test_mode:
            raise ValueError(
                "LOUDAO_TEST_CRASH_AT, LOUDAO_TEST_CLOCK_FILE, LOUDAO_TEST_NO_SEND_LIMITS and"
                " LOUDAO_TEST_SLOW_JOB are"
                " test-only settings:"
                " refused unless LOUDAO_TEST_MODE=1 (never set it in production)"
            )
        loopback = ("http://127.0.0.1", "http://localhost")
        if self.webhook_url and not self.webhook_url.startswith(("https://", *loopback)):
            raise ValueError("LOUDAO_WEBHOOK_URL must start with https:// (Telegram requires it)")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def mode(self) -> Literal["webhook", "polling"]:
        return "webhook" if self.webhook_url else "polling"

    @property
    def http_base_url(self) -> str:
        """The address the HTTP server's links start with (no trailing slash)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.http_listen}:{self.http_port}"

    @property
    def open311_api_keys(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in (self.open311_keys or "").split(",") if k.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(Exception):
    """Bad settings: one clear line for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise SettingsError with one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:
            raise SettingsError(f"Invalid settings: {message}") from exc
        name = field.upper()
        if not name.startswith(("BOT_TOKEN", "LOUDAO_")):
            name = f"LOUDAO_{name}"
        raise SettingsError(f"Invalid setting {name}: {message}") from exc
