"""Ticket categories are data (the intake rules file defines them); this checks codes against them.

Models that name a category (staff skills, override rules, labelled messages) are validated
with the known codes in the pydantic validation context under CATEGORIES, which the edge
that reads the file passes (bot.registry_file, bot.intake_files). Without that context only
the form of a code is checked: the rules file itself is where the codes come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationInfo

#: the validation-context key that holds the known category codes
CATEGORIES = "categories"
#: the longest code (the tickets table keeps this many characters)
CATEGORY_CHARS = 32
#: the kind of a ticket that hands a resident's question to staff; intake never picks it
QUESTION_CATEGORY = "question"


def context(codes: Sequence[str]) -> dict[str, Any]:
    """Return the validation context that makes models check codes against `codes`."""
    return {CATEGORIES: tuple(codes)}


def check_known(codes: Iterable[str], info: ValidationInfo) -> None:
    """Refuse the first code that is not a known category, listing the known ones."""
    known: Sequence[str] | None = (info.context or {}).get(CATEGORIES)
    if known is None:
        return
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(unknown_category(unknown[0], known))


def unknown_category(code: str, known: Sequence[str]) -> str:
    """Return the message for a code that is not a known category."""
    return f"unknown category {code!r}; known: {', '.join(known)}"


def _known(code: str, info: ValidationInfo) -> str:
    check_known((code,), info)
    return code


#: a category code as it may be defined: lower-case letters, digits and _, e.g. water_leak
CategoryCode = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=CATEGORY_CHARS)
]
#: a category code that must be one the validation context knows
Category = Annotated[CategoryCode, AfterValidator(_known)]


def ticket_categories(report_menu: Sequence[str]) -> tuple[str, ...]:
    """Return every kind a ticket can have: the rules' categories in menu order, then questions."""
    return (*report_menu, QUESTION_CATEGORY)
