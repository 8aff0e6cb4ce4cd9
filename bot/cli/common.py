"""What the command modules share: how they add a parser, and a command's signature."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.config import Settings

# `add_parser` of the `loudao` subcommands (or of a command's own subcommands).
AddParser = Callable[..., argparse.ArgumentParser]
# A command: parsed arguments and settings in, exit code out.
Command = Callable[[argparse.Namespace, Settings], int]
