"""Start-up calls to the Bot API: the one that must work (who are we?) and those that may fail."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.services.loops import Fatal

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = [
    ("start", "开始 / 使用说明"),
    ("help", "使用说明"),
    ("report", "一步步报事"),
    ("my", "我报过的事"),
    ("mine", "工作人员：我的工单"),
    ("ticket", "查看工单：/ticket 编号"),
    ("level", "工作人员：改级别 /level 编号 紧急"),
    ("kind", "工作人员：改类别 /kind 编号 漏水"),
    ("duty", "现在谁值班"),
    ("stats", "工作人员：工作统计 /stats 上月 3号楼"),
    ("export", "管理员：导出工单表 /export 上月"),
    ("ical", "工作人员：值班日历订阅链接"),
    ("household", "绑定我家 /household 绑定码"),
    ("vote", "给我家的征询投票"),
    ("consult", "管理员：发起征询 /consult 一般事项 | 问题 | 截止 7天"),
    ("paper", "楼组长：录入纸质票 /paper 编号 3-2-401 同意"),
    ("desk", "主管、管理员：网页工作台登录链接"),
    ("points", "我的志愿积分"),
    ("shop", "积分超市：兑换物品"),
    ("award", "楼组长、工作人员：提议积分 /award 3-2-401 2 清理楼道"),
    ("redeem", "工作人员：核对兑换码 /redeem 兑换码"),
    ("correct", "主任、经理：更正积分 /correct 3-2-401 -2 原因"),
    ("activity", "管理员：发起志愿活动 /activity 周六9:00 清理绿地 10人 5分"),
    ("roster", "主管：排班表（/roster week 看一周）"),
    ("cover", "主管：代班 /cover 谁 [代班人] 开始 结束"),
    ("swap", "主管：换班 /swap 甲 乙 开始 结束"),
    ("leave", "主管：请假 /leave [谁] 开始 结束"),
    ("workday", "管理员：调整工作日 /workday 日期 on|off"),
    ("audit", "管理员：工单处理记录 /audit 编号"),
    ("notice", "管理员：发通知"),
    ("notices", "管理员：管理通知"),
    ("outage", "管理员：停水停电通知"),
    ("faq", "管理员：常见问题"),
    ("status", "管理员：服务自检"),
    ("join", "工作人员认领账号：/join 邀请码"),
]
GROUP_COMMANDS = [
    ("help", "使用说明"),
    ("report", "一步步报事"),
    ("duty", "现在谁值班"),
    ("bind", "管理员绑定本群：/bind 3号楼"),
]


async def initialize(
    application: Application[Any, Any, Any, Any, Any, Any], max_delay: float = 30.0
) -> None:
    """Initialise PTB (getMe). A token Telegram refuses stops start-up with one clear line;
    a Telegram that cannot be reached (the network, a proxy, a firewall) is tried again with
    back-off – said once in the log – instead of a crash and a restart loop."""
    delay, told = 1.0, False
    while True:
        try:
            await application.initialize()
            if told:
                log.warning("Telegram answers again")
            return
        except InvalidToken as exc:
            raise Fatal("Telegram refused BOT_TOKEN (check it with @BotFather)") from exc
        except NetworkError as exc:  # TimedOut too
            if not told:
                log.error("cannot reach Telegram (%s); trying again with back-off", exc)
                told = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)


async def announce_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Tell Telegram our command menu; a failure is only a warning."""
    bot = application.bot
    try:
        await bot.set_my_commands(
            [BotCommand(c, d) for c, d in PRIVATE_COMMANDS], scope=BotCommandScopeAllPrivateChats()
        )
        await bot.set_my_commands(
            [BotCommand(c, d) for c, d in GROUP_COMMANDS], scope=BotCommandScopeAllGroupChats()
        )
    except TelegramError as exc:
        log.warning("setMyCommands failed (%s); continuing without a command menu", exc)
