"""The guided flows' typed drafts: read from and written to their stored JSON in one place."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

__all__ = ["DraftCodec"]

log = logging.getLogger(__name__)

D = TypeVar("D")


class DraftCodec(Generic[D]):
    """Turn a flow's stored draft (its columns and its JSON) into a frozen dataclass and back.

    Reading is lenient so that a draft stored by an earlier release is still continued: keys the
    dataclass does not know are dropped, missing ones take their defaults, and values are
    coerced where pydantic's lax mode can ("7" for 7). Writing leaves defaults out, which is
    the shape the untyped drafts were stored in, so a release rolled back still reads them.
    """

    def __init__(self, kind: type[D], columns: Iterable[str]) -> None:
        self._kind = kind.__name__
        self._adapter: TypeAdapter[D] = TypeAdapter(kind)
        self._columns = frozenset(columns)

    def load(self, data: Mapping[str, Any], **columns: Any) -> D | None:
        """Read a stored draft; None (logged) when it cannot be read, so it counts as expired."""
        if set(columns) != self._columns:
            raise TypeError(f"{self._kind}: columns {sorted(columns)} != {sorted(self._columns)}")
        try:
            # the columns win over any same-named key a JSON might carry
            return self._adapter.validate_python({**data, **columns})
        except ValidationError as exc:
            log.warning("unreadable %s %s: %s", self._kind, columns, exc)
            return None

    def dump(self, draft: D) -> dict[str, Any]:
        """Return the JSON to store: the columns apart, values at their default left out."""
        dumped: dict[str, Any] = self._adapter.dump_python(
            draft, mode="json", exclude=set(self._columns), exclude_defaults=True
        )
        return dumped
