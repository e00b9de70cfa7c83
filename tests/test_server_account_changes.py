"""`clerk-server account add|list|disable|enable|reset-password|roles` on SQLite and PostgreSQL: hall IT
manages a hall's accounts on the server; every change sends the hall's whole list to its windows (one
`accounts` change), and bad input changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts import verify_password
from app.accounts.passwords import legacy_hash
from app.catalog_store import demo_catalog_bytes
from app.sync.account_wire import read_snapshot
from app.sync.wire import KIND_ACCOUNTS
from server import account_changes, accounts
from server.admin import AdminError
from server.models import account, change_log
from server.store import open_server_db
from tests.server_fixtures import Target, run, run_json, target_fixture  # noqa: F401 (fixtures)

ADD = ("account", "add", "--hall", "SZX01")


@pytest.fixture
def hall_it(
    capsys: pytest.CaptureFixture[str], target: Target, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Target:
    """Demo halls, no accounts; CLERK_PASSWORD set as a script sets it."""
    catalog = tmp_path / "catalog.json"
    catalog.write_bytes(demo_catalog_bytes())
    run_json(capsys, target, "init", "--catalog", str(catalog))
    monkeypatch.setenv("CLERK_PASSWORD", "temp-pass-1")
    return target


def snapshots(target: Target, hall_code: str = "SZX01") -> list[dict[str, Any]]:
    """The `accounts` changes of the hall, in order: each the hall's whole list, as windows pull it."""
    db = open_server_db(target.url)
    try:
        with db.read() as connection:
            rows = connection.execute(
                select(change_log.c.payload)
                .where(change_log.c.hall_code == hall_code, change_log.c.kind == KIND_ACCOUNTS)
                .order_by(change_log.c.seq)
            ).scalars()
            return [p if isinstance(p, dict) else json.loads(p) for p in rows]
    finally:
        db.close()


def by_login(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["login"]: entry for entry in snapshot["accounts"]}


def test_each_change_reaches_the_hall_as_one_whole_list(
    capsys: pytest.CaptureFixture[str], hall_it: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = run_json(capsys, hall_it, *ADD, "wang.fang", "--name", "王芳", "--role", "clerk")
    assert added["login"] == "wang.fang" and "temporary_password" not in added
    run_json(capsys, hall_it, *ADD, "it.li", "--name", "李工", "--role", "it", "--valid-days", "5")
    listed = {a["login"]: a for a in run_json(capsys, hall_it, "account", "list", "--hall", "SZX01")}
    assert listed["wang.fang"]["temporary"] and not listed["wang.fang"]["expired"]
    code, out, _ = run(capsys, hall_it, "account", "list")
    assert "SZX01  wang.fang  王芳  受理员  临时密码（首次登录须修改，有效至" in out

    code, out, _ = run(capsys, hall_it, "account", "disable", "wang.fang", "--hall", "szx01")
    assert code == 0 and "账号 wang.fang（王芳）已停用；各窗口下次同步后不能再用它登录" in out
    code, out, _ = run(capsys, hall_it, "account", "disable", "wang.fang", "--hall", "SZX01")
    assert code == 0 and "本已停用，未作改动" in out  # nothing appended for it
    code, out, _ = run(capsys, hall_it, "account", "list", "--hall", "SZX01")
    assert "wang.fang  王芳  受理员  已停用" in out
    run_json(capsys, hall_it, "account", "enable", "wang.fang", "--hall", "SZX01")
    roles = run_json(
        capsys,
        hall_it,
        "account",
        "roles",
        "wang.fang",
        "--hall",
        "SZX01",
        "--role",
        "approver",
        "--role",
        "clerk",
    )
    assert roles["roles"] == ["clerk", "approver"] and roles["changed"] and "password_hash" not in roles
    monkeypatch.delenv("CLERK_PASSWORD")
    code, out, _ = run(
        capsys, hall_it, "account", "reset-password", "wang.fang", "--hall", "SZX01", "--generate"
    )
    assert code == 0 and "只显示这一次" in out
    generated = out.split("\n\n")[1].strip()

    lists = snapshots(hall_it)
    # add, add, disable, enable, roles, reset: six changes, each the whole list; the repeated disable none.
    assert len(lists) == 6
    assert [sorted(by_login(s)) for s in lists] == [["wang.fang"]] + [["it.li", "wang.fang"]] * 5
    assert [by_login(s)["wang.fang"]["enabled"] for s in lists] == [True, True, False, True, True, True]
    last = by_login(lists[-1])["wang.fang"]
    assert last["roles"] == ["clerk", "approver"]
    assert verify_password(generated, last["password_hash"])
    assert last["temporary_until"] is not None and last["temporary_until"].endswith("Z")
    assert all(read_snapshot(s) for s in lists)  # what the server sends, a window takes


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("disable", "nobody", "--hall", "SZX01"), "大厅 SZX01 没有账号“nobody”，未能停用账号"),
        (("enable", "wang.fang", "--hall", "SZX09"), "没有大厅“SZX09”"),
        (("roles", "wang.fang", "--hall", "SZX01", "--role", "director"), "参数错误"),
        (
            ("reset-password", "wang.fang", "--hall", "SZX01", "--valid-days", "0"),
            "临时密码有效天数应为 1–90 天",
        ),
        (("reset-password", "nobody", "--hall", "SZX01"), "没有账号“nobody”，未能重置密码"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    capsys: pytest.CaptureFixture[str], hall_it: Target, args: tuple[str, ...], fragment: str
) -> None:
    run_json(capsys, hall_it, *ADD, "wang.fang", "--name", "王芳", "--role", "clerk")
    before = run_json(capsys, hall_it, "account", "list")
    try:
        code, _, err = run(capsys, hall_it, "account", *args)
    except SystemExit as exit_:  # argparse's own refusal
        code, err = int(str(exit_.code)), capsys.readouterr().err
    assert code == 1 and fragment in err
    assert run_json(capsys, hall_it, "account", "list") == before
    assert len(snapshots(hall_it)) == 1


