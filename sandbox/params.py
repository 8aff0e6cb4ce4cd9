"""Read Bot API parameters (JSON, form or multipart) and validate texts and keyboards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.entities import Entity, utf16_len
from sandbox.html_check import HtmlParseError, describe, parse_html
from sandbox.models import JSON, ApiError, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_ACTION_FIELDS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "web_app",
    "callback_game",
    "pay",
)


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart/form-data part: its bytes, content type and file name."""

    data: bytes
    mime: str
    name: str | None


class Params:
    """One request's parameters, typed on access like Telegram does."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        """Collect parameters from the query string and a JSON, form or multipart body."""
        values: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.content_type == "application/json":
            body = await request.read()
            if body:
                try:
                    data = json.loads(body)
                except ValueError as exc:
                    raise bad_request("can't parse JSON object") from exc
                if isinstance(data, dict):
                    values.update(data)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    mime = value.content_type or "application/octet-stream"
                    files[key] = Upload(value.file.read(), mime, value.filename or None)
                else:
                    values[key] = value
        return cls(values, files)

    def has(self, name: str) -> bool:
        """Return whether the parameter was given (and is not empty)."""
        return self.values.get(name) not in (None, "") or name in self.files

    def text(self, name: str, required: bool = False) -> str | None:
        """Return a string parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, required: bool = False) -> int | None:
        """Return an integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def number(self, name: str, default: float) -> float:
        """Return a number parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def flag(self, name: str, default: bool = False) -> bool:
        """Return a boolean parameter ("true"/"false", 1/0 or JSON)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def obj(self, name: str) -> Any:
        """Return a JSON-serialised parameter (objects arrive as strings in forms)."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def chat_id(self) -> int:
        """Return chat_id; `@username` chats do not exist in the sandbox."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request("chat not found") from exc


def formatted_text(
    params: Params, field: str, limit: int, entities_field: str
) -> tuple[str, list[Entity]]:
    """Parse text or caption with its parse_mode and enforce the length limit."""
    raw = params.text(field) or ""
    parse_mode = (params.text("parse_mode") or "").lower()
    entities: list[Entity] = []
    if parse_mode == "html":
        try:
            text, entities = parse_html(raw)
        except HtmlParseError as exc:
            raise ApiError(400, describe(exc)) from exc
    else:
        # Markdown modes are passed through as plain text; the product uses HTML.
        text = raw
        given = params.obj(entities_field)
        if isinstance(given, list):
            entities = given
    text, entities = _trim(text, entities)
    if len(text) > limit:
        raise bad_request(
            "message is too long" if field == "text" else "message caption is too long"
        )
    return text, entities


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace and shift entities, as Telegram does before storing."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(size, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def reply_markup(params: Params) -> JSON | None:
    """Validate reply_markup; return it if it is an inline keyboard (the only kind shown)."""
    markup = params.obj("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None  # reply keyboards and force_reply are not stored on the message
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    clean_rows: list[list[JSON]] = []
    for row in rows:
        clean: list[JSON] = []
        for button in row:
            clean.append(_check_button(button))
        if clean:
            clean_rows.append(clean)
    return {"inline_keyboard": clean_rows}


def _check_button(button: Any) -> JSON:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in _ACTION_FIELDS if name in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = str(button["url"])
        if not url.startswith(("http://", "https://", "tg://")):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return {key: button[key] for key in ("text", *actions)}


def reply_to(params: Params) -> tuple[int | None, bool]:
    """Return (message id replied to, allow sending without reply)."""
    reply_parameters = params.obj("reply_parameters")
    if isinstance(reply_parameters, dict) and "message_id" in reply_parameters:
        allow = bool(reply_parameters.get("allow_sending_without_reply", False))
        return int(reply_parameters["message_id"]), allow
    return params.integer("reply_to_message_id"), params.flag("allow_sending_without_reply")
