"""The demo community 阳光花园 as data: the sandbox runs it; `loudao init` copies it to edit."""
