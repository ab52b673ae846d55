# eventbot: the same install as README's first command, as a non-root user, with the
# translation catalogs compiled at build time and the database on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/app/.venv/bin:$PATH \
    DATABASE_PATH=/data/eventbot.sqlite3

RUN useradd --create-home --uid 10001 eventbot \
    && mkdir -p /app /data \
    && chown eventbot:eventbot /app /data

USER eventbot
WORKDIR /app
COPY --chown=eventbot:eventbot . /app

RUN python3 -m venv .venv && .venv/bin/pip install -e . \
    && .venv/bin/pybabel compile -d locales -D messages

VOLUME ["/data"]
# Used in webhook mode only (WEBHOOK_URL set); PORT changes it.
EXPOSE 8443

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["eventbot", "health"]

ENTRYPOINT ["eventbot"]
CMD ["run"]
