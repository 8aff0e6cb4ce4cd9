"""Where Loudao's own data files are: inside its packages, found the same way in a checkout,
an editable install and a wheel installed anywhere."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

DEMO_FILES = ("community.yaml", "notices.yaml", "faq.yaml")


def builtin_file(package: str, name: str) -> Traversable:
    """Return a data file shipped inside a package, e.g. ("faq", "synonyms.yaml")."""
    return files(package).joinpath(name)


def example_file(name: str) -> Path:
    """Return a file of the demo community (bot/demo): community.yaml, faq.yaml, notices.yaml.

    A real path: the community file names its notices and FAQ files relative to itself.
    """
    return Path(str(files("bot.demo").joinpath(name)))
