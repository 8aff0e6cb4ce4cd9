"""A sandbox restarted on a bot's old database goes on numbering updates after the last one the
bot stored, as Telegram does – otherwise the bot takes the first new messages for repeats."""

from __future__ import annotations

from collections import Counter

from sandbox.updates import Faults, UpdateQueue


def test_update_ids_continue_after_the_last_one_stored() -> None:
    queue = UpdateQueue(Faults(), Counter())
    queue.continue_after(100_007)
    assert queue.push("message", {"text": "a"}) == 100_008
    queue.continue_after(5)  # never backwards
    assert queue.push("message", {"text": "b"}) == 100_009
