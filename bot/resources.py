"""Where Loudao's own data files are: inside its packages, or in the examples/ folder."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

# examples/ is not a package yet (a later issue ships it): this is the one place that knows
# it sits next to the bot package in the repository.
_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def builtin_file(package: str, name: str) -> Traversable:
    """Return a data file shipped inside a package, e.g. ("faq", "synonyms.yaml")."""
    return files(package).joinpath(name)


def example_file(name: str) -> Path:
    """Return a file of the examples/ folder: the demo community, its FAQ and notices."""
    return _EXAMPLES / name
