"""Reference data and conflict resolution on the server (SQLite and PostgreSQL): `clerk-server catalog` and
`calendar publish`, the catalog file endpoint, `resolve-conflict` and its endpoint, what windows pull."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from app.catalog_store import demo_catalog_bytes
from app.sync import wire
from server import accounts, admin, reference
from tests.helpers import TEST_CALENDAR_SOURCE, calendar_json, newer_catalog
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    HALL,
    OTHER_HALL,
    Target,
    TestClient,
    client_fixture,
    decided,
    enroll,
    follow_up,
    run,
    run_json,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

DEMO_VERSION = "2026.11-demo.3"


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


# -- catalog ------------------------------------------------------------------------------------------
def test_catalog_publish_list_and_republish(
    capsys: pytest.CaptureFixture[str], target: Target, tmp_path: Path
) -> None:
    run_json(capsys, target, "init", "--demo")  # publishes the demo catalog
    [demo] = run_json(capsys, target, "catalog", "list")
    assert demo["version"] == DEMO_VERSION
    assert demo["sha256"] == hashlib.sha256(demo_catalog_bytes()).hexdigest()

    again = run_json(capsys, target, "init", "--demo")
    assert again["halls_added"] == 0
    assert run_json(
        capsys, target, "catalog", "publish", write(tmp_path, "same.json", demo_catalog_bytes())
    ) == {
        "key": DEMO_VERSION,
        "new": False,
        "halls": 0,
        "halls_added": 0,
    }

    extra = [
        {
            "code": "SZX03",
            "name": "示例市锦华区政务服务中心",
            "address": "锦华路1号",
            "phone": "028-1",
            "bodies": [],
        }
    ]
    newer = write(tmp_path, "newer.json", newer_catalog(halls=extra))
    published = run_json(capsys, target, "catalog", "publish", newer)
    assert published == {"key": "2026.12-demo.2", "new": True, "halls": 3, "halls_added": 1}
    code, out, _ = run(capsys, target, "catalog", "list")
    assert code == 0 and DEMO_VERSION in out and "2026.12-demo.2" in out
    code, out, _ = run(capsys, target, "halls")
    assert "SZX03" in out

    # A published version never changes.
    changed = write(tmp_path, "changed.json", newer_catalog(revise=None, halls=extra[:0]))
    code, _, err = run(capsys, target, "catalog", "publish", changed)
    assert code == 1 and "已发布过且内容不同" in err
    assert [c["version"] for c in run_json(capsys, target, "catalog", "list")] == [
        DEMO_VERSION,
        "2026.12-demo.2",
    ]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "事项目录文件无效"),
        (b"\xff\xfe not utf-8", "事项目录文件无效"),
        (b'{"format": "something else"}', "事项目录文件无效"),
        (b"[1, 2, 3]", "事项目录文件无效"),
    ],
)
def test_bad_catalog_files_publish_nothing(
    capsys: pytest.CaptureFixture[str], target: Target, tmp_path: Path, content: bytes, fragment: str
) -> None:
    run_json(capsys, target, "init")
    code, _, err = run(capsys, target, "catalog", "publish", write(tmp_path, "bad.json", content))
    assert code == 1 and fragment in err
    assert run_json(capsys, target, "catalog", "list") == []
    code, _, err = run(capsys, target, "catalog", "publish", str(tmp_path / "missing.json"))
    assert code == 1 and "无法读取事项目录文件" in err


def test_catalog_reaches_every_hall_and_is_served_byte_for_byte(
    client: TestClient, server_app: FastAPI
) -> None:
    db = server_app.state.db
    here = enroll(client, server_app, hall=HALL, window="SZX0103")
    there = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    content = newer_catalog()
    done = reference.publish_catalog(db, content, now=server_app.state.clock())
    assert (done.new, done.halls) == (True, 2)
    for window in (here, there):
        [change] = [c for c in window.pull_all() if c.kind == wire.KIND_CATALOG_VERSION]
        assert change.key == "2026.12-demo.2"
        assert change.payload["sha256"] == hashlib.sha256(content).hexdigest()
        assert change.payload["bytes"] == len(content)
        served = client.get(wire.CATALOG_PATH.format(version=change.key), headers=window.headers)
        assert served.status_code == 200 and served.content == content
    missing = client.get(wire.CATALOG_PATH.format(version="1999.01"), headers=here.headers)
    assert missing.status_code == 404 and "1999.01" in missing.json()["message"]
    anonymous = client.get(wire.CATALOG_PATH.format(version="2026.12-demo.2"))
    assert anonymous.status_code == 401
    # Publishing the same file again adds nothing to the log.
    assert not reference.publish_catalog(db, content, now=server_app.state.clock()).new
    assert len([c for c in here.pull_all() if c.kind == wire.KIND_CATALOG_VERSION]) == 1


# -- calendar -----------------------------------------------------------------------------------------
def test_calendar_publish_amend_and_list(
    capsys: pytest.CaptureFixture[str], target: Target, tmp_path: Path
) -> None:
    run_json(capsys, target, "init", "--demo")
    first = run_json(capsys, target, "calendar", "publish", write(tmp_path, "2027.json", calendar_json()))
    assert first == {"key": "2027", "new": True, "halls": 2, "halls_added": 0}
    again = run_json(capsys, target, "calendar", "publish", write(tmp_path, "again.json", calendar_json()))
    assert again["new"] is False
    amended = calendar_json(workdays=[{"name": "春节", "date": "2027-02-14"}])
    assert (
        run_json(capsys, target, "calendar", "publish", write(tmp_path, "amended.json", amended))["new"]
        is True
    )
    [listed] = run_json(capsys, target, "calendar", "list")
    assert (listed["year"], listed["source"]) == (2027, TEST_CALENDAR_SOURCE)
    code, out, _ = run(capsys, target, "calendar", "list")
    assert code == 0 and "2027" in out and TEST_CALENDAR_SOURCE in out


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"format": "holidays-v0"}, "format"),
        ({"year": 1999}, "year"),
        ({"year": "2027"}, "year"),
        ({"source": ""}, "source"),
        ({"holidays": []}, "holidays"),
        ({"holidays": [{"name": "春节", "from": "2027-02-12", "to": "2027-02-05"}]}, "早于开始日"),
        ({"holidays": [{"name": "春节", "from": "2027-02-01", "to": "2027-02-28"}]}, "超过 15 天"),
        ({"holidays": [{"name": "国庆", "from": "2027-10-01", "to": "2027-13-01"}]}, "不是有效日期"),
        ({"holidays": [{"name": "", "from": "2027-10-01", "to": "2027-10-07"}]}, "节日名称"),
        ({"holidays": [{"name": "国庆", "from": "2029-10-01", "to": "2029-10-07"}]}, "不在 2027 年内"),
        ({"workdays": [{"name": "春节", "date": "2027-02-15"}]}, "本是工作日"),
        ({"workdays": [{"name": "春节", "date": "2027-01-02"}]}, "同时被列为放假日"),
        ({"workdays": "2027-02-14"}, "workdays"),
    ],
)
def test_bad_calendars_publish_nothing(
    capsys: pytest.CaptureFixture[str],
    target: Target,
    tmp_path: Path,
    changes: dict[str, Any],
    fragment: str,
) -> None:
    run_json(capsys, target, "init", "--demo")
    code, _, err = run(
        capsys, target, "calendar", "publish", write(tmp_path, "bad.json", calendar_json(**changes))
    )
    assert code == 1 and "节假日安排文件无效" in err and fragment in err
    code, _, err = run(capsys, target, "calendar", "publish", write(tmp_path, "junk.json", b"{not json"))
    assert code == 1 and "不是有效的 JSON" in err
    assert run_json(capsys, target, "calendar", "list") == []


def test_calendar_change_carries_the_year(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    reference.publish_calendar(server_app.state.db, calendar_json(), now=server_app.state.clock())
    [change] = [c for c in window.pull_all() if c.kind == wire.KIND_CALENDAR]
    assert change.key == "2027"
    assert change.payload["year"] == 2027 and change.payload["source"] == TEST_CALENDAR_SOURCE


# -- conflicts ----------------------------------------------------------------------------------------
SUPERVISOR = ("zhuren", "陈建国", "demo1234")


def _conflict(client: TestClient, server_app: FastAPI) -> tuple[Any, Any, int]:
    """Two hand-overs of one certificate by the window holding the case: one conflict; and another window
    of the hall (only the holding window records a case's events). The hall has its supervisor's account."""
    login, name, password = SUPERVISOR
    accounts.ensure_accounts(
        server_app.state.db, [(HALL, login, name, password, "supervisor")], now=server_app.state.clock()
    )
    origin = enroll(client, server_app, window="SZX0103")
    pickup = enroll(client, server_app, window="SZX0109")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    origin.push([decision, follow_up("certificate.issued", number, window="SZX0103", local_seq=2)])
    origin.push([follow_up("certificate.handed_over", number, window="SZX0103", local_seq=3)])
    origin.push([follow_up("certificate.handed_over", number, window="SZX0103", local_seq=4)])
    [listed] = admin.list_conflicts(server_app.state.db)
    return origin, pickup, int(listed["id"])


def test_a_window_resolves_its_halls_conflict_and_the_hall_hears_of_it(
    client: TestClient, server_app: FastAPI
) -> None:
    origin, pickup, conflict_id = _conflict(client, server_app)
    path = wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id)
    body = wire.ResolveRequest(
        "经核实证照已由 SZX0109 窗口交付，SZX0103 的记录为误操作",
        "zhuren",
        "demo1234",
        "2026-11-20T03:00:00Z",
    )
    answer = client.post(path, json=body.to_json(), headers=origin.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["resolved_by"] == "陈建国（zhuren@SZX0103）"
    [resolved] = admin.list_conflicts(server_app.state.db, include_resolved=True)
    assert resolved["resolution"].startswith("经核实") and resolved["resolved_at"] is not None
    assert admin.list_conflicts(server_app.state.db) == []
    # Both windows of the hall (the resolver included: no origin device) pull the resolution.
    for window in (origin, pickup):
        [change] = [c for c in window.pull_all() if c.kind == wire.KIND_CONFLICT_RESOLVED]
        assert change.payload["conflict_id"] == conflict_id
    again = client.post(path, json=body.to_json(), headers=pickup.headers)
    assert again.status_code == 409 and "已于" in again.json()["message"]


GOOD = {
    "resolution": "已核实",
    "supervisor_login": "zhuren",
    "supervisor_password": "demo1234",
    "device_time": "x",
}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({**GOOD, "resolution": "  "}, 400, "处理意见"),
        ({**GOOD, "resolution": "好" * 501}, 400, "处理意见"),
        ({**GOOD, "supervisor_login": ""}, 403, "账号或密码不正确"),
        ({k: v for k, v in GOOD.items() if k != "supervisor_password"}, 400, "supervisor_password"),
        ({**GOOD, "supervisor_password": "x" * 10_000}, 400, "supervisor_password 超过"),
        ({"resolution": "已核实", "resolved_by": "zhuren", "device_time": "x"}, 400, "版本过旧"),
        ("not an object", 400, "resolve"),
    ],
)
def test_bad_resolutions_change_nothing(
    client: TestClient, server_app: FastAPI, body: Any, status: int, fragment: str
) -> None:
    origin, _, conflict_id = _conflict(client, server_app)
    path = wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id)
    answer = client.post(path, json=body, headers=origin.headers)
    assert answer.status_code == status and fragment in answer.json()["message"]
    assert len(admin.list_conflicts(server_app.state.db)) == 1


def test_another_halls_window_cannot_see_or_resolve_a_conflict(
    client: TestClient, server_app: FastAPI
) -> None:
    _, _, conflict_id = _conflict(client, server_app)
    stranger = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    # Hall SZX02's own supervisor, at a window of SZX02: SZX01's conflicts are not theirs to see.
    accounts.add_account(
        server_app.state.db,
        hall_code=OTHER_HALL,
        login="zhuren",
        name="周敏",
        roles=["supervisor"],
        password="hall2-pass",
        now=server_app.state.clock(),
    )
    body = wire.ResolveRequest("已核实", "zhuren", "hall2-pass", "2026-11-20T03:00:00Z").to_json()
    for cid in (conflict_id, 999_999):
        answer = client.post(
            wire.CONFLICT_RESOLVE_PATH.format(conflict_id=cid), json=body, headers=stranger.headers
        )
        assert answer.status_code == 404 and "没有编号为" in answer.json()["message"]
    assert (
        client.post(wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id), json=body).status_code == 401
    )
    for cid in (2**63, 2**64, 0):  # no row has such an id: not found, not a database overflow
        answer = client.post(
            wire.CONFLICT_RESOLVE_PATH.format(conflict_id=cid), json=body, headers=stranger.headers
        )
        assert answer.status_code == 404 and f"没有编号为 {cid} 的冲突" in answer.json()["message"], (
            answer.text
        )
    assert len(admin.list_conflicts(server_app.state.db)) == 1


def test_resolve_conflict_from_the_command_line(capsys: pytest.CaptureFixture[str], target: Target) -> None:
    from server.api import create_app

    run_json(capsys, target, "init", "--demo")
    app = create_app(database_url=target.url)
    try:
        with TestClient(app) as client:
            _, _, conflict_id = _conflict(client, app)
    finally:
        app.state.db.close()
    code, _, err = run(
        capsys, target, "resolve-conflict", str(conflict_id), "--resolution", " ", "--by", "张三"
    )
    assert code == 1 and "处理意见" in err
    done = run_json(
        capsys,
        target,
        "resolve-conflict",
        str(conflict_id),
        "--resolution",
        "已核实，以先交付者为准",
        "--by",
        "张三",
    )
    assert done["resolved_by"] == "张三"
    assert run_json(capsys, target, "conflicts") == []
    [listed] = run_json(capsys, target, "conflicts", "--all")
    assert (listed["resolution"], listed["resolved_by"]) == ("已核实，以先交付者为准", "张三")
    code, _, err = run(
        capsys, target, "resolve-conflict", str(conflict_id), "--resolution", "再次", "--by", "李四"
    )
    assert code == 1 and "已于" in err
    code, _, err = run(capsys, target, "resolve-conflict", "424242", "--resolution", "x", "--by", "李四")
    assert code == 1 and "没有编号为 424242" in err
