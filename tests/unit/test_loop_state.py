"""A loop's outage is logged as an error once, however its error class changes meanwhile."""

from __future__ import annotations

import logging

import pytest

from bot.services.loops import LoopState


def test_one_outage_is_one_error_line_even_when_the_error_changes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = iter(float(n) for n in range(100))
    loop = LoopState("dispatcher", monotonic=lambda: next(clock))
    with caplog.at_level(logging.INFO, logger="bot.services.loops"):
        for reason in ("ConnectionResetError", "ConnectionError", "ConnectionResetError"):
            loop.failed(reason)
        loop.ok()
        loop.failed("TimeoutError")  # a new outage is logged again
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "dispatcher failing: ConnectionResetError (trying again with back-off)",
        "dispatcher failing: TimeoutError (trying again with back-off)",
    ]
    notes = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert notes == [
        "dispatcher: the error is now ConnectionError",
        "dispatcher: the error is now ConnectionResetError",
    ]
    assert loop.error == "TimeoutError"
