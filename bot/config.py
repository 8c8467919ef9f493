"""Settings from the environment and `.env`: the only place that reads them."""

from __future__ import annotations

import logging
import re
from datetime import time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.locales import LOCALES

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///reintegrate.db"


class Settings(BaseSettings):
    """Everything configurable, with safe defaults for trying the bot on a laptop."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy async URL")
    timezone: str = "Europe/Belgrade"
    default_locale: str = "sr"
    telegram_bot_token: str | None = None
    telegram_api_base: str = "https://api.telegram.org"
    viber_auth_token: str | None = None
    viber_api_base: str = "https://chatapi.viber.com/pa"
    viber_webhook_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_concurrency: int = Field(32, ge=1, le=1000)
    viber_concurrency: int = Field(32, ge=1, le=1000)
    # Updates one person may have waiting; beyond it they are told to slow down, the rest dropped.
    max_pending_per_chat: int = Field(20, ge=1, le=1000)
    http_host: str = "0.0.0.0"
    http_port: int = Field(8080, ge=0, le=65535)
    log_level: str = "INFO"
    log_format: str = "text"
    # GET /metrics in Prometheus format on HTTP_PORT (counts only, no personal data).
    metrics_enabled: bool = False
    # Proactive messages (the outbox): see bot/delivery.py.
    reminder_offsets: str = "24h,2h"
    quiet_hours: str = "22:00-08:00"
    telegram_rate: float = Field(25.0, gt=0, description="messages/s to Telegram overall")
    telegram_chat_rate: float = Field(1.0, gt=0, description="messages/s to one chat")
    viber_rate: float = Field(20.0, gt=0, description="messages/s to Viber overall")
    viber_chat_rate: float = Field(1.0, gt=0, description="messages/s to one Viber user")
    # Viber charges for messages outside the 24 hours after a person last wrote.
    viber_paid_messages: Literal["allow", "session-only"] = "allow"
    viber_message_price: float = Field(
        0.0, ge=0, description="price of one paid Viber message, for the estimate"
    )
    viber_price_currency: str = Field("EUR", min_length=1, max_length=12)
    outbox_max_attempts: int = Field(5, ge=1, le=50)
    outbox_lease_seconds: int = Field(20, ge=5)
    outbox_batch: int = Field(100, ge=1, le=5000)
    legal_min_notice_hours: float = Field(2.0, ge=0, le=168)
    # Volunteer shifts: see handlers/rules/shifts.py.
    shift_cancel_cutoff_hours: float = Field(12.0, ge=0, le=168)
    shift_confirm_before_hours: float = Field(24.0, gt=0, le=168)
    shift_confirm_deadline_hours: float = Field(12.0, ge=0, le=168)
    checkin_radius_m: int = Field(200, ge=20, le=5000)
    # Spreadsheet import (bot/importer/): a bigger file is refused before it is read.
    import_max_bytes: int = Field(5_000_000, ge=1000, description="largest .csv/.xlsx file")
    import_max_rows: int = Field(10_000, ge=1, description="most filled rows under the header")
    import_max_uncompressed_bytes: int = Field(
        50_000_000, ge=100_000, description="most an .xlsx file may unpack to"
    )

    @model_validator(mode="after")
    def _shift_times(self) -> Settings:
        if self.shift_confirm_deadline_hours >= self.shift_confirm_before_hours:
            raise ValueError(
                "SHIFT_CONFIRM_DEADLINE_HOURS must be less than SHIFT_CONFIRM_BEFORE_HOURS "
                "(the answer is due after the question is asked)"
            )
        return self

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        parse_offsets(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @property
    def reminder_deltas(self) -> tuple[timedelta, ...]:
        """REMINDER_OFFSETS as durations before the event."""
        return parse_offsets(self.reminder_offsets)

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        """QUIET_HOURS as (start, end) local times; None when switched off."""
        return parse_quiet_hours(self.quiet_hours)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            # Accept the usual libpq-style URL and use the async driver.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("telegram_api_base", "viber_api_base")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// address")
        return value.rstrip("/")

    @field_validator(
        "telegram_bot_token",
        "viber_auth_token",
        "viber_webhook_url",
        "telegram_webhook_url",
        "telegram_webhook_secret",
    )
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// address of /telegram/webhook")
        return value

    @field_validator("viber_webhook_url")
    @classmethod
    def _viber_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// address of /viber/webhook")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        # Telegram's rule for secret_token: 1-256 characters of A-Z a-z 0-9 _ -
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _viber_needs_webhook(self) -> Settings:
        if self.viber_auth_token and not self.viber_webhook_url:
            raise ValueError(
                "VIBER_WEBHOOK_URL: must be set when VIBER_AUTH_TOKEN is set "
                "(Viber delivers messages only to a webhook)"
            )
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET: must be set when TELEGRAM_WEBHOOK_URL is set"
            )
        return self


_OFFSET = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_offsets(value: str) -> tuple[timedelta, ...]:
    """`24h,2h` → (24 hours, 2 hours); `m`, `h` and `d` are understood; empty means none."""
    offsets = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        match = _OFFSET.match(part)
        if not match or int(match[1]) == 0:
            raise ValueError(f"{part!r} is not a duration like 24h, 90m or 2d")
        offsets.append(timedelta(**{_UNITS[match[2]]: int(match[1])}))
    return tuple(sorted(set(offsets), reverse=True))


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """`22:00-08:00` → (22:00, 08:00); `off` or empty switches quiet hours off."""
    if value.strip().lower() in ("", "off", "none"):
        return None
    try:
        start, end = (time.fromisoformat(p.strip()) for p in value.split("-"))
    except ValueError:
        raise ValueError(f"{value!r} is not a window like 22:00-08:00") from None
    return start, end


class SettingsError(SystemExit):
    """Start-up stops: a setting is wrong. The message is one line naming it."""


def load_settings(**overrides: Any) -> Settings:
    """Read settings, or stop with one line naming the variable and the reason."""
    try:
        return Settings(**overrides)  # pydantic checks each value against its field
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        if first["loc"]:
            reason = f"{str(first['loc'][0]).upper()}: {reason}"
        raise SettingsError(f"configuration error: {reason}") from None
