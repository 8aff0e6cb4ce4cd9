"""Every text exists in both languages with the same parameters, and parameters are escaped."""

from __future__ import annotations

import re

from bot import i18n

PARAM = re.compile(r"{(\w+)}")


def test_both_catalogues_have_the_same_keys() -> None:
    zh, en = i18n.catalogue("zh_CN"), i18n.catalogue("en")
    assert set(zh) == set(en), set(zh) ^ set(en)


def test_translations_use_the_same_parameters() -> None:
    zh, en = i18n.catalogue("zh_CN"), i18n.catalogue("en")
    for key, text in zh.items():
        assert set(PARAM.findall(text)) == set(PARAM.findall(en[key])), key


def test_user_text_is_escaped_but_our_markup_is_not() -> None:
    text = i18n.t("zh_CN", "bind.ok", community="<script>", what=i18n.Raw("<b>3号楼</b>"))
    assert "&lt;script&gt;" in text and "<b>3号楼</b>" in text


def test_language_follows_the_telegram_user() -> None:
    assert i18n.pick_locale("zh-hans") == "zh_CN"
    assert i18n.pick_locale("en-GB") == "en"
    assert i18n.pick_locale("de") == "zh_CN"
    assert i18n.pick_locale(None, "en") == "en"
