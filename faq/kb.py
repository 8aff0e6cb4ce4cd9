"""The FAQ knowledge-base file: a YAML list of entries, validated with file/line/field errors."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, Field, StringConstraints

from bot.domain.errors import ConfigFileError, ConfigFileErrors
from bot.yamlio import StrictModel, YamlDocument, parse_yaml, read_yaml, validate


def _number_to_str(value: Any) -> Any:
    # Admins write `buildings: [3, 5]`; building numbers are strings everywhere else.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
BuildingNo = Annotated[Text, BeforeValidator(_number_to_str)]
ENTRY_ID_CHARS = 64  # the longest entry id
ENTRY_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{ENTRY_ID_CHARS - 1}}}$"
ENTRY_ID = re.compile(ENTRY_ID_PATTERN)
EntryId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=ENTRY_ID_PATTERN),
]


class Scope(StrictModel):
    """Who an entry is for; no scope means the whole community."""

    buildings: tuple[BuildingNo, ...] = Field(min_length=1)


class FaqEntry(StrictModel):
    """One frequent question: its phrasings, the answer, and optional hints and limits."""

    id: EntryId
    questions: tuple[Text, ...] = Field(min_length=1)
    answer: Text
    keywords: tuple[Text, ...] = ()
    tags: tuple[Text, ...] = ()
    scope: Scope | None = None
    valid_until: date | None = None

    def applies_to(self, building: str | None) -> bool:
        """Return whether the entry is meant for an asker in `building` (None = unknown)."""
        if self.scope is None or building is None:
            return True
        return building in self.scope.buildings

    def valid_on(self, today: date | None) -> bool:
        """Return whether the entry is still valid on `today` (None = do not check)."""
        return self.valid_until is None or today is None or today <= self.valid_until


class KnowledgeBase:
    """The validated entries of one community's FAQ file, in file order."""

    def __init__(self, entries: Sequence[FaqEntry], file: str = "<text>") -> None:
        self.file = file
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self._by_id = {entry.id: entry for entry in self.entries}
        if len(self._by_id) != len(self.entries):
            raise ValueError("duplicate FAQ entry ids")

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[FaqEntry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str) -> FaqEntry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    @property
    def ids(self) -> list[str]:
        """Return the entry ids in file order."""
        return [entry.id for entry in self.entries]


def _from_document(doc: YamlDocument) -> KnowledgeBase:
    if doc.data is None:  # an empty file is an empty knowledge base
        return KnowledgeBase([], doc.file)
    entries = validate(doc, list[FaqEntry])
    errors: list[ConfigFileError] = []
    first_seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.id in first_seen:
            first_line = doc.line_of((first_seen[entry.id], "id"))
            errors.append(
                doc.error(
                    (index, "id"),
                    f"duplicate id {entry.id!r} (first used on line {first_line}) / "
                    f"条目编号 {entry.id!r} 重复（第 {first_line} 行已用过）",
                )
            )
        else:
            first_seen[entry.id] = index
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigFileErrors(errors)
    return KnowledgeBase(entries, doc.file)


def load_kb(path: str | Path) -> KnowledgeBase:
    """Read and validate a knowledge-base YAML file."""
    return _from_document(read_yaml(path))


def load_kb_text(text: str, file: str = "<text>") -> KnowledgeBase:
    """Validate knowledge-base YAML given as text (e.g. uploaded by an admin)."""
    return _from_document(parse_yaml(text, file))


class _KbDumper(yaml.SafeDumper):
    """Writes multi-line answers as `|` blocks, as an admin would."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_KbDumper.add_representer(str, _str_representer)


def dump_kb(entries: Sequence[FaqEntry]) -> str:
    """Write entries as knowledge-base YAML that `load_kb` reads back to the same entries."""
    data: list[dict[str, Any]] = []
    for entry in entries:
        item = entry.model_dump(mode="json", exclude_defaults=True)
        if entry.valid_until is not None:
            item["valid_until"] = entry.valid_until  # a YAML date, not a quoted string
        data.append(item)
    if not data:
        return "[]\n"
    return yaml.dump(data, Dumper=_KbDumper, allow_unicode=True, sort_keys=False, width=1000)
