"""The admin-written notices file (bot/demo/notices.yaml): one validated NoticeSpec per notice."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.domain.notices.schedule import QuietHours, ScheduleField
from bot.domain.notices.targets import Target
from bot.domain.notices.templates import TemplateLibrary, placeholders
from bot.yamlio import StrictModel, YamlDocument, parse_yaml

__all__ = ["NoticeSpec", "load_notices_text", "parse_notices"]

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class NoticeSpec(StrictModel):
    """One scheduled notice: which template, filled how, sent to whom, when."""

    id: str
    template: str
    variables: dict[str, str] = Field(default_factory=dict)
    target: Target
    schedule: ScheduleField
    pin: bool = False
    # true = the default 21:00–07:30; false = none; or {start: "22:00", end: "07:00"}
    quiet_hours: QuietHours | None = QuietHours()
    max_lateness_minutes: int | None = Field(default=None, gt=0)
    urgent: bool = False
    enabled: bool = True

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("use lower-case letters, digits, - or _ / 只能用小写字母、数字、-、_")
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_flag(cls, value: Any) -> Any:
        if value is True:
            return QuietHours()
        if value is False:
            return None
        return value

    @field_validator("variables", mode="before")
    @classmethod
    def _variable_strings(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: str(v) if isinstance(v, (int, float)) else v for k, v in value.items()}
        return value

    @property
    def max_lateness(self) -> timedelta | None:
        """Return the maximum lateness as a timedelta (None = no limit)."""
        if self.max_lateness_minutes is None:
            return None
        return timedelta(minutes=self.max_lateness_minutes)


def _check(doc: YamlDocument, notices: list[NoticeSpec], library: TemplateLibrary | None) -> None:
    errors: list[ConfigFileError] = []
    seen: set[str] = set()
    for index, notice in enumerate(notices):
        if notice.id in seen:
            errors.append(doc.error((index, "id"), f"duplicate id {notice.id!r} / id 重复"))
        seen.add(notice.id)
        if library is None:
            continue
        if notice.template not in library:
            errors.append(
                doc.error(
                    (index, "template"),
                    f"unknown template {notice.template!r}; known: {', '.join(library.keys())}"
                    " / 没有这个模板",
                )
            )
            continue
        template = library.get(notice.template)
        needed = set(placeholders(template.text_zh)) | set(placeholders(template.text_en))
        missing = sorted(needed - set(notice.variables))
        if missing:
            errors.append(
                doc.error(
                    (index, "variables"),
                    f"template {template.key!r} needs {', '.join(missing)} / 缺少变量",
                )
            )
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigFileErrors(errors)


_NOTICES = TypeAdapter(list[NoticeSpec])
_UNION_TAGS = {"once", "recurring"}


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # The schedule union adds its branch name to error paths; the YAML has no such key.
    out = list(loc)
    if len(out) > 2 and out[1] == "schedule" and out[2] in _UNION_TAGS:
        del out[2]
    return tuple(out)


def parse_notices(doc: YamlDocument, library: TemplateLibrary | None = None) -> list[NoticeSpec]:
    """Validate parsed notices; with a library, also check their templates and variables."""
    if doc.data is None:
        return []
    try:
        notices = _NOTICES.validate_python(doc.data)
    except ValidationError as exc:
        errors = [doc.error(_clean_loc(tuple(e["loc"])), e["msg"]) for e in exc.errors()]
        if len(errors) == 1:
            raise errors[0] from exc
        raise ConfigFileErrors(errors) from exc
    _check(doc, notices, library)
    return notices


def load_notices_text(
    text: str, library: TemplateLibrary | None = None, file: str = "<text>"
) -> list[NoticeSpec]:
    """Parse notices from YAML text (see parse_notices)."""
    return parse_notices(parse_yaml(text, file), library)
