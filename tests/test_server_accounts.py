"""`clerk-server account add|list` and `init --demo`'s demo people, on SQLite and PostgreSQL: hall IT adds
a hall's supervisor on the server, with the window's password scheme; bad input adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts import verify_password
from app.accounts.demo import DEMO_CLERK, DEMO_SUPERVISOR
from app.catalog_store import demo_catalog_bytes
from server import accounts
from server.admin import AdminError
from server.models import account
from server.store import open_server_db
from tests.server_fixtures import START, Target, run, run_json, target_fixture  # noqa: F401 (fixtures)

ADD_ZHUREN = ("account", "add", "zhuren", "--hall", "SZX01", "--name", "陈建国", "--role", "supervisor")


@pytest.fixture
def hall_it(
    capsys: pytest.CaptureFixture[str], target: Target, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Target:
    """A server with the demo catalog's halls and no accounts (not `--demo`); CLERK_PASSWORD set as a
    script sets it."""
    catalog = tmp_path / "catalog.json"
    catalog.write_bytes(demo_catalog_bytes())
    run_json(capsys, target, "init", "--catalog", str(catalog))
    monkeypatch.setenv("CLERK_PASSWORD", "s3cret-pass")
    return target


def stored_hashes(target: Target) -> dict[tuple[str, str], str]:
    db = open_server_db(target.url)
    try:
        with db.read() as connection:
            rows = connection.execute(select(account.c.hall_code, account.c.login, account.c.password_hash))
            return {(r.hall_code, r.login): r.password_hash for r in rows}
    finally:
        db.close()


def test_hall_it_adds_and_lists_a_supervisor(capsys: pytest.CaptureFixture[str], hall_it: Target) -> None:
    added = run_json(
        capsys,
        hall_it,
        "account",
        "add",
        "zhuren",
        "--hall",
        "szx01",
        "--name",
        " 陈建国 ",
        "--role",
        "supervisor",
        "--role",
        "clerk",
    )
    assert added == {
        "hall_code": "SZX01",
        "login": "zhuren",
        "name": "陈建国",
        "roles": ["clerk", "supervisor"],
    }
    code, out, _ = run(
        capsys, hall_it, "account", "add", "li.na", "--hall", "SZX02", "--name", "李娜", "--role", "clerk"
    )
    assert code == 0 and "已为大厅 SZX02 添加账号 li.na（李娜，受理员）" in out
    listed = run_json(capsys, hall_it, "account", "list")
    assert [(a["hall_code"], a["login"], a["enabled"]) for a in listed] == [
        ("SZX01", "zhuren", True),
        ("SZX02", "li.na", True),
    ]
    assert [a["login"] for a in run_json(capsys, hall_it, "account", "list", "--hall", "szx02")] == ["li.na"]
    code, out, _ = run(capsys, hall_it, "account", "list")
    assert code == 0 and "SZX01  zhuren  陈建国  受理员、值班主任" in out
    assert "scrypt" not in out and "password" not in str(listed)
    # The window's password scheme: a hash made here checks at a window, and the other way round.
    hashes = stored_hashes(hall_it)
    assert verify_password("s3cret-pass", hashes[("SZX01", "zhuren")])
    assert hashes[("SZX01", "zhuren")] != hashes[("SZX02", "li.na")]  # salted


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("Zhu Ren", "--hall", "SZX01", "--name", "陈建国", "--role", "supervisor"), "账号“Zhu Ren”无效"),
        (("zhuren", "--hall", "SZX09", "--name", "陈建国", "--role", "supervisor"), "没有大厅“SZX09”"),
        (("zhuren", "--hall", "SZX01", "--name", "  ", "--role", "supervisor"), "姓名应为"),
        (("zhuren", "--hall", "SZX01", "--name", "陈\x07建国", "--role", "supervisor"), "控制字符"),
        (("zhuren", "--hall", "SZX01", "--name", "陈建国", "--role", "director"), "参数错误"),
        (("zhuren", "--hall", "SZX01", "--name", "陈建国"), "参数错误"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_added(
    capsys: pytest.CaptureFixture[str], hall_it: Target, args: tuple[str, ...], fragment: str
) -> None:
    try:
        code, _, err = run(capsys, hall_it, "account", "add", *args)
    except SystemExit as exit_:  # argparse's own refusal
        code, err = int(str(exit_.code)), capsys.readouterr().err
    assert code == 1 and fragment in err
    assert "未添加" in err or "参数错误" in err
    assert run_json(capsys, hall_it, "account", "list") == []


@pytest.mark.parametrize(
    ("password", "fragment"), [("short", "密码至少 8 位"), ("长" * 257, "密码不能超过 256 位")]
)
def test_bad_passwords_are_refused(
    capsys: pytest.CaptureFixture[str],
    hall_it: Target,
    monkeypatch: pytest.MonkeyPatch,
    password: str,
    fragment: str,
) -> None:
    monkeypatch.setenv("CLERK_PASSWORD", password)
    code, _, err = run(capsys, hall_it, *ADD_ZHUREN)
    assert code == 1 and fragment in err and "未添加账号" in err
    assert run_json(capsys, hall_it, "account", "list") == []


def test_a_login_is_one_per_hall(capsys: pytest.CaptureFixture[str], hall_it: Target) -> None:
    add = ("account", "add", "zhuren", "--name", "陈建国", "--role", "supervisor", "--hall")
    run_json(capsys, hall_it, *add, "SZX01")
    code, _, err = run(capsys, hall_it, *add, "SZX01")
    assert code == 1 and "大厅 SZX01 已有账号 zhuren，未添加" in err
    run_json(capsys, hall_it, *add, "SZX02")  # another hall's zhuren is another person
    assert len(run_json(capsys, hall_it, "account", "list")) == 2


def test_without_a_terminal_or_clerk_password_nothing_is_added(
    capsys: pytest.CaptureFixture[str], hall_it: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLERK_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, hall_it, *ADD_ZHUREN)
    assert code == 1 and "CLERK_PASSWORD" in err and "未添加账号" in err
    assert run_json(capsys, hall_it, "account", "list") == []


def test_init_demo_adds_the_demo_people_once(capsys: pytest.CaptureFixture[str], target: Target) -> None:
    first = run_json(capsys, target, "init", "--demo")
    assert first["accounts_added"] == 6  # one per role
    code, out, _ = run(capsys, target, "init", "--demo")
    assert code == 0 and "zhuren（陈建国，值班主任）" in out and "新增 0 个" in out
    listed = {a["login"]: a for a in run_json(capsys, target, "account", "list", "--hall", "SZX01")}
    assert listed[DEMO_SUPERVISOR[0]]["name"] == DEMO_SUPERVISOR[1]
    assert listed[DEMO_SUPERVISOR[0]]["roles"] == ["supervisor"] and listed[DEMO_CLERK[0]]["roles"] == [
        "clerk"
    ]
    db = open_server_db(target.url)
    try:
        person = accounts.check_person(
            db,
            hall_code="SZX01",
            login="zhuren",
            password=DEMO_SUPERVISOR[2],
            action="resolve_conflict",
            now=START,
        )
        assert person.signature("SZX0103") == "陈建国（zhuren@SZX0103）"
        with pytest.raises(AdminError) as refused:
            accounts.check_person(
                db,
                hall_code="SZX02",
                login="zhuren",
                password="demo1234",
                action="resolve_conflict",
                now=START,
            )
        assert refused.value.code == "account_refused"
    finally:
        db.close()


def test_the_password_never_shows_and_a_damaged_hash_is_no_match() -> None:
    from app.accounts.passwords import hash_password
    from app.sync.wire import ResolveRequest

    request = ResolveRequest("已核实", "zhuren", "demo1234", "2026-11-20T03:00:00Z")
    assert "demo1234" not in repr(request) and "zhuren" in repr(request)
    good = hash_password("demo1234")
    assert verify_password("demo1234", good)
    damaged_hashes = ("", "scrypt$zz$00", "scrypt$$00", good.replace("argon2id", "md5"), "a$b$c$d", good[:-4])
    for damaged in damaged_hashes:
        assert not verify_password("demo1234", damaged)


def test_hashes_made_outside_the_tests_are_memory_hard() -> None:
    """A real window or server (a process without the test suite's cheaper hashes) makes argon2id hashes of
    64 MiB and two passes; the suite's own are cheaper only to be quick (tests/conftest.py)."""
    import subprocess
    import sys

    code = "from app.accounts.passwords import hash_password, needs_rehash; h = hash_password('x'); print(h)"
    made = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert made.startswith("$argon2id$v=19$m=65536,t=2,p=1$"), made
    from app.accounts.passwords import hash_password, needs_rehash

    assert not needs_rehash(hash_password("x"))  # in this run: the cheaper ones are today's
