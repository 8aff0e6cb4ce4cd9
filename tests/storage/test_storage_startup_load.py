"""Start-up validates the whole configuration before applying any of it: a bad FAQ or notices
file next to an edited community file stops start-up with the database as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.bootstrap import build_services, load_community_file
from bot.config import Settings
from bot.domain.clock import FakeClock
from bot.domain.errors import ConfigFileError, ConfigFileErrors
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import DEMO_COMMUNITY


def config(tmp_path: Path) -> Path:
    """A copy of the demo community file and its FAQ and notices files."""
    for name in ("community.yaml", "faq.yaml", "notices.yaml"):
        shutil.copy(DEMO_COMMUNITY.parent / name, tmp_path / name)
    return tmp_path / "community.yaml"


@pytest.mark.parametrize(
    ("broken", "mistake"),
    [("faq.yaml", "- q: [unclosed\n"), ("notices.yaml", "- id: fire\n  template: nope\n")],
)
async def test_a_bad_faq_or_notices_file_stops_start_up_before_the_community_file_is_applied(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path, broken: str, mistake: str
) -> None:
    path = config(tmp_path)
    use_cases = build_services(Settings(), uow, clock)
    await load_community_file(use_cases, path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 阳光花园", "name: 阳光花园二期", 1), encoding="utf-8")
    (tmp_path / broken).write_text(mistake, encoding="utf-8")
    with pytest.raises((ConfigFileError, ConfigFileErrors)):
        await load_community_file(use_cases, path)
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
    assert community is not None and community.name == "阳光花园"


async def test_loading_an_unchanged_configuration_again_updates_nothing(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = config(tmp_path)
    notices = tmp_path / "notices.yaml"
    text = notices.read_text(encoding="utf-8")
    aimed = text.replace("target:\n    community: true", 'target:\n    buildings: ["3", "5"]', 1)
    assert aimed != text
    notices.write_text(aimed, encoding="utf-8")  # a notice for a list of buildings
    use_cases = build_services(Settings(), uow, clock)
    await load_community_file(use_cases, path)
    async with uow() as tx:
        audits = await tx.audit.count()
    clock.advance(days=1)
    await load_community_file(use_cases, path)  # the next start-up
    async with uow() as tx:
        assert await tx.audit.count() == audits  # nothing loaded, so nothing audited
