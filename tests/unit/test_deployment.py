"""The deployment files start a real service: Docker is not on this machine, so what compose
and the Dockerfile promise is read from them and checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.registry_file import read_registry

ROOT = Path(__file__).resolve().parents[2]


def bot_service() -> dict[str, object]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    service: dict[str, object] = compose["services"]["bot"]
    return service


def test_compose_mounts_a_config_folder_that_holds_the_community_file() -> None:
    service = bot_service()
    env = service["environment"]
    assert isinstance(env, dict)
    mounts = [str(v).split(":") for v in service["volumes"]]  # type: ignore[attr-defined]
    folders = {inside: outside for outside, inside, *_ in mounts}
    community = Path(env["LOUDAO_COMMUNITY_FILE"])
    assert str(community.parent) in folders  # a folder, so the files it names are there too
    assert str(community) not in folders  # not the single file that crash-looped


def test_loudao_init_writes_a_folder_whose_community_file_loads_whole(tmp_path: Path) -> None:
    config = tmp_path / "config"
    assert main(["init", str(config)]) == 0
    registry = read_registry(config / "community.yaml")
    community = registry.communities[0]
    for named in (community.notices_file, community.faq_file):
        assert named is not None and (config / named).is_file()
    assert main(["load", "--check", str(config / "community.yaml")]) == 0
    assert main(["init", str(config)]) == 1  # never overwrites what an admin edited


def test_the_health_checks_ask_healthz_on_the_default_port() -> None:
    check = " ".join(bot_service()["healthcheck"]["test"])  # type: ignore[index]
    assert "http://127.0.0.1:8080/healthz" in check
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^HEALTHCHECK .*\n?.*127\.0\.0\.1:8080/healthz", dockerfile, re.M)
    from bot.config import Settings

    defaults = Settings()
    assert (defaults.http_listen, defaults.http_port) == ("127.0.0.1", 8080)


def test_the_image_runs_loudao_as_pid_1_after_the_migrations() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (.*)$", dockerfile, re.M)
    assert cmd is not None and "loudao db upgrade && exec loudao run" in cmd.group(1)
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M))
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages - {"tests", "benchmarks"} <= copied  # every package reaches the image


def test_docker_stop_reaches_loudao_and_leaves_it_time_to_drain() -> None:
    service = bot_service()
    assert service["init"] is True  # tini forwards SIGTERM; loudao stops cleanly (exit 0)
    grace = str(service["stop_grace_period"])
    assert grace.endswith("s") and int(grace[:-1]) > 10  # loudao's drain takes up to 10 s


def test_the_image_never_takes_the_token_or_residents_data() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for secret in (".env", "data/", "backups/", "config/", "*.sqlite3", "*.dump", ".git", ".venv"):
        assert secret in ignored, secret
    gitignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    for secret in (".env", "/backups/", "*.dump", "/config/"):
        assert secret in gitignored, secret


def test_postgres_is_healthy_only_when_it_answers_over_tcp() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    check = " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "pg_isready -h 127.0.0.1" in check


def test_a_database_that_does_not_answer_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOUDAO_DATABASE_URL", "postgresql+asyncpg://loudao@127.0.0.1:9/loudao")
    assert main(["db", "current"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot connect:") and "Traceback" not in err


def test_files_queued_for_the_outbox_live_on_a_volume_the_bot_can_write() -> None:
    from bot.config import Settings

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    workdir = re.search(r"^WORKDIR (\S+)$", dockerfile, re.M)
    assert workdir is not None
    files_dir = str(Path(workdir.group(1)) / Settings().files_dir)
    mounts = [str(v).split(":") for v in bot_service()["volumes"]]  # type: ignore[attr-defined]
    assert files_dir in {inside for _, inside, *_ in mounts}  # an export outlives the container
    # made in the image and owned by the bot's user, so the new volume is the bot's to write
    assert re.search(rf"mkdir -p {files_dir} && chown -R loudao", dockerfile)
