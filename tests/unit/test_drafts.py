"""The one codec of the flows' drafts: record columns and JSON in, a typed draft out, and back."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.domain.drafts import DraftCodec


@dataclass(frozen=True)
class Record:
    id: int
    data: dict[str, Any]
    status: str = "open"


@dataclass(frozen=True)
class Typed:
    id: int
    status: str = "open"
    words: str = ""
    tags: tuple[str, ...] = field(default=())


CODEC = DraftCodec(Typed, Record)


def test_columns_come_from_the_record_and_win_over_the_json() -> None:
    typed = CODEC.load(Record(3, {"id": 99, "status": "x", "words": "hi", "old": 1}, "done"))
    assert typed == Typed(3, "done", "hi")
    assert CODEC.store(typed) == Record(3, {"words": "hi"}, "done")
    assert CODEC.store(Typed(4)) == Record(4, {}, "open")


def test_a_draft_without_a_column_of_its_record_is_refused() -> None:
    @dataclass(frozen=True)
    class NoStatus:
        id: int

    with pytest.raises(TypeError, match="status"):
        DraftCodec(NoStatus, Record)


def test_an_unreadable_draft_is_none_and_its_words_stay_out_of_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert CODEC.load(Record(3, {"words": ["13912345678"]})) is None
    assert "unreadable Typed" in caplog.text and "words" in caplog.text
    assert "13912345678" not in caplog.text
