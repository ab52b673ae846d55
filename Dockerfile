# eventbot: a wheel built from the source, installed the regular way (no -e) into a venv of
# its own, run as a non-root user with the database on the /data volume. The final image
# holds no source tree: only the installed package (catalogs included) and examples/.
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

COPY . /src
RUN python3 -m venv /build && /build/bin/pip wheel --no-deps --wheel-dir /wheels /src


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/eventbot/bin:$PATH \
    DATABASE_PATH=/data/eventbot.sqlite3

# The venv belongs to root, so the bot cannot change its own code. The wheel ships the
# catalogs as .po files; compiling them here spares every start the in-memory compile.
COPY --from=build /wheels /tmp/wheels
RUN python3 -m venv /opt/eventbot \
    && /opt/eventbot/bin/pip install /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && /opt/eventbot/bin/pybabel compile -D messages -d "$(/opt/eventbot/bin/python -P -c \
        'from bot.i18n import locales_dir; print(locales_dir())')"

RUN useradd --create-home --uid 10001 eventbot \
    && mkdir -p /app /data \
    && chown eventbot:eventbot /data
# The seed event, for `eventbot import /app/examples/riac-kf-2021.toml`.
COPY examples /app/examples

USER eventbot
WORKDIR /app

VOLUME ["/data"]
# Used in webhook mode only (WEBHOOK_URL set); PORT changes it.
EXPOSE 8443

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["eventbot", "health"]

ENTRYPOINT ["eventbot"]
CMD ["run"]
