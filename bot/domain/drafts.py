"""The guided flows' typed drafts: read from and written to their stored records in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import TypeAdapter, ValidationError

__all__ = ["DraftCodec"]

log = logging.getLogger(__name__)


class _Stored(Protocol):
    """A stored draft: columns as fields, and the rest as JSON in `data`."""

    @property
    def data(self) -> Mapping[str, Any]: ...


D = TypeVar("D")
R = TypeVar("R", bound=_Stored)


class DraftCodec(Generic[D, R]):
    """Turn a flow's stored draft record into a frozen dataclass of typed fields, and back.

    The record's fields other than `data` are its columns; the typed draft has fields of the
    same names for them, and one field a JSON key for the rest. Reading is lenient so that a
    draft stored by an earlier release is still continued: keys the draft does not know are
    dropped, missing ones take their defaults, and values are coerced where pydantic's lax
    mode can ("7" for 7). Writing leaves values at their default out, which is the shape the
    untyped drafts were stored in, so a release rolled back still reads what this one wrote.
    """

    def __init__(self, kind: type[D], stored: type[R]) -> None:
        self._kind = kind.__name__
        self._make: Callable[..., R] = stored
        if not (is_dataclass(stored) and is_dataclass(kind)):
            raise TypeError("a draft and its record are dataclasses")
        self._columns: tuple[str, ...] = tuple(f.name for f in fields(stored) if f.name != "data")
        missing = set(self._columns) - {f.name for f in fields(kind)}
        if missing:
            raise TypeError(f"{self._kind} lacks the columns {sorted(missing)}")
        self._adapter: TypeAdapter[D] = TypeAdapter(kind)

    def load(self, record: R) -> D | None:
        """Read a stored draft; None (logged) when it cannot be read, so it counts as expired."""
        columns = {name: getattr(record, name) for name in self._columns}
        try:
            # the columns win over any same-named key a JSON might carry
            return self._adapter.validate_python({**record.data, **columns})
        except ValidationError as exc:
            # where and why only: the values may be a resident's words
            why = [
                (e["loc"], e["msg"]) for e in exc.errors(include_url=False, include_input=False)
            ]
            log.warning("unreadable %s %s: %s", self._kind, columns, why)
            return None

    def store(self, draft: D) -> R:
        """Return the record to store: the columns, and the JSON without values at default."""
        data = self._adapter.dump_python(
            draft, mode="json", exclude=set(self._columns), exclude_defaults=True
        )
        return self._make(data=data, **{name: getattr(draft, name) for name in self._columns})
