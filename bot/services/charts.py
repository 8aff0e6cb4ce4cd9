"""Charts as PNG pictures for the chat: a horizontal bar chart with Chinese labels.

Drawn with Pillow in the OFL font Noto Sans SC (shipped by the `pylopdf-fonts-zh-cn` package),
offline; about 900×500 so it is readable on a phone. Titles and labels are plain text, not
HTML. The words the chart itself adds (「暂无数据」, the legend) come from the catalogue.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from functools import cache

import pylopdf_fonts_zh_cn
from PIL import Image, ImageDraw, ImageFont

from bot import i18n

WIDTH, HEIGHT = 900, 500
MARGIN = 24
MAX_ROWS = 10  # more rows than this are not readable on a phone: the first ten are drawn
LABEL_WIDTH = 210  # the label column; longer labels are shortened with 「…」
VALUE_WIDTH = 120  # room right of the longest bar for its figure
PLOT_TOP = 84
BACKGROUND = (255, 255, 255)
INK = (34, 34, 34)
MUTED = (120, 120, 120)
BAR = (47, 111, 222)
BAR_BEFORE = (185, 205, 243)  # the previous period: the same hue, paler
ELLIPSIS = "…"

Font = ImageFont.FreeTypeFont
# the sender draws in worker threads; one FreeType face is not meant to be shared between
# threads at once, so charts are drawn one at a time (some 50 ms each)
_DRAWING = threading.Lock()


@cache
def font(size: int) -> Font:
    """Noto Sans SC at `size` pixels (loaded once per size)."""
    return ImageFont.truetype(str(pylopdf_fonts_zh_cn.sans_path()), size)


def bars(
    title: str,
    bars: Sequence[tuple[str, float]],
    unit: str = "",
    compare: Sequence[float] | None = None,
    *,
    locale: str = i18n.DEFAULT_LOCALE,
) -> bytes:
    """Draw a horizontal bar chart as PNG bytes; `compare` adds a paler bar per row (the
    previous period). No rows, or only zeros, draw a chart that says there is no data yet."""
    rows = list(bars)[:MAX_ROWS]
    before = list(compare)[: len(rows)] if compare is not None else None
    if before is not None and len(before) != len(rows):
        raise ValueError("compare needs one value per bar")
    with _DRAWING:
        return _draw(title, rows, before, unit, locale)


def _draw(
    title: str,
    rows: list[tuple[str, float]],
    before: list[float] | None,
    unit: str,
    locale: str,
) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), fit(title, WIDTH - 2 * MARGIN - 200, font(30)), INK, font(30))
    highest = max([v for _, v in rows] + (before or []) + [0.0])
    if highest <= 0:
        _empty(draw, locale)
    else:
        if before is not None:
            _legend(draw, locale)
        _rows(draw, rows, before, highest, unit)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _rows(
    draw: ImageDraw.ImageDraw,
    rows: list[tuple[str, float]],
    before: list[float] | None,
    highest: float,
    unit: str,
) -> None:
    """One row per bar: its label, its bar (and the previous period's under it), its figure."""
    row_height = (HEIGHT - MARGIN - PLOT_TOP) / len(rows)
    thickness = min(40.0, row_height * 0.62)
    label_font = font(max(14, min(22, int(row_height * 0.5))))
    x0 = MARGIN + LABEL_WIDTH + 16
    scale = (WIDTH - MARGIN - VALUE_WIDTH - x0) / highest
    for index, (label, value) in enumerate(rows):
        middle = PLOT_TOP + row_height * (index + 0.5)
        text = fit(label, LABEL_WIDTH, label_font)
        draw.text((MARGIN + LABEL_WIDTH, middle), text, INK, label_font, anchor="rm")
        now_height = thickness if before is None else thickness * 0.6
        top = middle - thickness / 2
        length = max(0.0, value) * scale
        if length >= 1:
            draw.rectangle((x0, top, x0 + length, top + now_height), fill=BAR)
        if before is not None:
            past = max(0.0, before[index]) * scale
            if past >= 1:
                draw.rectangle((x0, top + now_height, x0 + past, top + thickness), fill=BAR_BEFORE)
        figure = figure_text(value, unit)
        draw.text((x0 + length + 8, top + now_height / 2), figure, INK, label_font, anchor="lm")


def _empty(draw: ImageDraw.ImageDraw, locale: str) -> None:
    middle = (WIDTH / 2, (PLOT_TOP + HEIGHT) / 2)
    draw.text(middle, i18n.t(locale, "charts.empty"), MUTED, font(36), anchor="mm")


def _legend(draw: ImageDraw.ImageDraw, locale: str) -> None:
    """Two swatches top right: this period (strong) and the previous one (pale)."""
    small = font(18)
    x = WIDTH - MARGIN
    for colour, key in ((BAR_BEFORE, "charts.previous"), (BAR, "charts.current")):
        word = i18n.t(locale, key)
        x -= int(small.getlength(word))
        draw.text((x, MARGIN + 12), word, MUTED, small, anchor="lm")
        x -= 22
        draw.rectangle((x, MARGIN + 4, x + 16, MARGIN + 20), fill=colour)
        x -= 16


def fit(text: str, width: float, face: Font) -> str:
    """The text, shortened with 「…」 until it is at most `width` pixels wide."""
    text = " ".join(text.split())
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def figure_text(value: float, unit: str) -> str:
    """A figure as people read it: whole numbers without decimals, else one decimal."""
    number = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if not unit:
        return number
    return f"{number}{unit}" if unit in ("%", "‰") else f"{number} {unit}"
