"""Parse Telegram's HTML parse mode into plain text and entities, refusing what Telegram refuses.

Modelled on TDLib's `parse_html`: only Telegram's tags are allowed, every start tag needs its
end tag, and errors name the byte offset like the real server does.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from sandbox.entities import Entity, utf16_len

_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message matches Telegram's wording."""


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """Decode one `&...;` entity at i; a bare ampersand stays as it is."""
    end = text.find(";", i, i + 12)
    if end != -1:
        candidate = text[i : end + 1]
        decoded = html.unescape(candidate)
        if decoded != candidate:
            return decoded, end + 1
    return "&", i + 1


def _read_attr_value(text: str, i: int, n: int) -> tuple[str, int]:
    if text[i] in "'\"":
        quote = text[i]
        end = text.find(quote, i + 1)
        if end == -1:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        return html.unescape(text[i + 1 : end]), end + 1
    j = i
    while j < n and (text[j].isalnum() or text[j] in "-_.:/?=&#%"):
        j += 1
    return text[i:j], j


def _entity_for(opened: _Open, length: int, inside_pre: bool) -> Entity | None:
    kind = _TAG_TYPES[opened.tag]
    entity: Entity = {"type": kind, "offset": opened.start, "length": length}
    if kind == "text_link":
        url = opened.attrs.get("href", "")
        if not url:
            return None
        entity["url"] = url
    elif kind == "code" and inside_pre:
        language = opened.attrs.get("class", "")
        if not language.startswith("language-"):
            return None  # a plain <code> inside <pre> adds nothing
        entity["type"] = "pre"
        entity["language"] = language[len("language-") :]
    elif kind == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    return entity


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Return (plain text, entities) for Telegram-HTML text or raise HtmlParseError."""
    out: list[str] = []
    out_len = 0
    stack: list[_Open] = []
    entities: list[Entity] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            piece, i = _decode_entity(text, i)
            out.append(piece)
            out_len += utf16_len(piece)
            continue
        if char != "<":
            out.append(char)
            out_len += utf16_len(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            i += 1
            j = i
            while j < n and text[j].lower() in _NAME_CHARS:
                j += 1
            name = text[i:j].lower()
            i = j
            while i < n and text[i].isspace():
                i += 1
            if not stack:
                raise HtmlParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, begin)}"
                )
            if i >= n or text[i] != ">":
                raise HtmlParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(text, begin)}"
                )
            i += 1
            expected = stack[-1].tag
            if name and name != expected:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{expected}>", found "</{name}>"'
                )
            opened = stack.pop()
            length = out_len - opened.start
            inside_pre = any(o.tag == "pre" for o in stack)
            entity = _entity_for(opened, length, inside_pre)
            if entity is not None and length > 0:
                entities.append(entity)
            continue
        j = i
        while j < n and text[j].lower() in _NAME_CHARS:
            j += 1
        name = text[i:j].lower()
        if name not in _TAG_TYPES:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}'
            )
        i = j
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            if text[i] == ">":
                i += 1
                break
            j = i
            while j < n and text[j].lower() in _NAME_CHARS:
                j += 1
            attr = text[i:j].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            i = j
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] != "=":
                attrs[attr] = ""  # a bare attribute such as `expandable`
                continue
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            attrs[attr], i = _read_attr_value(text, i, n)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        stack.append(_Open(name, out_len, attrs))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities = _merge_pre_code(entities)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _merge_pre_code(entities: list[Entity]) -> list[Entity]:
    """`<pre><code class="language-x">` is one `pre` entity with a language, as on Telegram."""
    result: list[Entity] = []
    for entity in entities:
        if (
            entity["type"] == "pre"
            and "language" not in entity
            and result
            and result[-1]["type"] == "pre"
            and result[-1]["offset"] == entity["offset"]
            and result[-1]["length"] == entity["length"]
        ):
            continue
        result.append(entity)
    return result


def describe(error: HtmlParseError) -> str:
    """Return the full Bot API description for an HTML parse error."""
    return f"Bad Request: can't parse entities: {error}"
