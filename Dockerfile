# syntax=docker/dockerfile:1
# The bot's container image (issue 10). Build: `docker compose build` (see compose.yaml).

# --- builder: install the project and its dependencies into a virtualenv at /opt/venv ---
FROM python:3.12-slim-trixie AS builder

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
# Debian trixie, as the builder: its postgresql-client (17) can dump and restore the
# PostgreSQL 16 of compose.yaml; bookworm's (15) refuses a newer server.
FROM python:3.12-slim-trixie

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# pg_dump, pg_restore and psql for `reintegrate-bot backup` and `restore`. Not pinned (DL3008): the
# Debian release is pinned above, and its security updates should come in with each build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# /backups belongs to `app`: a new Docker volume mounted there (compose.yaml) takes this owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --create-home \
       --shell /usr/sbin/nologin app \
    && install -d -o app -g app -m 0700 /backups

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

# Migrations: `reintegrate-bot run` applies them itself at start, under a PostgreSQL advisory
# lock (storage/migrate.py), so replicas starting together take turns and the container needs
# no separate `migrate` step.
CMD ["reintegrate-bot", "run"]
