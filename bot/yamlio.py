"""Load admin-written YAML into pydantic models with errors naming file, line and field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.domain.errors import ConfigFileError, ConfigFileErrors

T = TypeVar("T")

Loc = tuple[int | str, ...]


# libyaml's parser when PyYAML has it (it does on every wheel we ship): a district's community
# file of 16,000 groups is parsed in about a second instead of twenty
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that remembers the line of every mapping key and sequence item.

    Integers are decimal only: YAML 1.1 reads `010` as 8 (octal), `08` as text and `17:00` as
    1020 (base 60), so unit 010, room 0801 or a time written unquoted stayed as written
    nowhere. Here anything with a leading zero, a colon or a base prefix stays the text it is.
    """


_DECIMAL = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_INT = "tag:yaml.org,2002:int"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, _DECIMAL if tag == _INT else regexp) for tag, regexp in resolvers]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _collect_lines(node: yaml.Node, path: Loc, lines: dict[Loc, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _collect_lines(value_node, (*path, key), lines)
            # keep the key's own line for the field itself (more useful than the value's)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), lines)


class YamlDocument:
    """Parsed YAML data plus the line number of every path in it.

    The lines are found when first asked for (an error to report): a valid file – a district's
    community file has hundreds of thousands of nodes – is parsed once, into data only."""

    def __init__(
        self, file: str, data: Any, lines: dict[Loc, int] | None = None, text: str | None = None
    ) -> None:
        self.file = file
        self.data = data
        self._lines = lines
        self._text = text

    @property
    def lines(self) -> dict[Loc, int]:
        if self._lines is None:
            self._lines = {}
            node = yaml.compose(self._text or "", Loader=_LineLoader)
            if node is not None:
                _collect_lines(node, (), self._lines)
        return self._lines

    def line_of(self, loc: Sequence[int | str]) -> int | None:
        """Return the line of the deepest known prefix of `loc`."""
        # Compare as text: pydantic reports an integer mapping key (`2:`) as the number 2.
        lines = {tuple(str(p) for p in k): v for k, v in self.lines.items()}
        path = tuple(str(p) for p in loc)
        while path:
            if path in lines:
                return lines[path]
            path = path[:-1]
        return lines.get(())

    def error(self, loc: Sequence[int | str], message: str) -> ConfigFileError:
        """Build an error for the field at `loc`."""
        return ConfigFileError(self.file, self.line_of(loc), _field_name(loc), message)


def _field_name(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


def parse_yaml(text: str, file: str = "<text>") -> YamlDocument:
    """Parse YAML text, raising ConfigFileError with the line of a syntax error."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader: plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigFileError(file, line, "(syntax)", str(exc.problem or exc)) from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(file, None, "(syntax)", str(exc)) from exc
    except ValueError as exc:  # PyYAML's date constructor, e.g. for 2027-13-01
        line, path = _bad_scalar(yaml.compose(text, Loader=_LineLoader), ())
        raise ConfigFileError(file, line, _field_name(path), str(exc)) from exc
    return YamlDocument(file, data, None if data is not None else {}, text)


def _bad_scalar(node: yaml.Node | None, path: Loc) -> tuple[int | None, Loc]:
    """Find the first scalar that cannot be constructed (an impossible date): line and path."""
    if isinstance(node, yaml.ScalarNode):
        try:
            _LineLoader("").construct_object(node)
        except ValueError:
            return node.start_mark.line + 1, path
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line, found = _bad_scalar(value_node, (*path, key))
            if line is not None:
                return line, found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            line, found = _bad_scalar(item, (*path, index))
            if line is not None:
                return line, found
    return None, path


def read_yaml(path: str | Traversable) -> YamlDocument:
    """Read and parse a YAML file; a missing or unreadable file is a ConfigFileError."""
    p = Path(path) if isinstance(path, str) else path
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigFileError(str(p), None, "(file)", "file not found / 文件不存在") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(str(p), None, "(file)", str(exc)) from exc
    return parse_yaml(text, str(p))


def validate(doc: YamlDocument, model: type[T], context: dict[str, Any] | None = None) -> T:
    """Validate parsed YAML against a pydantic model or type; all errors at once."""
    try:
        return TypeAdapter(model).validate_python(doc.data, context=context)
    except ValidationError as exc:
        details = exc.errors()
        # A bad item also makes its list "too short" when the list has a minimum; keep the cause.
        deeper = [tuple(d["loc"]) for d in details]
        details = [
            d
            for d in details
            if not (
                d["type"] == "too_short"
                and any(
                    len(o) > len(d["loc"]) and o[: len(d["loc"])] == tuple(d["loc"])
                    for o in deeper
                )
            )
        ]
        errors = [doc.error(d["loc"], d["msg"].removeprefix("Value error, ")) for d in details]
        if len(errors) == 1:
            raise errors[0] from exc
        raise ConfigFileErrors(errors) from exc


def raise_problems(doc: YamlDocument, problems: Sequence[tuple[Loc, str]]) -> None:
    """Raise the (location, message) problems found in a validated document, with their lines."""
    errors = [doc.error(loc, message) for loc, message in problems]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigFileErrors(errors)


def load_model(
    path: str | Traversable, model: type[T], context: dict[str, Any] | None = None
) -> T:
    """Read a YAML file and validate it as `model`."""
    return validate(read_yaml(path), model, context)


def load_model_text(
    text: str, model: type[T], file: str = "<text>", context: dict[str, Any] | None = None
) -> T:
    """Parse YAML text and validate it as `model`."""
    return validate(parse_yaml(text, file), model, context)


class StrictModel(BaseModel):
    """Base for admin-written YAML models: unknown fields are errors, not silently ignored."""

    model_config = {"extra": "forbid", "frozen": True}
