"""The sandbox takes photos and documents as Telegram does: uploads, file_ids, and its refusals."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
import telegram

from bot.services.ports import PermanentFailure, Upload
from handlers.gateway import TelegramGateway
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from sandbox.uploads import MB
from tests.e2e.sandbox_fixtures import BOT_TOKEN
from tests.e2e.test_sandbox_botapi import tiny_png

pytestmark = pytest.mark.e2e
BUILDING_3 = -1001003
RESIDENT = 201  # 陈大爷, building 3
ADMIN = 9001
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def call(
    server: SandboxServer, method: str, fields: dict[str, str], **files: tuple[bytes, str]
) -> tuple[int, dict[str, Any]]:
    """Call a Bot API method with a multipart body, as PTB sends an InputFile."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (data, filename) in files.items():
        form.add_field(name, data, filename=filename, content_type="application/octet-stream")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.base_url}/bot{BOT_TOKEN}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


async def test_a_document_upload_comes_back_with_its_name_type_and_bytes(
    ptb_bot: telegram.Bot, sandbox: SandboxClient
) -> None:
    content = b"PK\x03\x04" + bytes(range(256)) * 40
    sent = await ptb_bot.send_document(
        ADMIN,
        content,
        filename="工单导出-2026-11.xlsx",
        caption="<b>11月</b> 工单导出",
        parse_mode="HTML",
    )
    document = sent.document
    assert document is not None and sent.caption == "11月 工单导出"
    assert document.file_name == "工单导出-2026-11.xlsx"
    assert document.mime_type == XLSX and document.file_size == len(content)

    file = await ptb_bot.get_file(document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".xlsx")
    assert bytes(await file.download_as_bytearray()) == content

    again = await ptb_bot.send_document(RESIDENT, document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == document.file_unique_id

    [view] = await sandbox.messages(ADMIN)
    assert view["document"]["file_name"] == "工单导出-2026-11.xlsx"
    assert view["text"] == "11月 工单导出"  # the page shows the caption under the file
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{sandbox.base_url}{view['document']['url']}") as response,
    ):
        assert await response.read() == content


async def test_an_uploaded_png_becomes_a_photo_of_its_own_size(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    sent = await ptb_bot.send_photo(BUILDING_3, tiny_png(90, 50), caption="本周工单")
    [size] = sent.photo
    assert (size.width, size.height) == (90, 50)
    assert size.file_id.startswith("AgAC") and sent.caption == "本周工单"
    document = await ptb_bot.send_document(ADMIN, b"x", filename="a.csv")
    assert document.document is not None
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)document as photo"):
        await ptb_bot.send_photo(BUILDING_3, document.document.file_id)


async def test_missing_files_are_refused_in_telegrams_words(
    sandbox_server: SandboxServer,
) -> None:
    status, body = await call(sandbox_server, "sendPhoto", {"chat_id": str(BUILDING_3)})
    assert status == 400
    assert body["description"] == "Bad Request: there is no photo in the request"
    status, body = await call(sandbox_server, "sendDocument", {"chat_id": str(ADMIN)})
    assert body["description"] == "Bad Request: there is no document in the request"
    status, body = await call(
        sandbox_server, "sendDocument", {"chat_id": str(ADMIN), "document": "attach://report"}
    )
    assert body["description"] == "Bad Request: there is no document in the request"
    assert sandbox_server.messages(BUILDING_3) == [] and sandbox_server.messages(ADMIN) == []


async def test_an_attached_part_is_found_by_its_attach_name(
    sandbox_server: SandboxServer,
) -> None:
    status, body = await call(
        sandbox_server,
        "sendDocument",
        {"chat_id": str(ADMIN), "document": "attach://report"},
        report=(b"code,state\nA-0042,closed\n", "tickets.csv"),
    )
    assert status == 200, body
    assert body["result"]["document"]["file_name"] == "tickets.csv"
    assert body["result"]["document"]["mime_type"] == "text/csv"


async def test_too_big_or_broken_files_and_long_captions_are_refused(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)photo_save_file_invalid"):
        await ptb_bot.send_photo(BUILDING_3, tiny_png() + bytes(10 * MB))
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)image_process_failed"):
        await ptb_bot.send_photo(BUILDING_3, b"not an image at all")
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await ptb_bot.send_photo(BUILDING_3, tiny_png(2100, 100))
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)message caption is too long"):
        await ptb_bot.send_photo(
            BUILDING_3, tiny_png(), caption="<b>" + "楼" * 1025 + "</b>", parse_mode="HTML"
        )
    # 1024 characters after the tags are parsed is still a caption Telegram takes
    fits = await ptb_bot.send_photo(
        BUILDING_3, tiny_png(), caption="<b>" + "楼" * 1024 + "</b>", parse_mode="HTML"
    )
    assert fits.caption == "楼" * 1024
    with pytest.raises(telegram.error.NetworkError, match="Request Entity Too Large"):
        await ptb_bot.send_document(ADMIN, bytes(50 * MB + 1), filename="big.xlsx")
    assert len(sandbox_server.messages(BUILDING_3)) == 1
    assert sandbox_server.messages(ADMIN) == []


async def test_files_over_20_mb_are_sent_but_not_downloaded_by_bots(
    ptb_bot: telegram.Bot,
) -> None:
    sent = await ptb_bot.send_document(ADMIN, bytes(20 * MB + 1), filename="year.csv")
    assert sent.document is not None and sent.document.file_size == 20 * MB + 1
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)file is too big"):
        await ptb_bot.get_file(sent.document.file_id)


async def test_the_gateway_uploads_files_and_a_refused_one_fails_for_good(
    ptb_bot: telegram.Bot, sandbox_server: SandboxServer
) -> None:
    gateway = TelegramGateway(ptb_bot)
    sent = await gateway.deliver(
        ADMIN,
        "send_document",
        {"document": Upload(b"code,state\n", "tickets.csv"), "caption": "<b>导出</b>"},
    )
    [view] = sandbox_server.messages(ADMIN)
    assert view["message_id"] == sent and view["caption"] == "导出"
    assert view["document"]["file_name"] == "tickets.csv"
    # too big for Telegram: retrying will not make it smaller
    with pytest.raises(PermanentFailure, match="Request Entity Too Large"):
        await gateway.deliver(
            ADMIN, "send_document", {"document": Upload(bytes(50 * MB + 1), "big.xlsx")}
        )
    with pytest.raises(PermanentFailure, match=r"(?i)photo_save_file_invalid"):
        await gateway.deliver(
            BUILDING_3, "send_photo", {"photo": Upload(tiny_png() + bytes(10 * MB), "c.png")}
        )
