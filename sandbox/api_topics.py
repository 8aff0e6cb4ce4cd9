"""Bot API methods of forum supergroups: create, close and reopen topics (General too)."""

from __future__ import annotations

from sandbox.api_base import MethodsBase
from sandbox.models import GENERAL_TOPIC, JSON, Chat, bad_request
from sandbox.params import Params
from sandbox.topics import create_topic, require_forum, set_closed


class TopicMethods(MethodsBase):
    """createForumTopic, close/reopenForumTopic, close/reopenGeneralForumTopic."""

    def _managed_forum(self, params: Params) -> Chat:
        """The forum named by chat_id, if the bot may manage its topics (an admin bot)."""
        chat = self._target(params)
        require_forum(chat)
        if not chat.bot_admin:
            raise bad_request("not enough rights to manage topics")
        return chat

    def _thread(self, params: Params) -> int:
        thread_id = params.integer("message_thread_id", required=True)
        assert thread_id is not None
        if thread_id == GENERAL_TOPIC:
            raise bad_request("message thread not found")  # General has methods of its own
        return thread_id

    async def m_createForumTopic(self, params: Params) -> JSON:
        """Open a topic; returns the ForumTopic (its thread id is its service message's id)."""
        chat = self._managed_forum(params)
        name = params.text("name") or ""
        topic = create_topic(
            self.state, chat, name, self.state.bot.id, params.integer("icon_color")
        )
        return topic.to_api()

    async def m_closeForumTopic(self, params: Params) -> bool:
        """Close a topic: nothing can be sent to it until it is reopened."""
        chat = self._managed_forum(params)
        set_closed(self.state, chat, self._thread(params), True, self.state.bot.id)
        return True

    async def m_reopenForumTopic(self, params: Params) -> bool:
        """Reopen a closed topic."""
        chat = self._managed_forum(params)
        set_closed(self.state, chat, self._thread(params), False, self.state.bot.id)
        return True

    async def m_closeGeneralForumTopic(self, params: Params) -> bool:
        """Close General: messages sent without a thread id fail with TOPIC_CLOSED."""
        chat = self._managed_forum(params)
        set_closed(self.state, chat, GENERAL_TOPIC, True, self.state.bot.id)
        return True

    async def m_reopenGeneralForumTopic(self, params: Params) -> bool:
        """Reopen the General topic."""
        chat = self._managed_forum(params)
        set_closed(self.state, chat, GENERAL_TOPIC, False, self.state.bot.id)
        return True
