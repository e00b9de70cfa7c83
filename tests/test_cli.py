"""The `clerk` command as a script or a person uses it: exit codes, JSON, and clear refusals."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.workspace import open_workspace
from tests.helpers import AGENT, COMPANY, PLANNING, SEAL, open_demo_workspace, request_json

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(
    *args: str, env: dict[str, str] | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app.cli", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def cli_home(home: Path) -> Path:
    open_demo_workspace(home).close()
    return home


def test_id_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "id", "check", "11010519491231002x")[0] == 0
    code, out, err = run(capsys, "id", "check", "110105194912310021", "--json")
    assert code == 1 and "校验" in err and json.loads(out)["valid"] is False
    code, out, _ = run(capsys, "id", "check", "91350100M000100Y43", "--json")
    assert code == 0 and json.loads(out)["kind"] == "uscc"
    code, out, _ = run(capsys, "id", "check", "91350211M00013FA1N", "--json")
    assert code == 4 and json.loads(out)["overridable"] is True  # overridable: its own exit code


def test_catalog_search_by_initials_code_and_name(capsys: pytest.CaptureFixture[str], cli_home: Path) -> None:
    code, out, _ = run(capsys, "--home", str(cli_home), "catalog", "search", "jsgcghxk", "--json")
    hits = json.loads(out)
    assert code == 0 and hits[0]["name"] == "建设工程规划许可证核发" and hits[0]["code"] == PLANNING
    code, out, _ = run(capsys, "catalog", "search", "511K0312", "--json", "--home", str(cli_home))
    assert json.loads(out)[0]["code"] == SEAL
    code, out, _ = run(
        capsys, "--home", str(cli_home), "catalog", "search", "不动产", "--limit", "3", "--json"
    )
    hits = json.loads(out)
    assert len(hits) == 3 and all("不动产" in h["name"] or "房屋" in h["name"] for h in hits)


def test_catalog_show_lists_materials(capsys: pytest.CaptureFixture[str], cli_home: Path) -> None:
    code, out, _ = run(capsys, "--home", str(cli_home), "catalog", "show", PLANNING, "--json")
    item = json.loads(out)
    assert code == 0 and item["name"] == "建设工程规划许可证核发"
    for material in item["materials"]:
        assert material["necessity"] in {"required", "tolerable", "optional"}
        assert isinstance(material["commitment_allowed"], bool) and isinstance(material["copies"], int)
        assert material["forms"] and set(material["forms"]) <= {"original", "copy", "electronic"}
        assert material["condition"] in {None, "agent", "organization", "person"}
    assert run(capsys, "--home", str(cli_home), "catalog", "show", "NOPE")[0] == 1


def test_accept_then_show(capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path) -> None:
    from app.catalog_store import CatalogRepository

    ws = open_workspace(cli_home)
    planning = CatalogRepository(ws.store).item(PLANNING)
    ws.close()
    assert planning is not None
    data = request_json(planning, skip=("M05",))
    request = tmp_path / "case.json"
    request.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "--home", str(cli_home), "accept", str(request), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["decision"] == "supplement_required" and result["missing"] == ["M05"]
    assert result["defective"] == [] and result["tolerated"] == [] and result["promised_date"] is None
    code, out, _ = run(capsys, "--home", str(cli_home), "case", "show", result["case_number"], "--json")
    case = json.loads(out)
    assert (
        code == 0 and case["agent"]["name"] == AGENT["name"] and case["applicant"]["name"] == COMPANY["name"]
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "不是有效的 JSON"),
        (b"\xff\xfe\x00", "不是有效的 JSON"),
        (b"[1, 2]", "应为 JSON 对象"),
        (json.dumps({"item": "NOPE", "applicant": COMPANY}).encode(), "没有事项编码 NOPE"),
        (json.dumps({"item": SEAL, "applicant": {**COMPANY, "name": "x" * 101}}).encode(), "101"),
        (json.dumps({"item": SEAL, "applicant": {**COMPANY, "name": "坏\x00名"}}).encode(), "控制字符"),
        (
            json.dumps(
                {
                    "item": SEAL,
                    "applicant": COMPANY,
                    "materials": [{"material": "M01", "form": "copy", "pages": -3}],
                }
            ).encode(),
            "pages",
        ),
    ],
)
def test_bad_requests_exit_1_and_store_nothing(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    request = tmp_path / "bad.json"
    request.write_bytes(content)
    code, out, err = run(capsys, "--home", str(cli_home), "accept", str(request), "--json")
    assert code == 1
    assert message in err + out
    assert run(capsys, "--home", str(cli_home), "case", "list", "--json")[1].strip() == "[]"


def test_missing_request_file(capsys: pytest.CaptureFixture[str], cli_home: Path) -> None:
    code, _, err = run(capsys, "--home", str(cli_home), "accept", "/nonexistent/case.json")
    assert code == 1 and "无法读取" in err


def test_mistyped_case_number_is_named_as_such(capsys: pytest.CaptureFixture[str], cli_home: Path) -> None:
    code, _, err = run(capsys, "--home", str(cli_home), "case", "show", "SZX0103-20261120-00010")
    assert code == 1 and "校验" in err


def test_corrupt_database(cli_home: Path) -> None:
    (cli_home / "window.sqlite3").write_bytes(b"this is not a database" * 200)
    for name in ("window.sqlite3-wal", "window.sqlite3-shm"):
        (cli_home / name).unlink(missing_ok=True)
    result = run_process("--home", str(cli_home), "catalog", "search", "jsgc")
    assert result.returncode == 1 and "损坏" in result.stderr, result.stderr


def test_database_from_a_newer_version_is_refused(cli_home: Path) -> None:
    connection = sqlite3.connect(cli_home / "window.sqlite3")
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    result = run_process("--home", str(cli_home), "catalog", "search", "jsgc")
    assert result.returncode == 1 and "更新版本" in result.stderr


def write_seal_request(home: Path, path: Path) -> Path:
    """A complete request for the seal-filing item, written where a clerk's script would put it."""
    ws = open_demo_workspace(home)
    item = ws.catalog.item(SEAL)
    ws.close()
    assert item is not None
    path.write_text(json.dumps(request_json(item), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def world_readable_home() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="clerk-ro-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_read_only_database(world_readable_home: Path, tmp_path: Path) -> None:
    home = world_readable_home / "home"
    request = write_seal_request(home, world_readable_home / "case.json")
    for path in [home, *home.iterdir(), request]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    if os.geteuid() == 0:  # root writes anything: run as an unprivileged user instead
        result = run_process("--home", str(home), "accept", str(request), user="65534")
    else:
        (home / "window.sqlite3").chmod(0o444)
        result = run_process("--home", str(home), "accept", str(request))
    assert result.returncode == 1, result.stderr
    assert "只读" in result.stderr or "无法打开" in result.stderr, result.stderr
    connection = sqlite3.connect(home / "window.sqlite3")
    assert connection.execute("select count(*) from 'case'").fetchone() == (0,)
    connection.close()


def test_locked_database(cli_home: Path, tmp_path: Path) -> None:
    request = write_seal_request(cli_home, tmp_path / "case.json")
    blocker = sqlite3.connect(cli_home / "window.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        result = run_process("--home", str(cli_home), "accept", str(request))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert result.returncode == 1 and "占用" in result.stderr, result.stderr
