"""Server settings, read from the environment.

| variable | default | meaning |
| --- | --- | --- |
| `CLERK_SERVER_HOME` | per-user data folder (platformdirs) | folder of the default SQLite database |
| `DATABASE_URL` | `sqlite:///{home}/server.sqlite3` | SQLAlchemy URL; `postgresql://` is read as psycopg 3 |
| `CLERK_SERVER_HOST` | `127.0.0.1` | address to bind |
| `CLERK_SERVER_PORT` | `8765` | port to bind |
| `CLERK_SERVER_TLS_CERT` / `CLERK_SERVER_TLS_KEY` | unset | PEM files; when both are set, HTTPS |
| `CLERK_SERVER_ALLOW_PLAIN_HTTP` | unset | `1`: allow plain HTTP on a non-loopback address |
| `CLERK_SERVER_MESSAGE_GATEWAY_URL` | unset | http(s) URL messages to applicants are POSTed to |
| `CLERK_SERVER_MESSAGE_GATEWAY_TOKEN` | unset | sent as `Authorization: Bearer …` there; never logged |
| `CLERK_SERVER_MESSAGE_GATEWAY_TIMEOUT` | `10` | seconds to wait for the gateway's answer (1–120) |
| `CLERK_SERVER_MESSAGE_DISPATCH_SECONDS` | `10` | seconds between two rounds of the dispatcher (1–3600) |
| `CLERK_SERVER_BLOBS` | beside a SQLite database: `blobs`; else `{home}/blobs` | folder of the page files |
| `CLERK_SERVER_HALL_QUOTA_MB` | unset (no quota) | page files one hall may store, in MiB (server.blobs) |

Messages to applicants (server.messages): without a gateway URL they stay in the `message` table, marked
delivered, for the hall's supervisor (`clerk-server messages list`).

Plain HTTP on anything but loopback is refused unless explicitly allowed: device secrets and applicants'
personal data would cross the hall network in clear text.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from sqlalchemy import make_url

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_GATEWAY_TIMEOUT = 10.0
DEFAULT_DISPATCH_SECONDS = 10.0
APP_DIR_NAME = "window-clerk-server"
BLOB_FOLDER = "blobs"


class ConfigError(Exception):
    """A setting that cannot be used; the message (Chinese) names the variable and what to do."""


@dataclass(frozen=True)
class ServerConfig:
    home: Path
    database_url: str
    host: str
    port: int
    tls_cert: Path | None
    tls_key: Path | None
    allow_plain_http: bool
    message_gateway_url: str | None = None
    message_gateway_token: str | None = field(default=None, repr=False)  # a secret: never shown
    message_gateway_timeout: float = DEFAULT_GATEWAY_TIMEOUT
    message_dispatch_seconds: float = DEFAULT_DISPATCH_SECONDS
    blob_folder: Path | None = None  # None: `blob_folder_for(database_url, home)`
    hall_quota_bytes: int | None = None  # None: no quota

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


def normalize_database_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 (the only PostgreSQL driver installed)."""
    url = url.strip()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_home() -> Path:
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(environ: Mapping[str, str] | None = None) -> ServerConfig:
    env = os.environ if environ is None else environ
    home_text = env.get("CLERK_SERVER_HOME", "").strip()
    home = Path(home_text).expanduser() if home_text else default_home()
    url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{home / 'server.sqlite3'}"
    host = env.get("CLERK_SERVER_HOST", "").strip() or DEFAULT_HOST
    port_text = env.get("CLERK_SERVER_PORT", "").strip() or str(DEFAULT_PORT)
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"CLERK_SERVER_PORT 应为端口号（1–65535），实为“{port_text}”") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"CLERK_SERVER_PORT 应为端口号（1–65535），实为 {port}")
    cert_text = env.get("CLERK_SERVER_TLS_CERT", "").strip()
    key_text = env.get("CLERK_SERVER_TLS_KEY", "").strip()
    if bool(cert_text) != bool(key_text):
        raise ConfigError(
            "启用 HTTPS 需要同时设置 CLERK_SERVER_TLS_CERT（证书）和 CLERK_SERVER_TLS_KEY（私钥）"
        )
    return ServerConfig(
        home=home,
        database_url=normalize_database_url(url),
        host=host,
        port=port,
        tls_cert=Path(cert_text).expanduser() if cert_text else None,
        tls_key=Path(key_text).expanduser() if key_text else None,
        allow_plain_http=_flag(env.get("CLERK_SERVER_ALLOW_PLAIN_HTTP")),
        message_gateway_url=gateway_url(env.get("CLERK_SERVER_MESSAGE_GATEWAY_URL", "")),
        message_gateway_token=env.get("CLERK_SERVER_MESSAGE_GATEWAY_TOKEN", "").strip() or None,
        message_gateway_timeout=_seconds(
            env, "CLERK_SERVER_MESSAGE_GATEWAY_TIMEOUT", DEFAULT_GATEWAY_TIMEOUT, 1, 120
        ),
        message_dispatch_seconds=_seconds(
            env, "CLERK_SERVER_MESSAGE_DISPATCH_SECONDS", DEFAULT_DISPATCH_SECONDS, 1, 3600
        ),
        blob_folder=_blob_folder(env, normalize_database_url(url), home),
        hall_quota_bytes=_quota(env),
    )


