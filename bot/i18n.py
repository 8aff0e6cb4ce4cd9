"""Message catalogues (zh_CN default, en) and rendering with HTML-escaped parameters."""

from __future__ import annotations

import html
import logging
from functools import cache
from typing import Any

import yaml

from bot.resources import builtin_file

log = logging.getLogger(__name__)
TEXTS_DIR = builtin_file("bot", "texts")
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


class Raw(str):
    """A parameter that is already safe HTML (our own markup); it is not escaped again."""

    __slots__ = ()


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = str(node).rstrip("\n")


@cache
def catalogue(locale: str) -> dict[str, str]:
    """Load one language's texts (every texts/<locale>/*.yaml, one per feature) as a flat map."""
    out: dict[str, str] = {}
    folder = TEXTS_DIR / locale
    files = folder.iterdir() if folder.is_dir() else iter(())  # an unknown locale has no texts
    for path in sorted((f for f in files if f.name.endswith(".yaml")), key=lambda f: f.name):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        part: dict[str, str] = {}
        _flatten("", data, part)
        clash = set(part) & set(out)
        if clash:
            raise ValueError(f"{path}: text keys defined twice: {sorted(clash)[:5]}")
        out.update(part)
    return out


def pick_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Choose a catalogue from a Telegram user's language_code."""
    if not language_code:
        return default
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


def t(locale: str, key: str, /, **params: Any) -> str:
    """Render `key` in `locale`; parameters are HTML-escaped unless they are Raw."""
    return _render(locale, key, params, escape=True)


def plain(locale: str, key: str, /, **params: Any) -> str:
    """Render `key` in `locale` as plain text (JSON, calendars): nothing is escaped."""
    return _render(locale, key, params, escape=False)


def _render(locale: str, key: str, params: dict[str, Any], escape: bool) -> str:
    template = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE).get(key)
    if template is None:
        template = catalogue(DEFAULT_LOCALE).get(key)
        if template is None:
            log.warning("missing text %s", key)
            return key
    safe = {
        k: v if isinstance(v, Raw) or not escape else html.escape(str(v), quote=False)
        for k, v in params.items()
    }
    try:
        return template.format(**safe)
    except (KeyError, IndexError) as exc:
        log.warning("text %s misses parameter %s", key, exc)
        return template


def has(locale: str, key: str) -> bool:
    return key in catalogue(locale)
