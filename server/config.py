"""Server settings, read from the environment.

| variable | default | meaning |
| --- | --- | --- |
| `CLERK_SERVER_HOME` | per-user data folder (platformdirs) | folder of the default SQLite database |
| `DATABASE_URL` | `sqlite:///{home}/server.sqlite3` | SQLAlchemy URL; `postgresql://` is read as psycopg 3 |
| `CLERK_SERVER_HOST` | `127.0.0.1` | address to bind |
| `CLERK_SERVER_PORT` | `8765` | port to bind |
| `CLERK_SERVER_TLS_CERT` / `CLERK_SERVER_TLS_KEY` | unset | PEM files; when both are set, HTTPS |
| `CLERK_SERVER_ALLOW_PLAIN_HTTP` | unset | `1`: allow plain HTTP on a non-loopback address |

Plain HTTP on anything but loopback is refused unless explicitly allowed: device secrets and applicants'
personal data would cross the hall network in clear text.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP_DIR_NAME = "window-clerk-server"


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
    )


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
