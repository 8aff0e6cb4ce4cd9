"""The doctor's questions answered by the real Bot API (getMe, getChatMember, sendChatAction,
getWebhookInfo)."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ChatAction, ChatMemberStatus
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError

from bot.services.doctor import BotFacts, TelegramUnreachable, TokenRefused, WebhookFacts

_ADMIN = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


class TelegramProbe:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._bot_id: int | None = None

    async def me(self) -> BotFacts:
        try:
            await self.bot.initialize()
            user = await self.bot.get_me()
        except (InvalidToken, Forbidden) as exc:
            raise TokenRefused(str(exc)) from exc
        except NetworkError as exc:
            raise TelegramUnreachable(str(exc)) from exc
        self._bot_id = user.id
        return BotFacts(user.username or "", bool(user.can_read_all_group_messages))

    async def membership(self, chat_id: int) -> str:
        assert self._bot_id is not None, "ask me() first"
        try:
            member = await self.bot.get_chat_member(chat_id, self._bot_id)
        except Forbidden:
            return "absent"  # "bot is not a member of the group chat", or it was kicked
        except BadRequest as exc:
            return "absent" if "not found" in exc.message.lower() else "unknown"
        except TelegramError:
            return "unknown"
        if member.status in _ADMIN:
            return "admin"
        return "absent" if member.status in _GONE else "member"

    async def can_write_private(self, user_id: int) -> bool | None:
        try:
            await self.bot.send_chat_action(user_id, ChatAction.TYPING)
        except Forbidden:
            return False  # never pressed Start, or blocked the bot
        except BadRequest as exc:
            return False if "chat not found" in exc.message.lower() else None
        except TelegramError:
            return None
        return True

    async def webhook(self) -> WebhookFacts:
        info = await self.bot.get_webhook_info()
        return WebhookFacts(info.url, info.pending_update_count, info.last_error_message)
