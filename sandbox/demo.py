"""The demo community (阳光花园) as sandbox users and groups, for the page and tests."""

from __future__ import annotations

from sandbox.server import SandboxServer

# The demo community's people: (telegram id, name, username, role shown on the page).
STAFF = [
    (9001, "王主任", "wang9001", "管理员"),
    (9002, "李经理", "li9002", "主管"),
    (9003, "张师傅", "zhang9003", "水电维修(白班)"),
    (9008, "周师傅", "zhou9008", "水电维修(夜班)"),
    (9004, "刘师傅", "liu9004", "电工"),
    (9005, "陈阿姨", "chen9005", "保洁绿化"),
    (9006, "赵网格员", "zhao9006", "网格员 G1"),
    (9007, "孙网格员", "sun9007", "网格员 G2"),
    (9009, "吴阿姨", "wu9009", "3号楼楼长"),
]
BUILDINGS = ["1", "2", "3", "5", "6", "8", "65", "171"]
RESIDENT_NAMES = ["陈大爷", "李阿姨", "王奶奶", "刘先生", "赵女士", "孙大妈", "周老师", "吴叔叔"]


def building_chat_id(building: str) -> int:
    """Return the group chat id of a building (3 → -1001003)."""
    return -int(f"1001{int(building):03d}")


def resident_building(user_id: int) -> str:
    """Spread residents 201..230 over the buildings (201 → building 3, as in the examples)."""
    order = ["3", "1", "2", "5", "6", "8", "65", "171"]
    return order[(user_id - 201) % len(order)]


def seed_demo(srv: SandboxServer) -> None:
    """Add the demo community's staff, residents 201..230 and building groups."""
    for user_id, name, username, role in STAFF:
        srv.add_user(id=user_id, name=name, username=username, role=role)
    for user_id in range(201, 231):
        building = resident_building(user_id)
        name = f"{RESIDENT_NAMES[(user_id - 201) % len(RESIDENT_NAMES)]}{user_id}"
        srv.add_user(id=user_id, name=name, username=f"r{user_id}", role=f"{building}号楼住户")
    staff_ids = [s[0] for s in STAFF]
    for building in BUILDINGS:
        residents = [u for u in range(201, 231) if resident_building(u) == building]
        members = [9001, *residents, *(s for s in staff_ids if s != 9001)]
        srv.add_chat(
            id=building_chat_id(building),
            title=f"阳光花园{building}号楼业主群",
            type="supergroup",
            members=members,
            admins=[9001, 9002],
            bot_admin=True,
        )
    srv.add_chat(
        id=-1001000,
        title="阳光花园全体业主群",
        type="supergroup",
        members=[9001, *range(201, 231), *(s for s in staff_ids if s != 9001)],
        admins=[9001, 9002],
        bot_admin=True,
    )
