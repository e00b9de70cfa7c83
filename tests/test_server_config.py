"""Server settings from the environment, and refusing to serve insecurely."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import (
    DEFAULT_PORT,
    ConfigError,
    check_serving,
    is_loopback,
    load_config,
    normalize_database_url,
)


def test_defaults(tmp_path: Path) -> None:
    config = load_config({"CLERK_SERVER_HOME": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert (config.host, config.port, config.tls, config.allow_plain_http) == (
        "127.0.0.1",
        DEFAULT_PORT,
        False,
        False,
    )
    assert config.base_url == f"http://127.0.0.1:{DEFAULT_PORT}"
    check_serving(config)  # loopback without TLS is fine


def test_default_home_is_a_per_user_data_folder() -> None:
    config = load_config({})
    assert "window-clerk-server" in str(config.home)
    assert config.database_url.endswith("server.sqlite3")


def test_environment(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("y")
    config = load_config(
        {
            "DATABASE_URL": "postgresql://clerk:pw@db.example:5432/clerk",
            "CLERK_SERVER_HOST": "0.0.0.0",
            "CLERK_SERVER_PORT": "8443",
            "CLERK_SERVER_TLS_CERT": str(cert),
            "CLERK_SERVER_TLS_KEY": str(key),
        }
    )
    assert config.database_url == "postgresql+psycopg://clerk:pw@db.example:5432/clerk"
    assert (config.host, config.port, config.tls) == ("0.0.0.0", 8443, True)
    assert config.base_url == "https://0.0.0.0:8443"
    check_serving(config)


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"CLERK_SERVER_PORT": "http"}, "CLERK_SERVER_PORT"),
        ({"CLERK_SERVER_PORT": "70000"}, "1–65535"),
        ({"CLERK_SERVER_TLS_CERT": "/x.pem"}, "同时设置"),
        ({"CLERK_SERVER_TLS_KEY": "/x.pem"}, "同时设置"),
    ],
)
def test_bad_settings(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ)
    assert fragment in str(raised.value)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "server.hall.local"])
def test_plain_http_on_the_network_is_refused_unless_allowed(host: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_serving(load_config({"CLERK_SERVER_HOST": host}))
    assert "明文" in str(raised.value)
    check_serving(load_config({"CLERK_SERVER_HOST": host, "CLERK_SERVER_ALLOW_PLAIN_HTTP": "1"}))


def test_missing_certificate_files(tmp_path: Path) -> None:
    config = load_config(
        {"CLERK_SERVER_TLS_CERT": str(tmp_path / "no.crt"), "CLERK_SERVER_TLS_KEY": str(tmp_path / "no.key")}
    )
    with pytest.raises(ConfigError) as raised:
        check_serving(config)
    assert "不存在" in str(raised.value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True)]
    + [("0.0.0.0", False), ("10.0.0.1", False), ("example.org", False)],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_url_normalisation() -> None:
    assert normalize_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url(" sqlite:///x.db ") == "sqlite:///x.db"
