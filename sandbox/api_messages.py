"""Bot API methods that send, edit and delete messages, photos, documents, polls and callback
answers."""

from __future__ import annotations

import time

from sandbox.api_base import MethodsBase
from sandbox.models import JSON, PollRecord, bad_request
from sandbox.params import MAX_CAPTION, MAX_TEXT, Params, formatted_text, reply_markup
from sandbox.uploads import DOWNLOAD_MAX_BYTES, input_file

CALLBACK_TTL = 15.0  # seconds Telegram waits for answerCallbackQuery
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class MessageMethods(MethodsBase):
    """sendMessage, sendPhoto, sendDocument, edits, deleteMessage, answerCallbackQuery, getFile,
    polls."""

    # -- messages ----------------------------------------------------------------------
    async def m_sendMessage(self, params: Params) -> JSON:
        """Send a text message."""
        chat = self._target(params)
        text, entities = formatted_text(params, "text", MAX_TEXT, "entities")
        if not text.strip():
            raise bad_request("message text is empty")
        markup = reply_markup(params)
        target, thread = self._placement(chat, params)
        self._rate_limit(chat)
        message = self.state.store(
            chat,
            self.state.bot.id,
            text=text,
            entities=entities,
            reply_to=target,
            reply_markup=markup,
            thread_id=thread,
        )
        self.state.stats["sent"] += 1
        return self.state.message_api(message)

    async def m_sendPhoto(self, params: Params) -> JSON:
        """Send a photo: an upload (multipart/form-data) or a file_id sent before."""
        return await self._send_file(params, "photo")

    async def m_sendDocument(self, params: Params) -> JSON:
        """Send a general file: an upload (multipart/form-data) or a file_id sent before."""
        return await self._send_file(params, "document")

    async def _send_file(self, params: Params, kind: str) -> JSON:
        """Check the target, the file and its caption, as Telegram does, then store it."""
        chat = self._target(params)
        caption, entities = formatted_text(params, "caption", MAX_CAPTION, "caption_entities")
        markup = reply_markup(params)
        target, thread = self._placement(chat, params)
        record = input_file(self.state, params, kind, kind)
        self._rate_limit(chat)
        message = self.state.store(
            chat,
            self.state.bot.id,
            caption=caption or None,
            entities=entities,
            photo_file_id=record.file_id if kind == "photo" else None,
            document_file_id=record.file_id if kind == "document" else None,
            reply_to=target,
            reply_markup=markup,
            thread_id=thread,
        )
        self.state.stats["sent"] += 1
        return self.state.message_api(message)

    async def m_editMessageText(self, params: Params) -> JSON:
        """Edit a bot message's text (and keyboard; none given removes it)."""
        _, message = self._bot_message(params, "edit")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = formatted_text(params, "text", MAX_TEXT, "entities")
        if not text.strip():
            raise bad_request("message text is empty")
        markup = reply_markup(params)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise self._not_modified()
        message.text, message.entities, message.reply_markup = text, entities, markup
        return self._edited(message)

    async def m_editMessageCaption(self, params: Params) -> JSON:
        """Edit a bot photo's caption."""
        _, message = self._bot_message(params, "edit")
        if message.photo_file_id is None and message.document_file_id is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = formatted_text(params, "caption", MAX_CAPTION, "caption_entities")
        markup = reply_markup(params)
        if (caption or None, entities, markup) == (
            message.caption,
            message.entities,
            message.reply_markup,
        ):
            raise self._not_modified()
        message.caption, message.entities, message.reply_markup = caption or None, entities, markup
        return self._edited(message)

    async def m_editMessageReplyMarkup(self, params: Params) -> JSON:
        """Replace or remove a bot message's inline keyboard."""
        _, message = self._bot_message(params, "edit")
        markup = reply_markup(params)
        if markup == message.reply_markup:
            raise self._not_modified()
        message.reply_markup = markup
        return self._edited(message)

    async def m_deleteMessage(self, params: Params) -> bool:
        """Delete a message (others' messages only as a group admin)."""
        chat = self._target(params)
        message_id = params.integer("message_id", required=True)
        assert message_id is not None
        message = self.state.find(chat.id, message_id)
        if message is None:
            raise bad_request("message to delete not found")
        if message.from_id != self.state.bot.id and chat.is_group and not chat.bot_admin:
            raise bad_request("message can't be deleted")
        message.deleted = True
        chat.pinned = [m for m in chat.pinned if m != message_id]
        self.state.touch()
        return True

    async def m_answerCallbackQuery(self, params: Params) -> bool:
        """Answer a button press; the sandbox user API returns this to the presser."""
        query_id = params.text("callback_query_id", required=True) or ""
        future = self.state.callbacks.get(query_id)
        started = self.callback_started.get(query_id, 0.0)
        if future is None or future.done() or time.monotonic() - started > CALLBACK_TTL:
            raise bad_request(_QUERY_INVALID)
        text = params.text("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        del self.state.callbacks[query_id]
        self.callback_started.pop(query_id, None)
        future.set_result(
            {
                "answered": True,
                "text": text,
                "show_alert": params.flag("show_alert"),
                "url": params.text("url"),
            }
        )
        return True

    def register_callback(self, query_id: str) -> None:
        """Remember when a callback query started, for CALLBACK_TTL."""
        self.callback_started[query_id] = time.monotonic()

    async def m_sendChatAction(self, params: Params) -> bool:
        """Accept a chat action such as typing."""
        self._target(params)
        return True

    # -- files ---------------------------------------------------------------------------
    async def m_getFile(self, params: Params) -> JSON:
        """Describe a file so it can be downloaded from /file/bot<token>/<file_path>."""
        file_id = params.text("file_id", required=True) or ""
        record = self.state.files.get(file_id)
        if record is None:
            raise bad_request("invalid file_id")
        if len(record.data) > DOWNLOAD_MAX_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
            "file_path": record.path,
        }

    # -- polls -------------------------------------------------------------------------
    async def m_sendPoll(self, params: Params) -> JSON:
        """Send a poll."""
        chat = self._target(params)
        question = params.text("question") or ""
        if not 1 <= len(question) <= 300:
            raise bad_request(
                "poll question length must not exceed 300"
                if question
                else "poll question must be non-empty"
            )
        raw_options = params.obj("options")
        if not isinstance(raw_options, list):
            raise bad_request("options is empty")
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in raw_options]
        if len(options) < 2:
            raise bad_request("poll must have at least 2 option")
        if len(options) > 12:
            raise bad_request("poll can't have more than 12 options")
        if any(not 1 <= len(o) <= 100 for o in options):
            raise bad_request("poll options length must not exceed 100")
        poll_type = params.text("type") or "regular"
        correct = params.integer("correct_option_id")
        if poll_type == "quiz" and (correct is None or not 0 <= correct < len(options)):
            raise bad_request("wrong correct option ID specified")
        markup = reply_markup(params)
        target, thread = self._placement(chat, params)
        self._rate_limit(chat)
        poll = PollRecord(
            id=self.state.next_token("5"),
            chat_id=chat.id,
            message_id=chat.next_message_id,
            question=question,
            options=options,
            is_anonymous=params.flag("is_anonymous", True),
            type=poll_type,
            allows_multiple_answers=params.flag("allows_multiple_answers"),
            correct_option_id=correct if poll_type == "quiz" else None,
            is_closed=params.flag("is_closed"),
        )
        self.state.polls[poll.id] = poll
        message = self.state.store(
            chat,
            self.state.bot.id,
            poll_id=poll.id,
            reply_to=target,
            reply_markup=markup,
            thread_id=thread,
        )
        self.state.stats["sent"] += 1
        return self.state.message_api(message)

    async def m_stopPoll(self, params: Params) -> JSON:
        """Close a poll the bot sent."""
        chat = self._target(params)
        message_id = params.integer("message_id", required=True)
        message = self.state.find(chat.id, message_id or 0)
        if message is None or message.poll_id is None:
            raise bad_request("message with poll to stop not found")
        if message.from_id != self.state.bot.id:
            raise bad_request("poll can't be stopped")
        poll = self.state.polls[message.poll_id]
        if poll.is_closed:
            raise bad_request("poll has already been closed")
        poll.is_closed = True
        if params.has("reply_markup"):
            message.reply_markup = reply_markup(params)
        self.state.touch()
        return poll.to_api()
