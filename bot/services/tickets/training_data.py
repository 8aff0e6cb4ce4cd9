"""Staff corrections as training data: `loudao corrections` writes every ticket whose level or
category staff corrected as a line of the labelled intake set (tests/data/intake_messages.yaml
layout), so the rules can be tuned on real traffic. Texts are scrubbed of phones and rooms."""

from __future__ import annotations

import json

from bot.domain.tickets import Ticket, scrub
from bot.services.ports import TicketUnitOfWorkFactory


async def corrections_yaml(uow: TicketUnitOfWorkFactory, code: str | None) -> str:
    """The corrected tickets of a community as labelled YAML lines (see the module doc)."""
    async with uow() as tx:
        communities = [c for c in await tx.registry.communities() if code in (None, c.code)]
        if len(communities) != 1:
            known = ", ".join(c.code for c in await tx.registry.communities()) or "none loaded"
            raise LookupError(f"choose one community with --code (known: {known})")
        community = communities[0]
        corrected = await tx.tickets.corrected(community.id)
    lines = [
        f"# Staff corrections of intake in {community.name} ({community.code}): "
        f"{len(corrected)} tickets.",
        "# Labels are what staff set with /level and /kind; texts are scrubbed of phones and",
        "# rooms. Check each line, then add it to the labelled set and tune the rules.",
        "messages:",
    ]
    for ticket, at in corrected:
        lines.append(f"# {ticket.number}, corrected {at.date().isoformat()}")
        lines.append("- " + _flow(ticket))
    return "\n".join(lines) + "\n"


def _flow(ticket: Ticket) -> str:
    fields: dict[str, object] = {
        "text": scrub(ticket.text, ticket.room),
        "intent": "report",
        "category": ticket.category,
        "level": ticket.level,
    }
    if ticket.building:
        fields["building"] = ticket.building
    if ticket.unit:
        fields["unit"] = ticket.unit
    if ticket.on_behalf_by is not None:
        fields["on_behalf"] = True
    # JSON strings are valid YAML flow scalars: quotes and backslashes stay safe
    inner = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items())
    return "{" + inner + "}"
