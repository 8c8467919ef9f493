# syntax=docker/dockerfile:1
# The bot's container image (issue 10). Build: `docker compose build` (see compose.yaml).

# --- builder: install the project and its dependencies into a virtualenv at /opt/venv ---
FROM python:3.12-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# A regular (non-editable) install: the code lands in the venv's site-packages.
RUN pip install --no-cache-dir .

# Translations. bot/i18n.py looks for the catalogs in `locales/` next to the installed `bot`
# package (LOCALE_DIR = <site-packages>/locales), so they go there. The bot compiles the `.po`
# files in memory at start; `reintegrate-bot locales` also writes the compiled `.mo` files and
# the generated sr_Cyrl catalog, and fails the build if a catalog cannot be read.
COPY locales ./locales
RUN site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
    && cp -r locales "$site/locales" \
    && reintegrate-bot locales \
    && python -c "from bot.i18n import LOCALE_DIR, po_path; assert po_path('sr').is_file(), LOCALE_DIR"

# --- final: the slim base with only the virtualenv; no compilers or build tools ---
FROM python:3.12-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --create-home \
       --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Example import files (`reintegrate-bot import … FILE`), for reference inside the container.
COPY templates ./templates

# Non-root: the `app` user created above (numeric, so Kubernetes runAsNonRoot can check it).
USER 10001:10001

# HTTP_HOST:HTTP_PORT: /healthz and the messengers' webhooks (the default port is 8080).
EXPOSE 8080

# /healthz answers 200 while the database answers, 503 otherwise; urlopen raises on both an
# error status and no answer, so the exit code is non-zero then. slim has no curl: Python it is.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3)"]

# Migrations: `reintegrate-bot run` does NOT apply them (bot/cli.py: it stops with
# "Cannot start: …" when the schema is outdated), so the container runs `migrate` first and
# then replaces the shell with `run`. There is no lock around `migrate` yet: with several
# replicas, start one first (or run `docker compose run --rm bot reintegrate-bot migrate`).
CMD ["sh", "-c", "reintegrate-bot migrate && exec reintegrate-bot run"]
