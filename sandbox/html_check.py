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
    return _Parser(text).run()


class _Parser:
    """One pass over the text: characters and entities out, tags onto a stack."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0
        self.out: list[str] = []
        self.out_len = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def run(self) -> tuple[str, list[Entity]]:
        text = self.text
        while self.i < self.n:
            char = text[self.i]
            if char == "&":
                piece, self.i = _decode_entity(text, self.i)
                self._emit(piece)
            elif char != "<":
                self._emit(char)
                self.i += 1
            elif self.i + 1 < self.n and text[self.i + 1] == "/":
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        entities = _merge_pre_code(self.entities)
        entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), entities

    def _emit(self, piece: str) -> None:
        self.out.append(piece)
        self.out_len += utf16_len(piece)

    def _error(self, message: str, begin: int) -> HtmlParseError:
        return HtmlParseError(f"{message} at byte offset {_byte_offset(self.text, begin)}")

    def _name(self) -> str:
        """Read a tag or attribute name at the cursor (possibly empty), lower-cased."""
        j = self.i
        while j < self.n and self.text[j].lower() in _NAME_CHARS:
            j += 1
        name = self.text[self.i : j].lower()
        self.i = j
        return name

    def _skip_space(self) -> None:
        while self.i < self.n and self.text[self.i].isspace():
            self.i += 1

    def _end_tag(self) -> None:
        begin = self.i
        self.i += 2  # "</"
        name = self._name()
        self._skip_space()
        if not self.stack:
            raise self._error("Unexpected end tag", begin)
        if self.i >= self.n or self.text[self.i] != ">":
            raise self._error("Unclosed end tag", begin)
        self.i += 1
        expected = self.stack[-1].tag
        if name and name != expected:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {_byte_offset(self.text, begin)}, "
                f'expected "</{expected}>", found "</{name}>"'
            )
        opened = self.stack.pop()
        length = self.out_len - opened.start
        inside_pre = any(o.tag == "pre" for o in self.stack)
        entity = _entity_for(opened, length, inside_pre)
        if entity is not None and length > 0:
            self.entities.append(entity)

    def _start_tag(self) -> None:
        begin = self.i
        self.i += 1  # "<"
        name = self._name()
        if name not in _TAG_TYPES:
            raise self._error(f'Unsupported start tag "{name}"', begin)
        attrs = self._attributes(name, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self._error('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_Open(name, self.out_len, attrs))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        """Read attributes up to and including the tag's closing '>'."""
        attrs: dict[str, str] = {}
        while True:
            self._skip_space()
            if self.i >= self.n:
                raise self._error("Unclosed start tag", begin)
            if self.text[self.i] == ">":
                self.i += 1
                return attrs
            attr = self._name()
            if not attr:
                raise self._error(f'Empty attribute name in the tag "{tag}"', begin)
            self._skip_space()
            if self.i < self.n and self.text[self.i] != "=":
                attrs[attr] = ""  # a bare attribute such as `expandable`
                continue
            self.i += 1
            self._skip_space()
            if self.i >= self.n:
                raise self._error("Unclosed start tag", begin)
            attrs[attr], self.i = _read_attr_value(self.text, self.i, self.n)


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
