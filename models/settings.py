"""Settings, read from the environment once into one object (names fixed by docs/design.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

MIN_SECRET_KEY_LENGTH = 32


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be on or off (got {value!r})")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "CoP Tracker <no-reply@localhost>"
    starttls: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    secret_key: str = field(default="", repr=False)
    base_url: str = "http://127.0.0.1:8000"
    scheduler: bool = True
    production: bool = False
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver")
    trusted_proxies: tuple[str, ...] = ()
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    # Evidence files (docs/design.md "Evidence files"); empty: a folder beside the SQLite file.
    upload_dir: str = ""

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        production = _flag(env.get("PRODUCTION", "off"), "PRODUCTION")
        secret_key = env.get("SECRET_KEY", "")
        if production and len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters in "
                "production (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not secret_key:
            # Development only: a fresh key per process; sessions live in the database anyway.
            secret_key = secrets.token_urlsafe(48)
        base_url = env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(f"BASE_URL must start with http:// or https:// (got {base_url!r})")
        try:
            port = int(env.get("SMTP_PORT", "25"))
        except ValueError:
            raise SettingsError(f"SMTP_PORT must be a number (got {env.get('SMTP_PORT')!r})") from None
        from urllib.parse import urlparse

        base_host = urlparse(base_url).hostname or "127.0.0.1"
        hosts = [h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
        allowed = tuple(dict.fromkeys([base_host, "127.0.0.1", "localhost", "testserver", *hosts]))
        proxies = tuple(p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip())
        return cls(
            database_url=env.get("DATABASE_URL", ""),
            secret_key=secret_key,
            base_url=base_url,
            scheduler=_flag(env.get("SCHEDULER", "on"), "SCHEDULER"),
            production=production,
            allowed_hosts=allowed,
            trusted_proxies=proxies,
            upload_dir=env.get("UPLOAD_DIR", "").strip(),
            smtp=SmtpSettings(
                host=env.get("SMTP_HOST", "127.0.0.1"),
                port=port,
                username=env.get("SMTP_USERNAME", ""),
                password=env.get("SMTP_PASSWORD", ""),
                sender=env.get("SMTP_FROM", "CoP Tracker <no-reply@localhost>"),
                starttls=_flag(env.get("SMTP_STARTTLS", "off"), "SMTP_STARTTLS"),
            ),
        )
