"""Full ID numbers and phone numbers never reach a log, a crash report or the sync status (issue 12 item 6).

A whole working session through the `clerk` command line, against the demo's real embedded server (a
process of its own, logging to its file): a case accepted with known IDs and phones, a mistyped ID refused,
a wrong password, the receipt printed to a file, the case approved, the certificate handed over to the
agent, a sync, the sync status, and a bug while checking an ID (a crash report). Then every file of the
data folder's logs, crash reports and the server's log is searched for the numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import app.cli
from app.cli import main
from app.sync.embedded import EmbeddedServer
from app.workspace import open_workspace
from tests.helpers import AGENT, PERSON, PLANNING, PLANNING_FIELDS, demo_item, request_json

pytestmark = pytest.mark.slow

MISTYPED = PERSON["id_number"][:-1] + "3"  # a wrong check character
SECRETS = (PERSON["id_number"], AGENT["id_number"], MISTYPED, PERSON["phone"], AGENT["phone"])


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(tmp_path / "home" / "demo-server", port=0)
    yield server
    server.stop()


def clerk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def test_a_session_leaves_no_whole_id_or_phone_in_any_log_or_report(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    embedded: EmbeddedServer,
) -> None:
    home = tmp_path / "home"
    at = ("--home", str(home))
    assert clerk(capsys, *at, "demo-init")[0] == 0
    url = embedded.start()
    ws = open_workspace(home)
    try:
        ws.sync.register(server_url=url, code=embedded.enrollment_code("SZX0103", hall="SZX01", replace=True))
    finally:
        ws.close()

    monkeypatch.setenv("CLERK_PASSWORD", "not-the-password")
    request = request_json(demo_item(PLANNING), applicant=PERSON, agent=AGENT)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    code, said = clerk(capsys, *at, "accept", str(path), "--clerk", "demo")
    assert code == 1 and "账号或密码不正确" in said
    monkeypatch.setenv("CLERK_PASSWORD", "demo1234")
    mistyped = {**request, "applicant": {**PERSON, "id_number": MISTYPED}}
    path.write_text(json.dumps(mistyped, ensure_ascii=False), encoding="utf-8")
    code, said = clerk(capsys, *at, "accept", str(path), "--clerk", "demo")
    assert code == 1 and "校验" in said, said
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    code, said = clerk(capsys, *at, "--json", "accept", str(path), "--clerk", "demo")
    assert code == 0, said
    number = json.loads(said)["case_number"]
    receipt = ("print", "receipt", number, "-o", str(tmp_path / "r.pdf"), "--clerk", "demo")
    assert clerk(capsys, *at, *receipt)[0] == 0
    fields = [f"--field={label}={value}" for label, value in PLANNING_FIELDS.items()]
    code, said = clerk(capsys, *at, "case", "approve", number, *fields, "--clerk", "shenpi")
    assert code == 0, said
    code, said = clerk(
        capsys,
        *at,
        "case",
        "handover",
        number,
        "--recipient",
        AGENT["name"],
        "--recipient-id",
        AGENT["id_number"],
        "--capacity",
        "agent",
        "--authorization",
        "授权委托书",
        "--clerk",
        "demo",
    )
    assert code == 0, said
    code, said = clerk(capsys, *at, "sync")
    assert code == 0, said
    for status in (("sync", "status"), ("--json", "sync", "status")):
        code, said = clerk(capsys, *at, *status)
        assert code == 0 and not [s for s in SECRETS if s in said], said

    def broken(args: object, out: object) -> int:
        raise RuntimeError(f"a bug while checking {AGENT['id_number']} / {PERSON['phone']}")

    monkeypatch.setattr(app.cli, "_id_check", broken)
    assert clerk(capsys, *at, "id", "check", AGENT["id_number"])[0] == app.cli.EXIT_BUG
    embedded.stop()

    searched = [
        *(home / "logs").rglob("*"),
        *(home / "crash-reports").rglob("*"),
        *embedded.home.rglob("*.log"),
    ]
    files = [p for p in searched if p.is_file()]
    assert any(p.parent.name == "crash-reports" for p in files) and any(p.name == "clerk.log" for p in files)
    assert any(p.name == "server.log" for p in files)
    text = {p: p.read_text(encoding="utf-8", errors="replace") for p in files}
    assert any(number in t for t in text.values())  # the logs do name the case ...
    leaks = [(p.name, s) for p, t in text.items() for s in SECRETS if s in t]
    assert leaks == []  # ... and never a whole ID or phone
