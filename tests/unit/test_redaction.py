"""What the log filter blanks: the token and secrets, phones, rooms beside a building or unit,
and the words people wrote as libraries print them – and what it leaves for the operator."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.logs import LogFormat, configure_logging
from bot.redaction import HIDDEN, Redactor

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
redact = Redactor((TOKEN, "hook-secret_42"))


@pytest.mark.parametrize(
    "line",
    [
        f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getUpdates 200",
        "POST http://127.0.0.1:8081/bot7000000001:SANDBOX-TOKEN/sendMessage",  # any token shape
        "GET /file/bot42:x/photos/file_1.jpg",
        f"token={TOKEN[:9]}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ],
)
def test_the_bot_token_is_blanked_alone_and_in_api_urls(line: str) -> None:
    out = redact(line)
    assert "AAHdqTcv" not in out and "SANDBOX-TOKEN" not in out and "/bot42:x" not in out
    assert HIDDEN in out


def test_the_webhook_secret_is_blanked() -> None:
    assert redact("wrong secret token: hook-secret_42 (expected)") == (
        f"wrong secret token: {HIDDEN} (expected)"
    )


@pytest.mark.parametrize(
    ("line", "private"),
    [
        ("电话13812345678", "13812345678"),
        ("电话 138-1234-5678", "5678"),
        ("+86 139 1234 5678 打我", "1234"),
        ("座机021-12345678", "12345678"),
        ("3号楼2单元401室漏水", "401"),
        ("3号楼2单元 1202", "1202"),
        ("五栋402卫生间", "402"),
        ("171号401厨房", "401"),
        ("三号楼五零二房", "五零二"),
        ("住3-2-401", "401"),
        ("in room 1202 of building 3", "1202"),
        ("我家602室", "602"),
    ],
)
def test_phones_and_rooms_are_blanked(line: str, private: str) -> None:
    assert private not in redact(line)


@pytest.mark.parametrize(
    "line",
    [
        "Message(chat=Chat(id=-100, type='group'), text='楼道灯不亮了', from_user=User(first_name='陈'))",
        """{'chat_id': -100, 'text': 'wasser läuft', 'reply_markup': None}""",
        '{"message": {"text": "water everywhere", "from": {"first_name": "Chen"}}}',
    ],
)
def test_the_words_and_names_libraries_print_are_blanked(line: str) -> None:
    out = redact(line)
    assert "楼道灯" not in out and "wasser" not in out and "water" not in out
    assert "陈" not in out and "Chen" not in out
    assert "chat_id" in out or "chat=" in out or "message" in out  # the shape stays readable


def test_what_the_operator_needs_stays() -> None:
    line = (
        "update 1234567 handled in 0.03 s; ticket #A-0042 (chat -1001171, outbox 88), 2026-12-01"
    )
    assert redact(line) == line


def test_postgresql_details_of_a_failed_statement_are_blanked() -> None:
    trace = (
        'asyncpg.exceptions.NotNullViolationError: null value in column "chat_id"\n'
        "DETAIL:  Failing row contains (1, 3, 陈大爷, 楼道灯不亮了).\n"
        "DETAIL:  Key (source_key)=(u:1) already exists.\n"
    )
    out = redact(trace)
    assert "陈大爷" not in out and "u:1" not in out and "NotNullViolationError" in out


@pytest.fixture(params=["text", "json"])
def output(request: pytest.FixtureRequest) -> Iterator[tuple[LogFormat, io.StringIO]]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    configure_logging("DEBUG", request.param, stream=out, secrets=(TOKEN,))
    try:
        yield request.param, out
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_every_part_of_a_record_is_blanked_in_both_formats(
    output: tuple[LogFormat, io.StringIO],
) -> None:
    fmt, out = output
    try:
        raise ValueError("电话13812345678 at 3号楼2单元401室")
    except ValueError:
        logging.getLogger("bot.test").exception(
            "report %s failed", "电话13812345678", extra={"chat_id": -100, "who": "3号楼401室"}
        )
    logging.getLogger("some.library").debug("update %s for bot %s", {"text": "漏水"}, TOKEN)
    text = out.getvalue()
    # a timestamp's microseconds may hold any digits ("…:31.901401"): read the rest of the line
    said = re.sub(r"\d{4}-\d\d-\d\d[T ][\d:.,+-]+", "", text)
    assert "13812345678" not in said and "401" not in said and "漏水" not in said
    assert "AAHdqTcv" not in text
    assert "ValueError" in text and "report" in text  # the traceback is still there
    if fmt == "json":
        first = json.loads(text.splitlines()[0])
        assert first["chat_id"] == -100 and "ValueError" in first["exc_info"]
