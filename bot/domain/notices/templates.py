"""The notice template library: texts for residents in two languages, checked, rendered safely.

The built-in templates (templates.yaml next to this module) and a community's overrides are read
by bot.notice_files; this module only checks and renders what it is given.
"""

from __future__ import annotations

import html
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pydantic import Field

from bot.domain.errors import ConfigFileError, ConfigFileErrors, InvalidInput, NotFound
from bot.yamlio import StrictModel, YamlDocument, validate

__all__ = [
    "Template",
    "TemplateLibrary",
    "parse_templates",
    "placeholders",
    "render",
]

_FORMATTER = string.Formatter()


class TemplateSpec(StrictModel):
    """One template as an admin writes it in YAML."""

    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    text_zh: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    variables: tuple[str, ...] = ()
    urgent: bool = False


@dataclass(frozen=True)
class Template:
    """A ready notice text in Chinese and English with named {variables}."""

    key: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    variables: tuple[str, ...]
    urgent: bool = False


def placeholders(text: str) -> list[str]:
    """List the {names} used in a template text, in order; raise ValueError on bad syntax."""
    names: list[str] = []
    for _literal, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name like {{start}}")
        if name not in names:
            names.append(name)
    return names


class TemplateLibrary:
    """Templates by key."""

    def __init__(self, templates: Mapping[str, Template]) -> None:
        self._templates = dict(templates)

    def get(self, key: str) -> Template:
        """Return the template named `key`; NotFound if there is none."""
        try:
            return self._templates[key]
        except KeyError:
            raise NotFound("notice.unknown_template", template=key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._templates

    def keys(self) -> list[str]:
        """Return all template keys, sorted."""
        return sorted(self._templates)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._templates)


def parse_templates(doc: YamlDocument) -> dict[str, Template]:
    """Validate a templates file: every text uses exactly the variables it lists, titles none."""
    specs = validate(doc, dict[str, TemplateSpec])
    out: dict[str, Template] = {}
    errors: list[ConfigFileError] = []
    for key, spec in specs.items():
        for field in ("text_zh", "text_en", "title_zh", "title_en"):
            try:
                used = placeholders(getattr(spec, field))
            except ValueError as exc:
                errors.append(doc.error((key, field), str(exc)))
                continue
            if field.startswith("title") and used:
                errors.append(
                    doc.error((key, field), "titles cannot have variables / 标题不能含变量")
                )
            elif field.startswith("text") and set(used) != set(spec.variables):
                errors.append(
                    doc.error(
                        (key, field),
                        f"uses {sorted(used)} but variables lists {sorted(spec.variables)}"
                        " / 正文里的变量与 variables 不一致",
                    )
                )
        out[key] = Template(
            key=key,
            title_zh=spec.title_zh.strip(),
            title_en=spec.title_en.strip(),
            text_zh=spec.text_zh.strip(),
            text_en=spec.text_en.strip(),
            variables=spec.variables,
            urgent=spec.urgent,
        )
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigFileErrors(errors)
    return out


def _is_english(locale: str) -> bool:
    return locale.lower().replace("-", "_").split("_")[0] == "en"


def render(
    template: Template, locale: str, variables: Mapping[str, str], *, title: bool = True
) -> str:
    """Fill a template for HTML parse mode: values are escaped; a missing one is an error."""
    english = _is_english(locale)
    text = template.text_en if english else template.text_zh
    missing = [name for name in placeholders(text) if name not in variables]
    if missing:
        raise InvalidInput(
            "notice.missing_variable", template=template.key, variable=", ".join(missing)
        )
    parts: list[str] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(html.escape(str(variables[name]), quote=False))
    body = "".join(parts)
    if not title:
        return body
    heading = template.title_en if english else template.title_zh
    return f"<b>{html.escape(heading, quote=False)}</b>\n{body}"