def blob_folder_for(database_url: str, home: Path) -> Path:
    """Where the page files go unless `CLERK_SERVER_BLOBS` says: beside a SQLite database file (one folder
    to back up), else in the server's home."""
    parsed = make_url(normalize_database_url(database_url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).expanduser().parent / BLOB_FOLDER
    return home / BLOB_FOLDER


def _blob_folder(env: Mapping[str, str], database_url: str, home: Path) -> Path:
    text = env.get("CLERK_SERVER_BLOBS", "").strip()
    return Path(text).expanduser() if text else blob_folder_for(database_url, home)


def _quota(env: Mapping[str, str]) -> int | None:
    name = "CLERK_SERVER_HALL_QUOTA_MB"
    text = env.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 100 * 1024 * 1024:
        raise ConfigError(f"{name} 应为每个大厅可存放的材料页面兆字节数（正整数），实为“{text[:20]}”")
    return int(text) * 1024 * 1024


def gateway_url(text: str) -> str | None:
    """The message gateway's URL (None when unset): http or https, with a host, no password in it."""
    text = text.strip()
    if not text:
        return None
    name = "CLERK_SERVER_MESSAGE_GATEWAY_URL"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        raise ConfigError(f"{name} 不是有效的网址") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{name} 应以 http:// 或 https:// 开头，实为“{parts.scheme or text[:20]}”")
    if not host:
        raise ConfigError(f"{name} 缺少主机名")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"{name} 中不能含用户名或密码（会出现在日志中）；请用 CLERK_SERVER_MESSAGE_GATEWAY_TOKEN 提供令牌"
        )
    if any(c.isspace() for c in text):
        raise ConfigError(f"{name} 中不能含空白字符")
    return text


def _seconds(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} 应为秒数（{low:g}–{high:g}），实为“{text[:20]}”") from None
    if not low <= value <= high:  # also NaN
        raise ConfigError(f"{name} 应为 {low:g}–{high:g} 秒，实为 {text[:20]}")
    return value


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_serving(config: ServerConfig) -> None:
    """Refuse settings that would serve insecurely or cannot work; raise ConfigError saying why."""
    if not config.tls and not is_loopback(config.host) and not config.allow_plain_http:
        raise ConfigError(
            f"拒绝在非本机地址 {config.host} 上以明文 HTTP 提供服务：窗口凭据和办件数据（含申请人身份信息）"
            "会在网络上明文传输。请设置 CLERK_SERVER_TLS_CERT 和 CLERK_SERVER_TLS_KEY 启用 HTTPS；"
            "如前面已有负责 HTTPS 的反向代理、确需明文，请设置 CLERK_SERVER_ALLOW_PLAIN_HTTP=1"
        )
    for name, path in (("CLERK_SERVER_TLS_CERT", config.tls_cert), ("CLERK_SERVER_TLS_KEY", config.tls_key)):
        if path is not None and not path.is_file():
            raise ConfigError(f"{name} 指向的文件不存在：{path}")
