"""Open311 GeoReport v2 from a real database through the real aiohttp routes: every response
matches the specification's field list (tests/data/open311_georeport_v2.yaml, taken from the
spec's examples), the filters work, errors come in the spec's format, and nothing personal –
the resident's words, room, phone or name – ever appears."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import service_kinds
from bot.domain.clock import FakeClock
from bot.domain.tickets import Action, NewTicket, Ticket
from bot.domain.tickets.changes import deadlines, handed_to
from bot.registry_file import read_registry
from bot.services.open311.desk import Open311Desk
from bot.services.registry import load_registry
from bot.services.tickets.core import change
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from web.open311 import open311_routes

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "bot" / "demo" / "community.yaml"
SPEC = yaml.safe_load((ROOT / "tests" / "data" / "open311_georeport_v2.yaml").read_text("utf-8"))
STAFF = 9004
ROOM, PHONE, NAME = "1502", "13912345678", "陈大爷"
PRIVATE_TEXT = f"3号楼2单元{ROOM}门口灯坏了，我是{NAME}，电话{PHONE}"


def _type_ok(kind: str, value: Any, allowed: list[str] | None) -> bool:
    if kind == "null":
        return value is None
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "enum":
        return value in (allowed or [])
    if kind == "w3c":  # ISO 8601 with Z or an offset (the spec's W3C subset)
        if not isinstance(value, str) or "T" not in value:
            return False
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    raise AssertionError(kind)


def spec_problems(kind: str, item: dict[str, Any]) -> list[str]:
    """What in one response object the spec's field list does not allow."""
    spec = SPEC[kind]
    fields: dict[str, list[str]] = spec["fields"]
    problems = [f"unknown field {k}" for k in item if k not in fields]
    problems += [f"missing {k}" for k in spec["required"] if k not in item]
    for key, value in item.items():
        kinds = fields.get(key, [])
        allowed = spec.get("enum", {}).get(key)
        if key in fields and not any(_type_ok(k, value, allowed) for k in kinds):
            problems.append(f"{key}={value!r} is not {kinds}")
    return problems


def test_the_field_list_accepts_the_specifications_own_examples() -> None:
    examples = SPEC["examples"]
    assert all(spec_problems("service", s) == [] for s in examples["services"])
    assert all(spec_problems("request", r) == [] for r in examples["requests"])
    assert all(spec_problems("error", e) == [] for e in examples["errors"])
    # and refuses what is not GeoReport
    assert spec_problems("request", {**examples["requests"][0], "room": "1502"})
    assert spec_problems("request", {**examples["requests"][0], "status": "resolved"})


def _new(
    community_id: int, key: str, building: str | None = "3", category: str = "lighting"
) -> NewTicket:
    return NewTicket(
        community_id=community_id, source_key=key, source="mention", category=category,
        level=2, building=building, unit="2", room=ROOM, phone=PHONE, text=PRIVATE_TEXT,
        chat_id=-1001003, message_id=10, reporter_id=201, reporter_name=NAME,
    )  # fmt: skip


async def _step(
    tx: SqlUnitOfWork, t: Ticket, action: Action, clock: FakeClock, **kw: Any
) -> Ticket:
    return await change(
        tx, t, action, clock.now(), actor=STAFF, update_id=None, locale="zh_CN", **kw
    )


