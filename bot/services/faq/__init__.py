"""Knowledge-base use cases: answering questions in chat, and editing the base (/faq, files)."""
