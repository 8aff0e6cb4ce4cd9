"""Pictures and files go through the outbox once: the row names what to make, the sender makes
it when it sends, and a file that cannot be made fails its row like a refused send."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot import metrics
from bot.domain.clock import FakeClock
from bot.services import outgoing, renders
from bot.services.outbox import OutboxSender
from bot.services.ports import OutcomeUnknown, Upload
from bot.services.renders import Renderers, RenderSpec
from storage.models import OutboxMessage
from storage.uow import SqlUnitOfWorkFactory

ADMIN = 9001
STAFF_CHAT = -1001100
WEEK = [("3号楼", 12.0), ("5号楼", 7.0), ("电梯", 3.0)]


class RecordingTelegram:
    """Stands in for the Bot API: keeps what each send carried."""

    def __init__(self) -> None:
        self.delivered: list[tuple[int, str, dict[str, Any]]] = []

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        self.delivered.append((chat_id, method, payload))
        return 500 + len(self.delivered)


@dataclass(frozen=True)
class Row:
    status: str
    last_error: str | None
    payload: dict[str, Any]


async def row(uow: SqlUnitOfWorkFactory, item_id: int) -> Row:
    async with uow() as tx:
        found = await tx.session.get(OutboxMessage, item_id)
        assert found is not None
        return Row(found.status, found.last_error, dict(found.payload))


def failures(renderer: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "loudao_render_failures_total", {"renderer": renderer}
    )
    return value or 0.0


async def test_a_chart_is_queued_as_its_spec_and_sent_once_as_a_png(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    chart = renders.bar_chart("本周报修", WEEK, unit="件", compare=[9, 8, 5])
    async with uow() as tx:
        first = await outgoing.send_photo(
            tx, STAFF_CHAT, chart, clock.now(), "digest:2026-W48", purpose="digest", caption="周报"
        )
        again = await outgoing.send_photo(
            tx, STAFF_CHAT, chart, clock.now(), "digest:2026-W48", purpose="digest"
        )
        await tx.commit()
    assert first is not None and again == first
    stored = await row(uow, first)
    assert stored.payload["render"] == "chart.bars" and stored.payload["caption"] == "周报"
    assert len(json.dumps(stored.payload, ensure_ascii=False)) < 500  # a description: no bytes

    telegram = RecordingTelegram()
    sender = OutboxSender(uow, telegram, clock)
    assert await sender.run_until_idle() == 1
    assert await sender.run_until_idle() == 0
    [(chat_id, method, payload)] = telegram.delivered
    assert (chat_id, method, payload["caption"]) == (STAFF_CHAT, "send_photo", "周报")
    photo = payload["photo"]
    assert isinstance(photo, Upload) and photo.filename == "chart.png"
    assert Image.open(io.BytesIO(photo.data)).size == (900, 500)
    assert "render" not in payload and "data" not in payload
    assert (await row(uow, first)).status == "sent"


async def test_a_stored_export_is_read_when_it_is_sent(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "exports").mkdir()
    content = b"PK\x03\x04 an xlsx export"
    (tmp_path / "exports" / "a-2026-11.xlsx").write_bytes(content)
    async with uow() as tx:
        await outgoing.send_document(
            tx,
            ADMIN,
            renders.stored_file("exports/a-2026-11.xlsx", "工单-2026-11.xlsx"),
            clock.now(),
            "export:1",
            purpose="export",
        )
        await tx.commit()
    telegram = RecordingTelegram()
    await OutboxSender(uow, telegram, clock, renderers=Renderers(tmp_path)).run_until_idle()
    [(_, method, payload)] = telegram.delivered
    assert method == "send_document"
    assert payload["document"] == Upload(content, "工单-2026-11.xlsx")


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        (RenderSpec("chart.bars", {"title": "报修", "bars": "oops"}, "c.png"), "ValueError"),
        (renders.stored_file("exports/gone.xlsx", "gone.xlsx"), "no file exports/gone.xlsx"),
        (renders.stored_file("../../etc/passwd", "p.txt"), "not a path inside"),
    ],
)
async def test_a_file_that_cannot_be_made_fails_its_row_and_the_chat_goes_on(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path, spec: RenderSpec, why: str
) -> None:
    before = failures(spec.name)
    method = outgoing.send_photo if spec.name == "chart.bars" else outgoing.send_document
    async with uow() as tx:
        broken = await method(tx, ADMIN, spec, clock.now(), "broken", purpose="export")
        await outgoing.send(tx, ADMIN, "下一条消息", clock.now(), "next", purpose="test")
        await tx.commit()
    assert broken is not None
    telegram = RecordingTelegram()
    await OutboxSender(uow, telegram, clock, renderers=Renderers(tmp_path)).run_until_idle()
    failed = await row(uow, broken)
    assert failed.status == "failed"
    assert f"render {spec.name} failed" in (failed.last_error or "")
    assert why in (failed.last_error or "")
    assert failures(spec.name) == before + 1
    assert [p.get("text") for _, _, p in telegram.delivered] == ["下一条消息"]
    async with uow() as tx:
        assert (
            await tx.outbox.failed_since(clock.now() - timedelta(hours=1)) == 1
        )  # /healthz warns


async def test_a_sender_without_a_files_folder_fails_stored_files(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow() as tx:
        item = await outgoing.send_document(
            tx, ADMIN, renders.stored_file("a.csv", "a.csv"), clock.now(), "k", purpose="export"
        )
        await tx.commit()
    assert item is not None
    await OutboxSender(uow, RecordingTelegram(), clock).run_until_idle()
    assert "no renderer 'file.stored'" in ((await row(uow, item)).last_error or "")


async def test_a_caption_longer_than_telegram_takes_follows_as_a_message(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    caption = "<b>本周</b>\n" + "已处理工单。" * 200  # 1200+ characters after the tags
    async with uow() as tx:
        await outgoing.send_photo(
            tx,
            STAFF_CHAT,
            renders.bar_chart("本周", WEEK),
            clock.now(),
            "w",
            purpose="digest",
            caption=caption,
        )
        await tx.commit()
    telegram = RecordingTelegram()
    await OutboxSender(uow, telegram, clock).run_until_idle()
    assert [method for _, method, _ in telegram.delivered] == ["send_photo", "send_message"]
    assert "caption" not in telegram.delivered[0][2]
    assert telegram.delivered[1][2]["text"] == caption


async def test_bytes_or_unknown_renderers_are_refused_when_queued(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow() as tx:
        with pytest.raises(ValueError, match="no renderer"):
            await outgoing.send_photo(
                tx, ADMIN, RenderSpec("chart.pie", {}), clock.now(), "a", purpose="t"
            )
        with pytest.raises(ValueError, match="the renderer makes it"):
            await outgoing.send_document(
                tx,
                ADMIN,
                RenderSpec("file.stored", {"bytes": "x" * 20_000}),
                clock.now(),
                "b",
                purpose="t",
            )
        assert await tx.outbox.queued_for_chat(ADMIN) == []


class LosesTheAnswer(RecordingTelegram):
    """Telegram took the upload, but its answer never came back."""

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        await super().deliver(chat_id, method, payload)
        raise OutcomeUnknown("ReadTimeout")


async def test_a_file_whose_answer_was_lost_is_not_uploaded_twice(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    renders.stored_path(tmp_path, "e/x.csv", make_folders=True).write_bytes(b"a,b\n")
    async with uow() as tx:
        export = await outgoing.send_document(
            tx, ADMIN, renders.stored_file("e/x.csv", "x.csv"), clock.now(), "e", purpose="export"
        )
        await tx.commit()
    assert export is not None
    telegram = LosesTheAnswer()
    sender = OutboxSender(uow, telegram, clock, renderers=Renderers(tmp_path))
    for _ in range(3):
        await sender.run_until_idle()
        clock.advance(seconds=400)
    assert len(telegram.delivered) == 1  # it probably arrived: no second copy in the chat
    assert (await row(uow, export)).status == "unknown"
