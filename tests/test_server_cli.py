"""`clerk-server`: init, enrolment codes, devices, revoke, conflicts, and `serve` as a real process."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.sync import wire
from server.cli import main
from tests.server_fixtures import Target, decided, run, run_json, target_fixture  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent


def test_init_demo_loads_the_halls_once(capsys: pytest.CaptureFixture[str], target: Target) -> None:
    first = run_json(capsys, target, "init", "--demo")
    assert first["halls_added"] == 2
    assert [h["code"] for h in first["halls"]] == ["SZX01", "SZX02"]
    again = run_json(capsys, target, "init", "--demo")
    assert (again["halls_added"], again["halls_updated"]) == (0, 0)
    code, out, _ = run(capsys, target, "halls")
    assert code == 0 and "示例市政务服务中心" in out


def test_init_with_a_bad_catalog(capsys: pytest.CaptureFixture[str], target: Target, tmp_path: Path) -> None:
    bad = tmp_path / "catalog.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    code, _, err = run(capsys, target, "init", "--catalog", str(bad))
    assert code == 1 and "事项目录文件格式不对" in err
    code, _, err = run(capsys, target, "init", "--catalog", str(tmp_path / "missing.json"))
    assert code == 1 and "无法读取事项目录文件" in err


def test_enrolment_code_devices_revoke_and_conflicts(
    capsys: pytest.CaptureFixture[str], target: Target
) -> None:
    run_json(capsys, target, "init", "--demo")
    issued = run_json(capsys, target, "enroll-code", "--hall", "SZX01", "--window", "szx0103", "--hours", "2")
    assert (issued["hall_code"], issued["window_code"], issued["replace"]) == ("SZX01", "SZX0103", False)
    code, out, _ = run(capsys, target, "enroll-code", "--hall", "SZX01", "--window", "SZX0103", "--replace")
    assert code == 0 and "替换登记" in out

    from server.api import create_app

    app = create_app(database_url=target.url)
    try:
        from tests.server_fixtures import TestClient

        with TestClient(app) as client:
            body = {"code": issued["code"], "window_code": "SZX0103", "device_name": "一号窗口"}
            enrolled = wire.EnrollResponse.from_json(client.post(wire.ENROLL_PATH, json=body).json())
            headers = {"Authorization": f"Bearer {enrolled.device_id}.{enrolled.secret}"}
            assert client.post(wire.CONFIRM_PATH, json={}, headers=headers).status_code == 200
            push = wire.PushRequest(wire.PROTOCOL, "SZX0103", "x", decided("SZX0103", [1])).to_json()
            assert client.post(wire.PUSH_PATH, json=push, headers=headers).status_code == 200
    finally:
        app.state.db.close()

    [device] = run_json(capsys, target, "devices")
    assert (device["device_id"], device["window_code"], device["state"], device["revoked_at"]) == (
        enrolled.device_id,
        "SZX0103",
        "active",
        None,
    )
    assert run_json(capsys, target, "conflicts") == []
    code, out, _ = run(capsys, target, "conflicts")
    assert code == 0 and "没有未处理的冲突" in out
    assert run_json(capsys, target, "revoke", enrolled.device_id)["revoked"] is True
    assert run_json(capsys, target, "devices", "--active") == []
    code, out, err = run(capsys, target, "revoke", enrolled.device_id, "--json")
    assert code == 1 and "已于" in err and json.loads(out)["error"] == "revoked"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["enroll-code", "--hall", "NOPE", "--window", "SZX0103"], "没有大厅"),
        (["enroll-code", "--hall", "SZX01", "--window", "3X"], "窗口编码"),
        (["enroll-code", "--hall", "SZX01", "--window", "SZX0103", "--hours", "0"], "有效时长"),
        (["enroll-code", "--hall", "SZX01", "--window", "SZX0103", "--hours", "many"], "参数错误"),
        (["enroll-code", "--window", "SZX0103"], "参数错误"),
        (["revoke", "no-such-device"], "没有设备"),
        (["frobnicate"], "参数错误"),
    ],
)
def test_bad_input_exits_1_with_a_chinese_message(
    capsys: pytest.CaptureFixture[str], target: Target, args: list[str], fragment: str
) -> None:
    run_json(capsys, target, "init", "--demo")
    try:
        code = main([*args, "--database", target.url])
    except SystemExit as exited:  # argparse
        code = int(exited.code or 0)
    assert code == 1
    assert fragment in capsys.readouterr().err


def test_serve_refuses_plain_http_on_the_network(
    capsys: pytest.CaptureFixture[str], target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_SERVER_HOST", "0.0.0.0")
    monkeypatch.delenv("CLERK_SERVER_TLS_CERT", raising=False)
    monkeypatch.delenv("CLERK_SERVER_TLS_KEY", raising=False)
    monkeypatch.delenv("CLERK_SERVER_ALLOW_PLAIN_HTTP", raising=False)
    code, _, err = run(capsys, target, "serve")
    assert code == 1
    assert "明文" in err and "CLERK_SERVER_TLS_CERT" in err and "CLERK_SERVER_ALLOW_PLAIN_HTTP=1" in err


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _window_over_https(tmp_path: Path, base: str, cert: Path, code: str) -> None:
    """The window's own client: the hall's CA from `server_ca`; without it, or with an unreadable file,
    a clear refusal and nothing registered."""
    from app.sync.client import SyncError
    from app.workspace import open_workspace

    ws = open_workspace(tmp_path / "window")
    try:
        ws.settings.set("window_code", "SZX0104")
        with pytest.raises(SyncError) as untrusted:  # a self-signed server the PC does not trust
            ws.sync.register(server_url=base, code=code)
        assert untrusted.value.kind == "offline" and "CERTIFICATE_VERIFY_FAILED" in untrusted.value.message
        ws.settings.set("server_ca", str(tmp_path / "missing-ca.pem"))
        with pytest.raises(SyncError) as unreadable:
            ws.sync.register(server_url=base, code=code)
        assert "无法读取服务器 CA 证书" in unreadable.value.message
        assert ws.sync.credential() is None
        ws.settings.set("server_ca", str(cert))
        ws.sync.register(server_url=base, code=code)
        report = ws.sync.sync()
        assert report.pending == 0 and ws.sync.credential() is not None
    finally:
        ws.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_over_https_in_a_real_process(
    capsys: pytest.CaptureFixture[str], target: Target, tmp_path: Path
) -> None:
    """`clerk-server serve` as hall IT runs it: HTTPS with the configured certificate; a window enrols,
    pushes and pulls through it; the process stops cleanly."""
    run_json(capsys, target, "init", "--demo")
    issued = run_json(capsys, target, "enroll-code", "--hall", "SZX01", "--window", "SZX0103")
    second_code = run_json(capsys, target, "enroll-code", "--hall", "SZX01", "--window", "SZX0104")["code"]
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    env = {
        **os.environ,
        "CLERK_SERVER_HOST": "127.0.0.1",
        "CLERK_SERVER_PORT": str(port),
        "CLERK_SERVER_TLS_CERT": str(cert),
        "CLERK_SERVER_TLS_KEY": str(key),
        "CLERK_SERVER_HOME": str(tmp_path / "home"),
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--database", target.url],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"https://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, verify=ssl.create_default_context(cafile=cert), timeout=30) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    health = http.get(wire.HEALTH_PATH)
                    break
                except httpx.TransportError:
                    assert process.poll() is None, log.read_text(encoding="utf-8")
                    assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
                    time.sleep(0.1)
            assert health.status_code == 200
            assert health.json()["status"] == "ok"
            body = {"code": issued["code"], "window_code": "SZX0103", "device_name": "一号窗口"}
            enrolled = wire.EnrollResponse.from_json(http.post(wire.ENROLL_PATH, json=body).json())
            headers = {"Authorization": f"Bearer {enrolled.device_id}.{enrolled.secret}"}
            assert http.post(wire.CONFIRM_PATH, json={}, headers=headers).status_code == 200
            events = decided("SZX0103", range(1, 6))
            push = wire.PushRequest(wire.PROTOCOL, "SZX0103", "x", events).to_json()
            answer = wire.PushResponse.from_json(http.post(wire.PUSH_PATH, json=push, headers=headers).json())
            assert answer.acknowledged == [e.event_id for e in events]
            pulled = wire.PullResponse.from_json(http.get(wire.PULL_PATH, headers=headers).json())
            # The demo catalog `init --demo` published, the demo hall's accounts, then the five cases.
            keys = ["2026.11-demo.3", "SZX01"] + [e.case_number for e in events]
            assert [c.key for c in pulled.changes] == keys
        with pytest.raises(httpx.TransportError):  # no plain HTTP on the HTTPS port
            httpx.get(f"http://127.0.0.1:{port}{wire.HEALTH_PATH}", timeout=5)
        _window_over_https(tmp_path, base, cert, second_code)
    finally:
        process.terminate()
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says why it stopped.
        assert process.wait(20) in (0, -signal.SIGTERM)
    text = log.read_text(encoding="utf-8")
    assert "serving HTTPS" in text
    assert "Finished server process" in text
    assert "Traceback" not in text
