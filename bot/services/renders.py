"""Files the outbox makes at send time: a render spec names a renderer, which makes the bytes.

An outbox row never holds a file's bytes. Its payload names a *render spec* – `{"render":
"chart.bars", "data": {…small JSON…}, "filename": "…"}` – and the sender, when the row's turn
comes, calls the renderer of that name and uploads what it returns (sendPhoto / sendDocument).
A crash before the send leaves the spec, which renders again; a spec that cannot be rendered
fails the row for good, like a send Telegram refused (`RenderFailed`).

Renderers:
- `chart.bars`: a bar chart PNG drawn from its data (`bot/services/charts.py`), cheap to redo.
- `file.stored`: a file a use case wrote under `LOUDAO_FILES_DIR` (an export too big or too
  slow to make again), read at send time; `data` is `{"path": "<relative path>"}`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bot import metrics
from bot.i18n import DEFAULT_LOCALE
from bot.services import charts
from bot.services.ports import PermanentFailure, Upload

CHART_BARS = "chart.bars"
FILE_STORED = "file.stored"
#: what `bot/services/outgoing.py` accepts to queue: the renderers every sender has
KNOWN = frozenset({CHART_BARS, FILE_STORED})
#: a spec's data is a description, not the file: this is plenty for any chart
MAX_SPEC_BYTES = 16 * 1024
#: the most Telegram takes as an upload: 10 MB for a photo, 50 MB for any other file
UPLOAD_LIMITS = {"send_photo": 10 * 1024 * 1024, "send_document": 50 * 1024 * 1024}
FILE_FIELDS = {"send_photo": "photo", "send_document": "document"}

Renderer = Callable[[Mapping[str, Any]], bytes]


@dataclass(frozen=True)
class RenderSpec:
    """What to make at send time: the renderer's name, its small JSON data, the file name."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    filename: str = "file"

    def payload(self) -> dict[str, Any]:
        """The outbox payload keys of this spec; ValueError if it is no small JSON."""
        if self.name not in KNOWN:
            raise ValueError(f"no renderer {self.name!r}; known: {sorted(KNOWN)}")
        size = len(json.dumps(self.data, ensure_ascii=False).encode())
        if size > MAX_SPEC_BYTES:
            raise ValueError(
                f"render data of {size} bytes: a spec describes the file, the renderer makes it"
            )
        if not self.filename or "/" in self.filename or "\\" in self.filename:
            raise ValueError(f"a file name, not a path: {self.filename!r}")
        return {"render": self.name, "data": self.data, "filename": self.filename}


class RenderFailed(PermanentFailure):
    """The file of an outbox row could not be made: the row fails for good."""


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    unit: str = "",
    compare: Sequence[float] | None = None,
    *,
    locale: str = DEFAULT_LOCALE,
    filename: str = "chart.png",
) -> RenderSpec:
    """The spec of a bar chart (see `charts.bars`), to queue with `outgoing.send_photo`."""
    data: dict[str, Any] = {
        "title": title,
        "bars": [[label, float(value)] for label, value in bars],
        "unit": unit,
        "locale": locale,
    }
    if compare is not None:
        data["compare"] = [float(value) for value in compare]
    return RenderSpec(CHART_BARS, data, filename)


def stored_file(path: str, filename: str) -> RenderSpec:
    """The spec of a file written under LOUDAO_FILES_DIR (`path` relative to it)."""
    return RenderSpec(FILE_STORED, {"path": path}, filename)


def render_bar_chart(data: Mapping[str, Any]) -> bytes:
    """Draw the chart a `chart.bars` spec describes."""
    compare = data.get("compare")
    return charts.bars(
        str(data["title"]),
        [(str(label), float(value)) for label, value in data["bars"]],
        unit=str(data.get("unit", "")),
        compare=[float(v) for v in compare] if compare is not None else None,
        locale=str(data.get("locale", DEFAULT_LOCALE)),
    )


class Renderers:
    """The registry the sender renders with: a name → a function of the spec's data."""

    def __init__(self, files_dir: Path | None = None) -> None:
        self._renderers: dict[str, Renderer] = {CHART_BARS: render_bar_chart}
        self.files_dir = files_dir
        if files_dir is not None:
            self._renderers[FILE_STORED] = self._read_stored

    def register(self, name: str, renderer: Renderer) -> None:
        """Add (or replace) the renderer of a name."""
        self._renderers[name] = renderer

    async def materialise(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with its render spec replaced by the file it describes (an `Upload`
        under "photo" or "document"); a payload without a spec is returned as it is."""
        if "render" not in payload:
            return payload
        out = dict(payload)
        name, data = str(out.pop("render")), out.pop("data", {})
        filename = str(out.pop("filename", "file"))
        field_name = FILE_FIELDS.get(method)
        renderer = self._renderers.get(name)
        if field_name is None or renderer is None:
            raise self._failed(name, f"no renderer {name!r} for {method}")
        started = time.perf_counter()
        try:
            content = await asyncio.to_thread(renderer, data)
        except RenderFailed as exc:
            raise self._failed(name, str(exc)) from exc
        except Exception as exc:  # a bad spec or a bug in the renderer: the row fails, loudly
            # (the type only: an exception's text may quote the spec's data into the log)
            raise self._failed(name, type(exc).__name__) from exc
        metrics.RENDER_SECONDS.observe(time.perf_counter() - started)
        if not content:
            raise self._failed(name, "rendered an empty file")
        if len(content) > UPLOAD_LIMITS[method]:
            raise self._failed(name, f"{len(content)} bytes: more than Telegram takes")
        out[field_name] = Upload(content, filename)
        return out

    @staticmethod
    def _failed(name: str, why: str) -> RenderFailed:
        metrics.RENDER_FAILED.labels(name if name in KNOWN else "other").inc()
        return RenderFailed(f"render {name} failed: {why}")

    def _read_stored(self, data: Mapping[str, Any]) -> bytes:
        """Read a stored file: a relative path inside the files folder, at most 50 MB."""
        assert self.files_dir is not None
        path = stored_path(self.files_dir, str(data["path"]))
        if not path.is_file():
            raise RenderFailed(f"no file {data['path']} in the files folder")
        if path.stat().st_size > UPLOAD_LIMITS["send_document"]:
            raise RenderFailed(f"{data['path']} is larger than Telegram's 50 MB")
        return path.read_bytes()


def stored_path(files_dir: Path, relative: str, *, make_folders: bool = False) -> Path:
    """Where a use case writes (`make_folders`) and the sender reads a stored file: `relative`
    inside the files folder; RenderFailed for an absolute path or one that leaves it."""
    parts = PurePosixPath(relative)
    if parts.is_absolute() or ".." in parts.parts or not parts.parts:
        raise RenderFailed(f"not a path inside the files folder: {relative}")
    path = files_dir.joinpath(*parts.parts)
    if make_folders:
        path.parent.mkdir(parents=True, exist_ok=True)
    return path
