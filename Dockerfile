# Loudao bot image. Build: docker build -t loudao .   (see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY faq ./faq
COPY storage ./storage
COPY sandbox ./sandbox
COPY web ./web
COPY examples ./examples
RUN pip install . && useradd --create-home --uid 1000 loudao && mkdir -p /app/data \
    && chown loudao /app/data
USER loudao

# Migrations first (PostgreSQL is not migrated at start-up), then the bot.
CMD ["sh", "-c", "loudao db upgrade && loudao run"]
