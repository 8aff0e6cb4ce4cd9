"""One error hierarchy for everything a user can get wrong; each carries a message key."""

from __future__ import annotations

from typing import Any


class LoudaoError(Exception):
    """A refusal the user should hear about politely; `key` names a catalogue text."""

    key: str = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params: dict[str, Any] = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class NotFound(LoudaoError):
    key = "error.not_found"


class UnknownBuilding(LoudaoError):
    key = "error.unknown_building"


class UnknownUnit(LoudaoError):
    key = "error.unknown_unit"


class NoUnits(LoudaoError):
    """A unit of a building whose units the community file does not list."""

    key = "error.no_units"


class NotAllowed(LoudaoError):
    key = "error.not_allowed"


class InvalidInput(LoudaoError):
    key = "error.invalid_input"


class InvalidTransition(LoudaoError):
    key = "error.invalid_transition"


class ConfigFileError(LoudaoError):
    """A YAML file an admin wrote is wrong: names the file, the line and the field."""

    key = "error.config_file"

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(self.key, file=file, line=line, field=field, message=message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}"


class ConfigFileErrors(LoudaoError):
    """Several problems found in one file at once, so the admin can fix them in one go."""

    key = "error.config_file"

    def __init__(self, errors: list[ConfigFileError]) -> None:
        self.errors = errors
        super().__init__(self.key, count=len(errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
