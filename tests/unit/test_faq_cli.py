"""`loudao faq ask` prints an answer, suggestions or nothing, as text or JSON lines."""

import json
from pathlib import Path

from bot.cli.faq import ask_lines


def test_json_lines_one_per_question() -> None:
    lines = ask_lines(["访客停车怎么收费", "我家厨房漏水了"], None, True)
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["decision"] == "answer" and first["id"] == "visitor-parking"
    assert second == {"decision": "none", "id": None, "candidates": []}


def test_human_readable_shows_the_answer_text() -> None:
    text = "\n".join(ask_lines(["燃气公司电话多少"], None, False))
    assert "gas-hotline" in text and "021-5555-0120" in text


def test_a_given_file_is_used(tmp_path: Path) -> None:
    kb = tmp_path / "faq.yaml"
    kb.write_text("- id: wifi\n  questions: [无线网密码是多少]\n  answer: 密码贴在门口\n", "utf-8")
    (line,) = ask_lines(["无线网密码多少"], str(kb), True)
    assert json.loads(line)["id"] == "wifi"
