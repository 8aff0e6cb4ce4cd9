"""benchmarks/intake.py --words-only: the bot process runs as if the `semantic` extra were absent."""

import faq.semantic

faq.semantic.semantic_available = lambda: False