def test_the_halls_last_it_account_is_kept(capsys: pytest.CaptureFixture[str], hall_it: Target) -> None:
    run_json(capsys, hall_it, *ADD, "it.li", "--name", "李工", "--role", "it")
    for args in (("disable", "it.li"), ("roles", "it.li", "--role", "clerk")):
        code, _, err = run(capsys, hall_it, "account", *args, "--hall", "SZX01")
        assert code == 1 and "唯一启用的系统管理员账号" in err and "请先添加或启用另一个系统管理员账号" in err
    run_json(capsys, hall_it, *ADD, "it.wu", "--name", "吴工", "--role", "it")
    assert run_json(capsys, hall_it, "account", "disable", "it.li", "--hall", "SZX01")["enabled"] is False
    code, _, err = run(capsys, hall_it, "account", "disable", "it.wu", "--hall", "SZX01")
    assert code == 1 and "唯一启用的系统管理员账号" in err


def test_a_password_change_and_a_hash_upgrade(hall_it: Target) -> None:
    db = open_server_db(hall_it.url)
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    try:
        accounts.add_account(
            db,
            hall_code="SZX01",
            login="wang.fang",
            name="王芳",
            roles=["clerk"],
            password="temp-pass-1",
            now=now,
        )
        # Wrong current password, a new one too short, equal to the login or to the current one: refused.
        for current, new, code, fragment in [
            ("wrong-pass-1", "my-own-pass-1", "account_refused", "账号或密码不正确"),
            ("temp-pass-1", "short", "invalid", "新密码至少 8 位"),
            ("temp-pass-1", "wang.fang", "invalid", "不能与账号相同"),
            ("temp-pass-1", "temp-pass-1", "invalid", "不能与当前密码相同"),
        ]:
            with pytest.raises(AdminError) as refused:
                account_changes.change_password(
                    db, hall_code="SZX01", login="wang.fang", password=current, new_password=new, now=now
                )
            assert refused.value.code == code and fragment in refused.value.message
        with pytest.raises(AdminError) as expired:
            account_changes.change_password(
                db,
                hall_code="SZX01",
                login="wang.fang",
                password="temp-pass-1",
                new_password="my-own-pass-1",
                now=now + timedelta(days=3, seconds=1),
            )
        assert expired.value.code == "temporary_expired"
        assert "临时密码已过期，请信息技术人员重置" in expired.value.message
        [listed] = accounts.list_accounts(db, now=now + timedelta(days=4))
        assert listed["expired"]
        entry = account_changes.change_password(
            db,
            hall_code="SZX01",
            login="wang.fang",
            password="temp-pass-1",
            new_password="my-own-pass-1",
            now=now,
        )
        assert entry.temporary_until is None and verify_password("my-own-pass-1", entry.password_hash)
        # An old scrypt hash is upgraded once the password is proven; today's is left alone.
        with db.write() as connection:
            connection.execute(
                account.update().values(password_hash=legacy_hash("my-own-pass-1", salt=b"0123456789abcdef"))
            )
        upgraded = account_changes.upgrade_hash(
            db, hall_code="SZX01", login="wang.fang", password="my-own-pass-1", now=now
        )
        assert upgraded.changed and upgraded.entry.password_hash.startswith("$argon2id$")
        again = account_changes.upgrade_hash(
            db, hall_code="SZX01", login="wang.fang", password="my-own-pass-1", now=now
        )
        assert not again.changed
    finally:
        db.close()
    lists = snapshots(hall_it)
    assert len(lists) == 3  # added, password changed, hash upgraded
    assert by_login(lists[-1])["wang.fang"]["password_hash"].startswith("$argon2id$")
