"""The desk's sign-in on a real database: one-time links (expired, reused, tampered), sessions
(idle, too old, signed out, the role taken away), and CSRF on every form (403 without it)."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.domain.clock import FakeClock
from bot.domain.desk.filters import PAGE_SIZE, TicketFilter
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.tickets import Action, NewTicket
from bot.domain.tickets.changes import handed_to
from bot.registry_file import read_registry
from bot.services.desk.pages import DeskPages
from bot.services.desk.sign_in import DeskSignIn, DeskUser, LinkRefused
from bot.services.duty.routing import RosterRouter
from bot.services.registry import load_registry
from bot.services.retention import RetentionDesk
from bot.services.tickets.core import TicketEnv, change
from bot.services.tickets.staff_actions import StaffActions
from storage.uow import SqlUnitOfWorkFactory
from web.desk.app import COOKIE, Desk, desk_routes

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo"
ADMIN, SUPERVISOR, PLUMBER, ELECTRICIAN = 9001, 9002, 9003, 9004
LINK = re.compile(r"/desk/signin/([A-Za-z0-9_-]+)")

pytestmark = pytest.mark.storage


@pytest.fixture
async def sign_in(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> DeskSignIn:
    await load_registry(uow, read_registry(DEMO / "community.yaml"), clock)
    return DeskSignIn(uow, clock, "http://127.0.0.1:8080")


async def link_token(sign_in: DeskSignIn, user: int = SUPERVISOR) -> str:
    answer = await sign_in.link(user, private=True, locale="zh_CN")
    found = LINK.search(answer)
    assert found, answer
    return found.group(1)


async def test_a_link_opens_one_session_once(sign_in: DeskSignIn) -> None:
    token = await link_token(sign_in)
    session, locale = await sign_in.open(token)
    assert locale == "zh_CN"
    user = await sign_in.who(session)
    assert user is not None and user.person.name == "李经理" and not user.admin
    with pytest.raises(LinkRefused) as refused:
        await sign_in.open(token)
    assert refused.value.reason == "used"


async def test_an_expired_or_tampered_link_opens_nothing(
    sign_in: DeskSignIn, clock: FakeClock
) -> None:
    token = await link_token(sign_in)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(LinkRefused) as refused:
        await sign_in.open(tampered)
    assert refused.value.reason == "unknown"
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(LinkRefused) as refused:
        await sign_in.open(token)
    assert refused.value.reason == "expired"


async def test_only_supervisors_and_admins_get_a_link_and_only_in_private(
    sign_in: DeskSignIn,
) -> None:
    with pytest.raises(NotAllowed):
        await sign_in.link(PLUMBER, private=True, locale="zh_CN")
    with pytest.raises(NotAllowed):
        await sign_in.link(201, private=True, locale="zh_CN")  # a resident
    with pytest.raises(InvalidInput):
        await sign_in.link(SUPERVISOR, private=False, locale="zh_CN")
    assert "/desk/signin/" in await sign_in.link(ADMIN, private=True, locale="en")


async def test_a_session_lapses_when_idle_and_after_a_day(
    sign_in: DeskSignIn, clock: FakeClock
) -> None:
    session, _ = await sign_in.open(await link_token(sign_in))
    clock.advance(hours=7, minutes=59)
    assert await sign_in.who(session) is not None  # in use: kept alive
    clock.advance(hours=8, minutes=1)
    assert await sign_in.who(session) is None  # 8 hours without a request

    session, _ = await sign_in.open(await link_token(sign_in))
    for _ in range(4):
        clock.advance(hours=6)
        alive = await sign_in.who(session)
    assert alive is None  # 24 hours after signing in, however busy

    session, _ = await sign_in.open(await link_token(sign_in))
    await sign_in.sign_out(session)
    assert await sign_in.who(session) is None


async def test_a_supervisor_taken_off_the_list_loses_the_desk_at_once(
    sign_in: DeskSignIn, uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    session, _ = await sign_in.open(await link_token(sign_in))
    assert await sign_in.who(session) is not None
    for path in DEMO.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    community = tmp_path / "community.yaml"
    text = community.read_text(encoding="utf-8")
    assert "roles: [supervisor, staff]" in text
    community.write_text(text.replace("roles: [supervisor, staff]", "roles: [staff]"), "utf-8")
    clock.advance(minutes=1)
    await load_registry(uow, read_registry(community), clock)
    assert await sign_in.who(session) is None


# -- CSRF, through the desk's own HTTP application ------------------------------------------


@pytest.fixture
async def desk_url(
    sign_in: DeskSignIn, uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> AsyncIterator[str]:
    staff = StaffActions(TicketEnv(uow=uow, clock=clock, router=RosterRouter(uow)))
    app = web.Application()
    desk_routes(Desk(sign_in, DeskPages(uow, clock, staff)))(app)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("/desk"))
    finally:
        await server.close()


async def test_a_form_without_the_session_s_csrf_token_is_refused(
    sign_in: DeskSignIn, desk_url: str
) -> None:
    session, _ = await sign_in.open(await link_token(sign_in))
    user = await sign_in.who(session)
    assert user is not None
    async with aiohttp.ClientSession(cookies={COOKIE: session}) as http:
        for form in ({}, {"csrf": "0" * 64}, {"csrf": user.csrf[:-1]}):
            async with http.post(f"{desk_url}/signout", data=form, allow_redirects=False) as r:
                assert r.status == 403
                assert "页面已过期" in await r.text()
        assert await sign_in.who(session) is not None  # nothing happened
        other, _ = await sign_in.open(await link_token(sign_in, ADMIN))
        other_user = await sign_in.who(other)
        assert other_user is not None
        async with http.post(
            f"{desk_url}/signout", data={"csrf": other_user.csrf}, allow_redirects=False
        ) as r:
            assert r.status == 403  # another session's token is no good either
        async with http.post(
            f"{desk_url}/signout", data={"csrf": user.csrf}, allow_redirects=False
        ) as r:
            assert r.status == 303
    assert await sign_in.who(session) is None


async def test_without_a_session_pages_send_to_sign_in_and_posts_are_refused(
    desk_url: str,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{desk_url}/tickets", allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/desk/signin"
        async with http.post(f"{desk_url}/tickets/A-0001/reassign", data={"to": "9003"}) as r:
            assert r.status == 403
        async with http.get(f"{desk_url}/signin", headers={"Accept-Language": "zh-CN"}) as r:
            assert r.status == 200 and "发送 /desk" in await r.text()
            assert r.headers["Cache-Control"] == "no-store"  # pages are never kept by the way
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        async with http.get(f"{desk_url}/signin", headers={"Accept-Language": "en-GB,en"}) as r:
            assert "Send /desk to the Loudao bot" in await r.text()  # English when asked


# -- the ticket list and a ticket's page, from a real database -----------------------------


def _new(community_id: int, key: str, building: str, category: str) -> NewTicket:
    return NewTicket(
        community_id=community_id, source_key=key, source="mention", category=category,
        level=2, building=building, unit="2", room="401", phone="13800000000", text="楼道灯不亮",
        chat_id=-1001003, message_id=10, reporter_id=201, reporter_name="陈大爷",
    )  # fmt: skip


@pytest.fixture
async def pages(uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn) -> DeskPages:
    staff = StaffActions(TicketEnv(uow=uow, clock=clock, router=RosterRouter(uow)))
    return DeskPages(uow, clock, staff)


async def _open_tickets(uow: SqlUnitOfWorkFactory, clock: FakeClock, count: int) -> None:
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        for n in range(count):
            building, category = ("3", "lighting") if n % 2 else ("5", "elevator")
            t = await tx.tickets.create(
                _new(community.id, f"k:{n}", building, category), clock.now()
            )
            await change(
                tx, t, Action.ASSIGN, clock.now(), actor=None, update_id=None, locale="zh_CN",
                changes=handed_to(ELECTRICIAN if n % 2 else PLUMBER, "师傅"),
            )  # fmt: skip
            clock.advance(minutes=30)
        await tx.commit()


async def _user(sign_in: DeskSignIn, who: int = SUPERVISOR) -> DeskUser:
    user = await sign_in.who((await sign_in.open(await link_token(sign_in, who)))[0])
    assert user is not None
    return user


async def test_the_list_filters_and_pages_newest_first_and_finds_what_is_late(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn, pages: DeskPages
) -> None:
    await _open_tickets(uow, clock, PAGE_SIZE + 5)
    user = await _user(sign_in)
    first = await pages.tickets(user, TicketFilter())
    numbers = [f.number for f in first.rows]
    assert len(numbers) == PAGE_SIZE and numbers[0] == f"A-{PAGE_SIZE + 5:04d}"
    assert first.next_before is not None
    rest = await pages.tickets(user, TicketFilter(before=first.next_before))
    assert [f.number for f in rest.rows] == [f"A-{n:04d}" for n in range(5, 0, -1)]
    assert rest.next_before is None

    lights = await pages.tickets(user, TicketFilter(building="3", category="lighting"))
    assert lights.rows and all(f.building == "3" for f in lights.rows)
    mine = await pages.tickets(user, TicketFilter(assignee_id=ELECTRICIAN))
    assert {f.assignee_id for f in mine.rows} == {ELECTRICIAN}
    # 30 tickets half an hour apart, from 10:00 Shanghai time, each to be acknowledged within
    # two working hours (the demo's level 2): at 01:00 the next night the first 12 are late
    late = await pages.tickets(user, TicketFilter(overdue=True))
    assert [f.number for f in late.rows] == [f"A-{n:04d}" for n in range(12, 0, -1)]
    assert late.next_before is None
    seen = await pages.overview(user)
    assert seen.late[0].facts.number == "A-0001" and seen.late[0].deadline == "acknowledge_by"
    assert "新报" in seen.figures_html  # this week's /stats words


async def test_a_ticket_page_shows_room_and_phone_to_admins_only_and_audits_it(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn, pages: DeskPages
) -> None:
    await _open_tickets(uow, clock, 1)
    seen = await pages.ticket(await _user(sign_in), "A-0001")
    assert not seen.personal
    assert [e.kind for e in seen.timeline] == ["ticket.opened", "ticket.assign"]
    # a routine repair's respond deadline only mirrors its acknowledge one: shown once
    assert [(p.name, p.kept.value) for p in seen.promises] == [
        ("acknowledge_by", "pending"),
        ("resolve_by", "pending"),
    ]
    assert seen.ticket.room is None and seen.ticket.phone is None  # not even to the template
    async with uow() as tx:
        assert await tx.audit.count("desk.personal_viewed") == 0
    seen = await pages.ticket(await _user(sign_in, ADMIN), "A-0001")
    assert seen.personal and seen.ticket.room == "401" and seen.ticket.phone == "13800000000"
    async with uow() as tx:
        assert await tx.audit.count("desk.personal_viewed") == 1


async def test_reassigning_from_the_desk_is_the_chat_s_reassign_with_the_manager_as_actor(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn, pages: DeskPages
) -> None:
    await _open_tickets(uow, clock, 1)
    user = await _user(sign_in)
    answer = await pages.reassign(user, "A-0001", ELECTRICIAN)
    assert "刘师傅" in answer
    async with uow() as tx:
        ticket = await tx.tickets.by_number("A-0001")
        assert ticket is not None and ticket.assignee_id == ELECTRICIAN
        events = await tx.desk.timeline(ticket.community_id, "ticket:A-0001")
        assert (events[-1].kind, events[-1].actor) == ("ticket.reassign", SUPERVISOR)
        cards = await tx.outbox.queued_for_chat(ELECTRICIAN)
        assert cards  # the new assignee's private card, queued as the chat's button does
    with pytest.raises(NotFound):
        await pages.reassign(user, "A-0001", 424242)  # nobody of this community


async def test_retention_forgets_spent_links_and_dead_sessions(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn
) -> None:
    session, _ = await sign_in.open(await link_token(sign_in))
    await link_token(sign_in)  # never opened
    retention = RetentionDesk(
        uow, clock, keep_private=timedelta(days=180), keep_messages=timedelta(days=30)
    )
    assert (await retention.erase(clock.now() + timedelta(days=1))).sign_ins == 0
    erased = await retention.erase(clock.now() + timedelta(days=31))
    assert erased.sign_ins == 3  # two links, one session
    assert await sign_in.who(session) is None


async def test_opening_the_link_spends_nothing_until_its_button_is_pressed(
    sign_in: DeskSignIn, desk_url: str
) -> None:
    token = await link_token(sign_in)
    link = f"{desk_url}/signin/{token}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        for _ in range(2):  # a link preview, a mail scanner, the manager
            async with http.get(link) as r:
                assert r.status == 200 and "进入工作台" in await r.text()
        async with http.post(link, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/desk/"
            cookie = r.cookies[COOKIE]
            assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
        async with http.get(link) as r:
            assert r.status == 403 and "已经用过" in await r.text()
        async with http.get(f"{desk_url}/", allow_redirects=False) as r:
            assert r.status == 200 and "本周概览" in await r.text()  # the cookie is the session


async def test_bad_input_gets_a_polite_page_and_changes_nothing(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn, desk_url: str
) -> None:
    await _open_tickets(uow, clock, 1)
    session, _ = await sign_in.open(await link_token(sign_in))
    user = await sign_in.who(session)
    assert user is not None
    async with aiohttp.ClientSession(cookies={COOKIE: session}) as http:
        async with http.get(f"{desk_url}/tickets/Z-9999") as r:
            assert r.status == 404 and "没有找到工单 Z-9999" in await r.text()
        async with http.get(f"{desk_url}/nothing-here") as r:
            assert r.status == 404 and "没有这个页面" in await r.text()
        async with http.get(f"{desk_url}/tickets?level=x&status=<b>&before=abc") as r:
            assert r.status == 200 and "A-0001" in await r.text()  # read as "any"
        reassign = f"{desk_url}/tickets/A-0001/reassign"
        for to, status, said in (
            ("", 400, "请选择要转给谁"),
            ("abc", 400, "请选择要转给谁"),
            ("424242", 404, "没有找到您要的内容"),  # nobody of this community
        ):
            async with http.post(reassign, data={"csrf": user.csrf, "to": to}) as r:
                assert r.status == status and said in await r.text()
    async with uow() as tx:
        ticket = await tx.tickets.by_number("A-0001")
        assert ticket is not None and ticket.assignee_id == PLUMBER  # as it was
        assert await tx.audit.count("ticket.reassign") == 0


async def test_behind_https_the_link_names_the_public_address_and_the_cookie_is_secure(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, sign_in: DeskSignIn
) -> None:
    public = DeskSignIn(uow, clock, "https://loudao.example.org/")
    answer = await public.link(SUPERVISOR, private=True, locale="zh_CN")
    assert "https://loudao.example.org/desk/signin/" in answer and public.secure
    staff = StaffActions(TicketEnv(uow=uow, clock=clock, router=RosterRouter(uow)))
    app = web.Application()
    desk_routes(Desk(public, DeskPages(uow, clock, staff)))(app)
    server = TestServer(app)
    await server.start_server()
    try:
        token = LINK.search(answer).group(1)  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as http:
            url = server.make_url(f"/desk/signin/{token}")
            async with http.post(url, allow_redirects=False) as r:
                assert r.status == 303
                set_cookie = r.headers["Set-Cookie"]
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    finally:
        await server.close()