@pytest.fixture
async def tickets(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> dict[str, Ticket]:
    """Three tickets: A-0001 accepted (due in 5 days), A-0002 closed, A-0003 a water leak
    opened 100 days ago (outside the default window)."""
    await load_registry(uow, read_registry(DEMO), clock)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        cid = community.id
        old = await tx.tickets.create(
            _new(cid, "u:0", "5", "water_leak"), clock.now() - timedelta(days=100)
        )
        clock.advance(hours=1)
        accepted = await tx.tickets.create(_new(cid, "u:1"), clock.now())
        due = clock.now() + timedelta(days=5)
        accepted = await tx.tickets.update(accepted.id, deadlines(None, due, {}), clock.now())
        accepted = await _step(
            tx, accepted, Action.ASSIGN, clock, changes=handed_to(STAFF, "刘师傅")
        )
        accepted = await _step(tx, accepted, Action.ACCEPT, clock)
        clock.advance(hours=1)
        closed = await tx.tickets.create(_new(cid, "u:2", None, "sanitation"), clock.now())
        closed = await _step(tx, closed, Action.ASSIGN, clock, changes=handed_to(STAFF, "刘师傅"))
        closed = await _step(tx, closed, Action.RESOLVE, clock)
        clock.advance(hours=1)
        closed = await _step(tx, closed, Action.CONFIRM, clock)
        await tx.commit()
    return {"accepted": accepted, "closed": closed, "old": old}


async def _client(desk: Open311Desk) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    open311_routes(desk)(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def http(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tickets: dict[str, Ticket]
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async for client in _client(Open311Desk(uow, clock, service_kinds())):
        yield client


async def get(
    http: TestClient[web.Request, web.Application], path: str, **query: str
) -> tuple[int, Any]:
    response = await http.get(f"/open311/v2/{path}", params=query)
    return response.status, json.loads(await response.text())


async def test_services_are_the_ticket_categories_in_chinese(
    http: TestClient[web.Request, web.Application],
) -> None:
    status, services = await get(http, "services.json", jurisdiction_id="A")
    assert status == 200
    assert [spec_problems("service", s) for s in services] == [[]] * len(services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["lighting"]["service_name"] == "照明灯具"
    assert by_code["gas"]["type"] == "realtime" and by_code["gas"]["metadata"] is False
    assert "question" in by_code and len(services) == 21


async def test_requests_are_public_service_requests_without_personal_data(
    http: TestClient[web.Request, web.Application], tickets: dict[str, Ticket]
) -> None:
    status, found = await get(http, "requests.json", jurisdiction_id="A")
    assert status == 200
    assert [spec_problems("request", r) for r in found] == [[], []]
    assert [r["service_request_id"] for r in found] == ["A-0003", "A-0002"]  # newest first
    closed, accepted = found
    assert accepted == {
        "service_request_id": "A-0002",
        "status": "open",
        "status_notes": "工作人员已接单",
        "service_name": "照明灯具",
        "service_code": "lighting",
        "description": "3号楼：照明灯具",
        "agency_responsible": "阳光花园物业服务中心",
        "service_notice": None,
        "requested_datetime": "2026-12-01T11:00:00+08:00",
        "updated_datetime": accepted["updated_datetime"],
        "expected_datetime": "2026-12-06T11:00:00+08:00",
        "address": "阳光花园 3号楼",
    }
    assert closed["status"] == "closed" and closed["status_notes"] == "已办结"
    assert closed["updated_datetime"] == "2026-12-01T13:00:00+08:00"  # when it was closed
    assert closed["address"] == "阳光花园" and "lat" not in closed
    text = json.dumps(found, ensure_ascii=False)
    for secret in (ROOM, PHONE, NAME, PRIVATE_TEXT, "2单元", "刘师傅"):
        assert secret not in text


async def test_one_request_and_its_404(http: TestClient[web.Request, web.Application]) -> None:
    status, found = await get(http, "requests/A-0002.json", jurisdiction_id="A")
    assert status == 200 and [r["service_request_id"] for r in found] == ["A-0002"]
    status, lowercase = await get(http, "requests/a-0002.json", jurisdiction_id="A")
    assert lowercase == found
    status, error = await get(http, "requests/A-0999.json", jurisdiction_id="A")
    assert status == 404 and [spec_problems("error", e) for e in error] == [[]]
    assert error[0]["code"] == 404 and "A-0999" in error[0]["description"]


async def test_the_filters_of_get_requests(http: TestClient[web.Request, web.Application]) -> None:
    async def ids(**query: str) -> list[str]:
        status, found = await get(http, "requests.json", jurisdiction_id="A", **query)
        assert status == 200, found
        return [r["service_request_id"] for r in found]

    assert await ids(status="open") == ["A-0002"]
    assert await ids(status="closed") == ["A-0003"]
    assert await ids(status="open,closed") == ["A-0003", "A-0002"]
    assert await ids(service_code="sanitation") == ["A-0003"]
    assert await ids(service_code="lighting,water_leak") == ["A-0002"]
    # the ticket of 100 days ago is outside the default 90 days, but a window can reach it
    assert await ids(start_date="2026-08-01T00:00:00+08:00", end_date="2026-10-01T00:00:00Z") == [
        "A-0001"
    ]
    assert await ids(end_date="2026-12-01T10:30:00+08:00") == []
    assert await ids(start_date="2026-12-01T11:30:00+08:00") == ["A-0003"]
    # service_request_id overrides every other filter
    assert await ids(service_request_id="A-0001,A-0003", status="open") == ["A-0003", "A-0001"]


async def test_bad_filters_and_unknown_communities_get_the_spec_error_format(
    http: TestClient[web.Request, web.Application],
) -> None:
    cases = [
        ({"jurisdiction_id": "A", "status": "resolved"}, 400),
        ({"jurisdiction_id": "A", "start_date": "yesterday"}, 400),
        ({"jurisdiction_id": "A", "start_date": "2026-12-01T00:00:00"}, 400),  # no offset
        (
            {
                "jurisdiction_id": "A",
                "start_date": "2026-01-01T00:00:00Z",
                "end_date": "2026-06-01T00:00:00Z",
            },
            400,
        ),
        ({"jurisdiction_id": "NOPE"}, 404),
        ({}, 400),
    ]
    for query, code in cases:
        status, error = await get(http, "requests.json", **query)
        assert (status, [spec_problems("error", e) for e in error]) == (code, [[]]), query
        assert error[0]["code"] == code
    status, error = await get(http, "services.json", jurisdiction_id="NOPE")
    assert status == 404 and error[0]["code"] == 404 and "NOPE" in error[0]["description"]


async def test_an_api_key_is_required_once_keys_are_set(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tickets: dict[str, Ticket]
) -> None:
    async for http in _client(Open311Desk(uow, clock, service_kinds(), ("k-street", "k-12345"))):
        for query in ({}, {"api_key": "wrong"}):
            status, error = await get(http, "requests.json", jurisdiction_id="A", **query)
            assert status == 403 and [spec_problems("error", e) for e in error] == [[]]
            assert error[0]["code"] == 403
        status, found = await get(http, "requests.json", jurisdiction_id="A", api_key="k-12345")
        assert status == 200 and len(found) == 2


async def test_building_coordinates_from_the_community_file(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tickets: dict[str, Ticket], tmp_path: Path
) -> None:
    text = DEMO.read_text("utf-8").replace(
        '{number: "3", grid: G1,', '{number: "3", location: [30.2741, 120.1551], grid: G1,'
    )
    placed = tmp_path / "community.yaml"
    placed.write_text(text, "utf-8")
    await load_registry(uow, read_registry(placed), clock)
    async for http in _client(Open311Desk(uow, clock, service_kinds())):
        _, found = await get(http, "requests/A-0002.json", jurisdiction_id="A")
        assert (found[0]["lat"], found[0]["long"]) == (30.2741, 120.1551)
        assert spec_problems("request", found[0]) == []


async def test_the_same_answers_in_xml_the_specs_required_format(
    http: TestClient[web.Request, web.Application],
) -> None:
    from xml.etree import ElementTree

    response = await http.get("/open311/v2/requests.xml", params={"jurisdiction_id": "A"})
    assert response.status == 200 and response.content_type == "text/xml"
    text = await response.text()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(text.split("\n", 1)[1])
    _, as_json = await get(http, "requests.json", jurisdiction_id="A")
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root] == ["A-0003", "A-0002"]
    assert [child.tag for child in root[1]] == list(as_json[1])  # the same fields, in order
    assert (
        root[1].findtext("status_notes") == "工作人员已接单"
        and root[1].findtext("service_notice") == ""
    )
    services = ElementTree.fromstring(
        (
            await (
                await http.get("/open311/v2/services.xml", params={"jurisdiction_id": "A"})
            ).text()
        ).split("\n", 1)[1]
    )
    assert services.tag == "services" and services[0].findtext("metadata") == "false"
    missing = await http.get("/open311/v2/requests/A-0999.xml", params={"jurisdiction_id": "A"})
    error = ElementTree.fromstring((await missing.text()).split("\n", 1)[1])
    assert missing.status == 404 and error.tag == "errors" and error[0].findtext("code") == "404"
    assert (
        await http.get("/open311/v2/requests.csv", params={"jurisdiction_id": "A"})
    ).status == 404
