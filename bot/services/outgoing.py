"""What the bot says, queued in the outbox once per key: a new message, a picture or a file
(made when it is sent), or an edit of a message."""

from __future__ import annotations

from datetime import datetime

from bot.domain.message_parts import shorten, split_message, visible_length
from bot.domain.records import OutboundMessage
from bot.services.ports import UnitOfWork
from bot.services.renders import RenderSpec

#: Telegram's limit for a photo's or a document's caption, counted after HTML is parsed
CAPTION_LIMIT = 1024

Rows = list[list[dict[str, str]]]  # inline keyboard rows of {"text", "callback_data"}


async def send(
    tx: UnitOfWork,
    chat_id: int,
    text: str,
    now: datetime,
    key: str,
    *,
    purpose: str,
    buttons: Rows | None = None,
    reply_to_message_id: int | None = None,
    reply_to_outbox_id: int | None = None,
    thread_id: int | None = None,
) -> int | None:
    """Queue a message once per key; return its outbox id, also when it was queued before.

    `reply_to_outbox_id` replies to a message we queued earlier (resolved when it is sent). A
    text longer than Telegram takes goes in parts (keys key, key:2, …): the first replies, the
    last carries the buttons, and its id is returned (it is the one people answer).
    `thread_id` is the forum topic every part goes to (None: General, or not a forum) – a reply
    needs it to stay in its topic, as the sender allows sending without the replied message.
    """
    parts = split_message(text)
    queued: int | None = None
    for number, part in enumerate(parts, start=1):
        payload: dict[str, object] = {"text": part}
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
        if buttons and number == len(parts):
            payload["buttons"] = buttons
        if number == 1 and reply_to_message_id is not None:
            payload["reply_to_message_id"] = reply_to_message_id
        if number == 1 and reply_to_outbox_id is not None:
            payload["reply_to_outbox_id"] = reply_to_outbox_id
        part_key = key if number == 1 else f"{key}:{number}"
        queued = await tx.outbox.enqueue(
            OutboundMessage(chat_id, "send_message", payload, purpose, part_key), now
        )
        if queued is None:
            queued = await tx.outbox.by_dedup_key(part_key)
    return queued


async def send_photo(
    tx: UnitOfWork,
    chat_id: int,
    picture: RenderSpec,
    now: datetime,
    key: str,
    *,
    purpose: str,
    caption: str | None = None,
    thread_id: int | None = None,
) -> int | None:
    """Queue a picture (e.g. `renders.bar_chart(...)`) once per key; return its outbox id.

    The row holds the spec, not the bytes: the picture is drawn when it is sent."""
    return await _send_file(
        tx, chat_id, "send_photo", picture, now, key, purpose, caption, thread_id
    )


async def send_document(
    tx: UnitOfWork,
    chat_id: int,
    document: RenderSpec,
    now: datetime,
    key: str,
    *,
    purpose: str,
    caption: str | None = None,
    thread_id: int | None = None,
) -> int | None:
    """Queue a file (e.g. `renders.stored_file(...)`, an export) once per key; return its
    outbox id. It is made or read when it is sent."""
    return await _send_file(
        tx, chat_id, "send_document", document, now, key, purpose, caption, thread_id
    )


async def _send_file(
    tx: UnitOfWork,
    chat_id: int,
    method: str,
    spec: RenderSpec,
    now: datetime,
    key: str,
    purpose: str,
    caption: str | None,
    thread_id: int | None,
) -> int | None:
    """Queue a file send; a caption longer than Telegram takes follows as a message of its
    own (key `key:caption`), right after the file."""
    payload: dict[str, object] = spec.payload()
    long_caption = caption is not None and visible_length(caption) > CAPTION_LIMIT
    if caption and not long_caption:
        payload["caption"] = caption
    if thread_id is not None:
        payload["message_thread_id"] = thread_id
    queued = await tx.outbox.enqueue(OutboundMessage(chat_id, method, payload, purpose, key), now)
    if queued is None:
        queued = await tx.outbox.by_dedup_key(key)
    if long_caption and caption is not None:
        await send(
            tx, chat_id, caption, now, f"{key}:caption", purpose=purpose, thread_id=thread_id
        )
    return queued


async def tell_admins(
    tx: UnitOfWork,
    community_id: int,
    text: str,
    now: datetime,
    key: str,
    *,
    purpose: str,
    leave_out: int | None = None,
) -> int:
    """Queue one private message to each admin of a community (keys `key:<admin id>`, so each
    is told once per key); return how many admins there are to tell."""
    admins = [
        p.telegram_id
        for p in await tx.people.of_community(community_id)
        if p.has_role("admin") and p.telegram_id is not None and p.telegram_id != leave_out
    ]
    for admin in admins:
        await send(tx, admin, text, now, f"{key}:{admin}", purpose=purpose)
    return len(admins)


async def edit(
    tx: UnitOfWork,
    chat_id: int,
    text: str,
    now: datetime,
    key: str,
    *,
    purpose: str,
    outbox_id: int | None = None,
    message_id: int | None = None,
    buttons: Rows | None = None,
) -> None:
    """Queue an edit of a message we sent – named by its outbox row or its Telegram id – once
    per key; without `buttons` the message keeps none."""
    if (outbox_id is None) == (message_id is None):
        raise ValueError("name the message by exactly one of outbox_id and message_id")
    payload: dict[str, object] = {"text": shorten(text)}
    if outbox_id is not None:
        payload["target_outbox_id"] = outbox_id
    else:
        payload["message_id"] = message_id
    if buttons is not None:
        payload["buttons"] = buttons
    await tx.outbox.enqueue(OutboundMessage(chat_id, "edit_text", payload, purpose, key), now)
