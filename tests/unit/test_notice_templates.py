"""The built-in template library and safe rendering for HTML parse mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.errors import ConfigFileError, InvalidInput, NotFound
from bot.domain.notices.templates import placeholders, render
from bot.notice_files import load_templates

REQUIRED = [
    "fire_safety",
    "ebike_flying_wire",
    "typhoon",
    "flood_season",
    "heat",
    "cold_snap",
    "anti_fraud",
    "gas_safety",
    "holiday_safety",
    "garbage_sorting",
    "water_cut",
    "power_cut",
    "gas_cut",
    "lift_maintenance",
    "outage_reminder",
    "service_restored",
]

WATER = {
    "buildings": "65号楼",
    "start": "今天 23:00",
    "end": "明天 02:00",
    "reason": "主管道抢修",
    "contact": "物业服务中心",
}


def test_library_has_every_topic_in_both_languages() -> None:
    lib = load_templates()
    for key in REQUIRED:
        template = lib.get(key)
        assert template.text_zh and template.text_en and template.title_zh and template.title_en
        assert set(placeholders(template.text_zh)) == set(template.variables)
        assert set(placeholders(template.text_en)) == set(template.variables)


def test_built_in_texts_are_short_enough_for_a_group_message() -> None:
    lib = load_templates()
    for key in lib:
        assert len(lib.get(key).text_zh) <= 200, key


def test_outage_and_reminder_templates_are_urgent_reminders_are_not() -> None:
    lib = load_templates()
    assert lib.get("water_cut").urgent and lib.get("outage_reminder").urgent
    assert not lib.get("fire_safety").urgent


def test_render_chinese_with_title() -> None:
    text = render(load_templates().get("water_cut"), "zh_CN", WATER)
    assert text.startswith("<b>停水通知</b>\n")
    assert "因主管道抢修，65号楼将于 今天 23:00 至 明天 02:00 停水" in text


def test_render_english() -> None:
    text = render(load_templates().get("water_cut"), "en", WATER, title=False)
    assert text.startswith("Dear neighbours: because of 主管道抢修")


def test_render_escapes_html_in_values() -> None:
    values = {**WATER, "reason": "<b>爆管</b> & 抢修"}
    text = render(load_templates().get("water_cut"), "zh", values)
    assert "&lt;b&gt;爆管&lt;/b&gt; &amp; 抢修" in text
    assert "<b>爆管" not in text


def test_render_fails_clearly_on_a_missing_variable() -> None:
    values = {k: v for k, v in WATER.items() if k != "contact"}
    with pytest.raises(InvalidInput) as info:
        render(load_templates().get("water_cut"), "zh", values)
    assert info.value.key == "notice.missing_variable"
    assert info.value.params == {"template": "water_cut", "variable": "contact"}


def test_unknown_template_is_not_found() -> None:
    with pytest.raises(NotFound):
        load_templates().get("no_such_template")


def test_a_community_file_overrides_and_adds(tmp_path: Path) -> None:
    override = tmp_path / "templates.yaml"
    override.write_text(
        "fire_safety:\n"
        "  title_zh: 消防提醒\n  title_en: Fire\n"
        "  text_zh: 请注意防火。\n  text_en: Mind fire.\n"
        "parking:\n"
        "  title_zh: 停车提醒\n  title_en: Parking\n  variables: [place]\n"
        "  text_zh: 请把车停到{place}。\n  text_en: Please park at {place}.\n",
        encoding="utf-8",
    )
    lib = load_templates(override)
    assert render(lib.get("fire_safety"), "zh", {}, title=False) == "请注意防火。"
    assert (
        render(lib.get("parking"), "zh", {"place": "地面车位"}, title=False)
        == "请把车停到地面车位。"
    )
    assert "anti_fraud" in lib


def test_a_template_whose_text_and_variables_disagree_names_the_line(tmp_path: Path) -> None:
    override = tmp_path / "templates.yaml"
    override.write_text(
        "parking:\n"
        "  title_zh: 停车提醒\n  title_en: Parking\n  variables: []\n"
        "  text_zh: 请把车停到{place}。\n  text_en: Please park.\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError) as info:
        load_templates(override)
    assert info.value.line == 5
    assert info.value.field == "parking.text_zh"


def test_the_domain_checks_templates_it_is_given_as_text() -> None:
    from bot.domain.notices.templates import parse_templates
    from bot.yamlio import parse_yaml

    text = (
        "parking:\n"
        "  title_zh: 停车提醒\n  title_en: Parking\n  variables: [place]\n"
        "  text_zh: 请把车停到{place}。\n  text_en: Please park at {place}.\n"
    )
    (key,) = parse_templates(parse_yaml(text, "mine.yaml"))
    assert key == "parking"
    with pytest.raises(ConfigFileError) as info:
        parse_templates(parse_yaml(text.replace("at {place}", "here"), "mine.yaml"))
    assert (info.value.file, info.value.line, info.value.field) == (
        "mine.yaml",
        6,
        "parking.text_en",
    )
