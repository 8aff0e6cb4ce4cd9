"""How sure intake is that a message nobody addressed to the bot is a repair report.

A group message that does not mention the bot is offered a ticket only when rules and model
agree: the blended answer is an everyday report of a named kind, and the learned model (its
`Reading`) reads a report with high probability and the same kind. The blend's own policy is
untouched; this only reads what it already computed.

The threshold was chosen on out-of-fold probabilities (benchmarks/intake_offer_cv.py: five
folds over the training sets, the held-out round never read): at 0.9, 51% of the 537 everyday
reports would be offered and none of the 207 questions, notices and chit-chat (at 0.85: one).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.intake.classify import REPORT, Classification
from bot.domain.intake.rules import OTHER_CATEGORY


@dataclass(frozen=True)
class OfferPolicy:
    #: the model's probability that the message is a report, from which it is offered
    report_sure: float = 0.9


def sure_report(c: Classification, policy: OfferPolicy = OfferPolicy()) -> bool:
    """Tell whether an unaddressed message reads as an everyday report with high confidence."""
    r = c.reading
    if r is None or c.intent != REPORT or c.level == 1 or c.category == OTHER_CATEGORY:
        return False
    return r.intent == REPORT and r.intent_p >= policy.report_sure and r.category == c.category
