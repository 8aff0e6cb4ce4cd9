"""The bar chart is a real PNG of phone size, with bars where the figures put them and Chinese
that is drawn, not tofu boxes."""

from __future__ import annotations

import io

from PIL import Image

from bot.services import charts
from bot.services.charts import BACKGROUND, BAR, BAR_BEFORE, HEIGHT, MARGIN, WIDTH, font


def picture(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def colours(image: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    """Every colour in a box of the picture."""
    found = image.crop(box).getcolors(maxcolors=1_000_000)
    assert found is not None
    return {colour for _, colour in found}  # type: ignore[misc]


def row_middle(index: int, rows: int) -> int:
    return int(charts.PLOT_TOP + (HEIGHT - MARGIN - charts.PLOT_TOP) / rows * (index + 0.5))


BAR_START = MARGIN + charts.LABEL_WIDTH + 16
FULL = WIDTH - MARGIN - charts.VALUE_WIDTH  # where the longest bar ends


def test_a_chart_is_a_phone_sized_png_with_each_bar_as_long_as_its_figure() -> None:
    image = picture(charts.bars("本周报修（件）", [("3号楼", 10), ("5号楼", 4)], unit="件"))
    assert image.size == (WIDTH, HEIGHT) == (900, 500)
    first, second = row_middle(0, 2), row_middle(1, 2)
    assert image.getpixel((BAR_START + 5, first)) == BAR
    assert image.getpixel((FULL - 5, first)) == BAR  # the biggest figure: the whole width
    forty_percent = BAR_START + int((FULL - BAR_START) * 0.4)
    assert image.getpixel((forty_percent - 5, second)) == BAR
    assert image.getpixel((forty_percent + 30, second)) != BAR  # 4 of 10: it stops at 40%
    # the labels are drawn left of the bars
    assert colours(image, (MARGIN, first - 12, BAR_START - 10, first + 12)) != {BACKGROUND}


def test_the_previous_period_is_a_paler_bar_under_each_row() -> None:
    image = picture(charts.bars("报修", [("水电", 6), ("电梯", 3)], compare=[3, 6]))
    thickness = min(40.0, (HEIGHT - MARGIN - charts.PLOT_TOP) / 2 * 0.62)
    below = int(row_middle(1, 2) + thickness * 0.4)  # in the lower part of the row's band
    assert image.getpixel((FULL - 5, below)) == BAR_BEFORE  # last period's 6 of 6
    assert BAR_BEFORE in colours(image, (WIDTH - 260, MARGIN, WIDTH - MARGIN, MARGIN + 24))


def test_chinese_glyphs_are_drawn_not_missing_glyph_boxes() -> None:
    face = font(22)
    missing = face.getmask("\uf8ff")  # a private-use code point: the font's missing-glyph box
    for character in "楼暂无数据报修":
        glyph = face.getmask(character)
        assert glyph.getbbox() is not None, character
        assert (glyph.size, bytes(glyph)) != (missing.size, bytes(missing)), character
    # 楼 and 数 differ: each character has a glyph of its own
    assert bytes(face.getmask("楼")) != bytes(face.getmask("数"))


def test_long_labels_are_shortened_with_an_ellipsis() -> None:
    face = font(22)
    label = "阳光花园小区三期东区十二号楼二单元"
    short = charts.fit(label, charts.LABEL_WIDTH, face)
    assert short.endswith("…") and label.startswith(short[:-1])
    assert face.getlength(short) <= charts.LABEL_WIDTH
    assert charts.fit("3号楼", charts.LABEL_WIDTH, face) == "3号楼"
    charts.bars("热点", [(label, 5)])  # draws, the label cut to its column


def test_no_rows_or_only_zeros_draw_a_chart_that_says_no_data() -> None:
    empty = picture(charts.bars("上月报修", []))
    zeros = picture(charts.bars("上月报修", [("3号楼", 0), ("5号楼", 0)]))
    for image in (empty, zeros):
        assert BAR not in colours(image, (0, 0, WIDTH, HEIGHT))
        middle = (HEIGHT + charts.PLOT_TOP) // 2
        assert colours(image, (WIDTH // 2 - 80, middle - 20, WIDTH // 2 + 80, middle + 20)) != {
            BACKGROUND
        }
    assert empty.tobytes() == zeros.tobytes()


def test_figures_read_as_people_write_them() -> None:
    assert charts.figure_text(12, "件") == "12 件"
    assert charts.figure_text(94.53, "%") == "94.5%"
    assert charts.figure_text(3.0, "") == "3"
