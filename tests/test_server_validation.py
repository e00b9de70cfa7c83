"""The server trusts nothing a window sends (issue 9: findings 1, 6, 8, 10), against a real `clerk-server
serve` process on SQLite and on PostgreSQL.

Every bad event is refused on its own, with a reason naming the field, and nothing of it is stored; the
rest of its batch goes on, and every other window of the hall keeps syncing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from app.sync import wire
from server import admin
from server.bench import device_time
from server.models import case_event, change_log
from server.store import ServerDB, open_server_db
from tests.server_fixtures import HALL, Window, decided, follow_up
from tests.sync_harness import ServerProcess, server_for

_windows = count(1)


@dataclass
class Served:
    """A `clerk-server serve` process, its database opened beside it (as hall IT's commands do)."""

    process: ServerProcess
    db: ServerDB
    http: httpx.Client

    def log_text(self, start: int = 0) -> str:
        """The server's log from byte `start` on."""
        with (self.process.home / "server.log").open("rb") as log:
            log.seek(start)
            return log.read().decode("utf-8", errors="replace")

    def log_size(self) -> int:
        return (self.process.home / "server.log").stat().st_size

    def enroll(self, *, hall: str = HALL) -> Window:
        """A new window of `hall`, enrolled and confirmed through the API."""
        window_code = f"VAL{next(_windows):03d}"
        issued = admin.issue_enrollment_code(
            self.db, hall_code=hall, window_code=window_code, replace=False, hours=1, now=datetime.now(UTC)
        )
        response = self.http.post(
            wire.ENROLL_PATH, json={"code": issued.code, "window_code": window_code, "device_name": "测试"}
        )
        assert response.status_code == 200, response.text
        enrolled = wire.EnrollResponse.from_json(response.json())
        window = Window(enrolled.device_id, enrolled.secret, hall, window_code, self.http)
        assert self.http.post(wire.CONFIRM_PATH, json={}, headers=window.headers).status_code == 200
        return window

    def stored_events(self, event_ids: list[str]) -> int:
        with self.db.read() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(case_event).where(case_event.c.event_id.in_(event_ids))
                ).scalar_one()
            )


@pytest.fixture(name="server", scope="module", params=["sqlite", "postgresql"])
def server_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A real server per database, shared by a module's tests (each enrols windows of its own)."""
    running = server_for(request.param, tmp_path_factory.mktemp(request.param))
    process = next(running)
    assert process.database_url is not None
    db = open_server_db(process.database_url)
    http = httpx.Client(base_url=process.url, timeout=60)
    try:
        yield Served(process, db, http)
    finally:
        http.close()
        db.close()
        next(running, None)


@pytest.fixture(autouse=True)
def no_traceback(server: Served) -> Iterator[None]:
    """Whatever a test sends, the server answers it: its log never shows a traceback."""
    start = server.log_size()
    yield
    assert "Traceback" not in server.log_text(start)


def raw_push(window: Window, events: list[wire.WireEvent], literals: dict[str, str] | None = None) -> Any:
    """POST a push body as bytes; each `"placeholder"` string in it is replaced by its raw JSON literal
    (numbers that no JSON library writes: 1e400, NaN, 30-digit integers)."""
    body = json.dumps(
        wire.PushRequest(wire.PROTOCOL, window.window_code, device_time(datetime.now(UTC)), events).to_json(),
        ensure_ascii=False,
    )
    for placeholder, literal in (literals or {}).items():
        assert json.dumps(placeholder) in body
        body = body.replace(json.dumps(placeholder), literal)
    return window.http.post(
        wire.PUSH_PATH,
        content=body.encode("utf-8"),
        headers={**window.headers, "Content-Type": "application/json"},
    )


def answer_of(response: httpx.Response) -> wire.PushResponse:
    assert response.status_code == 200, response.text
    return wire.PushResponse.from_json(response.json())


def with_payload(event: wire.WireEvent, **changes: Any) -> wire.WireEvent:
    return replace(event, payload={**event.payload, **changes})


def with_material(event: wire.WireEvent, **changes: Any) -> wire.WireEvent:
    materials = [dict(m) for m in event.payload["materials"]]
    materials[0].update(changes)
    return with_payload(event, materials=materials)


def rejections(answer: wire.PushResponse) -> dict[str, wire.Rejection]:
    return {r.event_id: r for r in answer.rejected}


# -- finding 1: numbers no JSON reader agrees on -------------------------------------------------------
def test_huge_and_non_finite_numbers_are_refused_and_the_hall_keeps_syncing(server: Served) -> None:
    """1e400 and a 30-digit integer in one payload once put `Infinity` into the change log and every other
    window's pull failed with 500 from then on; `1e400` alone was stored as null."""
    pusher, other = server.enroll(), server.enroll()
    other.pull_all()  # the other window has synced before
    good, both, alone, negative, extra = decided(pusher.window_code, range(1, 6))
    both = with_material(both, copies="<inf>", pages="<big>")
    alone = with_material(alone, copies="<inf>")
    negative = with_material(negative, pages="<-inf>")
    extra = with_payload(extra, amount="<inf>")
    answer = answer_of(
        raw_push(
            pusher,
            [good, both, alone, negative, extra],
            {"<inf>": "1e400", "<-inf>": "-1e400", "<big>": "123456789012345678901234567890"},
        )
    )
    assert answer.acknowledged == [good.event_id]
    refused = rejections(answer)
    assert set(refused) == {both.event_id, alone.event_id, negative.event_id, extra.event_id}
    assert {r.code for r in refused.values()} == {"invalid"}
    assert "payload.materials[0].copies" in refused[both.event_id].message
    assert "有限" in refused[both.event_id].message
    assert "payload.materials[0].copies" in refused[alone.event_id].message
    assert "payload.materials[0].pages" in refused[negative.event_id].message
    assert "payload.amount" in refused[extra.event_id].message
    # Nothing of a refused event is stored (1e400 is not kept as null).
    assert server.stored_events([both.event_id, alone.event_id, negative.event_id, extra.event_id]) == 0

    # The other window, and one enrolled only now, pull the hall's changes as before.
    keys = [c.key for c in other.pull_all() if c.kind == "case.updated"]
    assert good.case_number in keys and both.case_number not in keys
    newcomer = server.enroll()
    assert good.case_number in [c.key for c in newcomer.pull_all()]


def test_nan_and_infinity_literals_are_refused_per_event(server: Served) -> None:
    """`NaN` and `Infinity` are not JSON, but a window's JSON library may write them: the event carrying
    one goes to the dead letters, the rest of the batch is stored."""
    window = server.enroll()
    good, nan, infinite = decided(window.window_code, range(1, 4))
    answer = answer_of(
        raw_push(
            window,
            [good, with_material(nan, pages="<nan>"), with_material(infinite, copies="<inf>")],
            {"<nan>": "NaN", "<inf>": "-Infinity"},
        )
    )
    assert answer.acknowledged == [good.event_id]
    assert [r.event_id for r in answer.rejected] == [nan.event_id, infinite.event_id]
    assert all("有限" in r.message for r in answer.rejected)
    assert server.stored_events([nan.event_id, infinite.event_id]) == 0


# -- finding 8 (server): tracebacks instead of answers ---------------------------------------------------
def test_a_payload_nested_1000_deep_is_refused_alone(server: Served) -> None:
    window = server.enroll()
    good, deep, deep_extra = decided(window.window_code, range(1, 4))
    nested = "[" * 1000 + '"底"' + "]" * 1000
    answer = answer_of(
        raw_push(
            window,
            [good, with_payload(deep, materials="<deep>"), with_payload(deep_extra, note={"a": "<deep>"})],
            {"<deep>": nested},
        )
    )
    assert answer.acknowledged == [good.event_id]
    refused = rejections(answer)
    assert set(refused) == {deep.event_id, deep_extra.event_id}
    assert "payload.materials" in refused[deep.event_id].message
    assert "payload.note" in refused[deep_extra.event_id].message
    assert server.stored_events([deep.event_id, deep_extra.event_id]) == 0


def test_a_body_too_deep_to_parse_is_a_clear_400(server: Served) -> None:
    window = server.enroll()
    [event] = decided(window.window_code, [1])
    response = raw_push(
        window, [with_payload(event, materials="<deep>")], {"<deep>": "[" * 5000 + "]" * 5000}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and "嵌套" in body["message"]
    assert "recursion" not in body["message"]


@pytest.mark.parametrize("conflict_id", [str(2**63), str(2**64), "1" + "0" * 30, "9" * 5000, "-1", "0"])
def test_a_conflict_id_out_of_range_is_not_found(server: Served, conflict_id: str) -> None:
    window = server.enroll()
    response = server.http.post(
        wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id),
        json={"resolution": "已核实", "resolved_by": "zhuren", "device_time": "2026-11-20T02:00:00Z"},
        headers=window.headers,
    )
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"] in ("invalid", "not_found")


# -- finding 10: values are checked on the server -------------------------------------------------------
def test_decided_status_and_decision_must_be_values_the_window_makes(server: Served) -> None:
    window = server.enroll()
    events = decided(window.window_code, range(1, 6))
    bad = [
        with_payload(events[1], status="hacked"),
        with_payload(events[2], decision="<script>alert(1)</script>"),
        with_payload(events[3], decision="rejected", status="accepted"),  # 不予受理 never leaves a case open
        with_payload(events[4], status=None),
    ]
    answer = answer_of(raw_push(window, [events[0], *bad]))
    assert answer.acknowledged == [events[0].event_id]
    refused = rejections(answer)
    assert [refused[e.event_id].code for e in bad] == ["invalid"] * 4
    assert "payload.status" in refused[bad[0].event_id].message
    assert "payload.decision" in refused[bad[1].event_id].message
    assert "payload.status" in refused[bad[2].event_id].message
    assert "payload.status" in refused[bad[3].event_id].message
    assert server.stored_events([e.event_id for e in bad]) == 0


def test_device_time_must_be_a_plausible_utc_time(server: Served) -> None:
    window = server.enroll()
    events = decided(window.window_code, range(1, 7))
    ahead = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    bad = [
        replace(events[1], device_time="0001-01-01T00:00:00Z"),
        replace(events[2], device_time="9999-12-31T23:59:59Z"),
        replace(events[3], device_time=ahead),
        replace(events[4], device_time="2026-11-20T02:00:00"),  # no zone: not a UTC time
        replace(events[5], device_time="2026-11-20T10:00:00+08:00"),
    ]
    answer = answer_of(raw_push(window, [events[0], *bad]))
    assert answer.acknowledged == [events[0].event_id]
    refused = rejections(answer)
    assert [refused[e.event_id].code for e in bad] == ["invalid"] * 5
    for event in bad:
        assert "device_time" in refused[event.event_id].message
    for event in bad[:3]:
        assert "时钟" in refused[event.event_id].message  # check the PC's clock
    assert server.stored_events([e.event_id for e in bad]) == 0


def test_clerk_logins_must_look_like_accounts(server: Served) -> None:
    window = server.enroll()
    events = decided(window.window_code, range(1, 7))
    number = events[0].case_number
    issued = follow_up("certificate.issued", number, window=window.window_code, local_seq=10)
    bad = [
        replace(events[1], clerk_login="Robert'); DROP TABLE case_event;--"),
        replace(events[2], clerk_login="王芳"),
        replace(events[3], clerk_login="a" * 64),
        replace(events[4], clerk_login="ADMIN"),
        with_payload(events[5], clerk_login="root\n"),
        with_payload(issued, approver_login="nobody at all"),
    ]
    answer = answer_of(raw_push(window, [events[0], *bad]))
    assert answer.acknowledged == [events[0].event_id]
    refused = rejections(answer)
    assert [refused[e.event_id].code for e in bad] == ["invalid"] * 6
    for event in bad[:4]:
        assert "clerk_login" in refused[event.event_id].message
    assert "payload.clerk_login" in refused[bad[4].event_id].message
    assert "payload.approver_login" in refused[bad[5].event_id].message
    assert server.stored_events([e.event_id for e in bad]) == 0


def test_unknown_kinds_and_unknown_fields_are_refused(server: Served) -> None:
    window = server.enroll()
    [case] = decided(window.window_code, [1])
    number = case.case_number
    printed = follow_up("document.printed", number, window=window.window_code, local_seq=2)
    bad = [
        follow_up("case.deleted", number, window=window.window_code, local_seq=3, payload={}),
        replace(printed, event_id=str(uuid.uuid4()), payload={**printed.payload, "admin": True}),
        replace(printed, event_id=str(uuid.uuid4()), payload={**printed.payload, "kind": "banknote"}),
    ]
    answer = answer_of(raw_push(window, [case, printed, *bad]))
    assert answer.acknowledged == [case.event_id, printed.event_id]
    refused = rejections(answer)
    assert "case.deleted" in refused[bad[0].event_id].message
    assert "payload.admin" in refused[bad[1].event_id].message
    assert "payload.kind" in refused[bad[2].event_id].message


# -- finding 6 (server): what would stop the outbox is refused alone -------------------------------------
def test_a_three_million_character_reason_is_refused_alone(server: Served) -> None:
    window = server.enroll()
    good, long_reason, many = decided(window.window_code, range(1, 4))
    long_reason = with_payload(
        long_reason, applicant={**long_reason.payload["applicant"], "id_override_reason": "理" * 3_000_000}
    )
    # Every field within its limit, the whole event far above wire.MAX_EVENT_BYTES.
    material = {**many.payload["materials"][0], "name": "材" * 200, "defect": "缺" * 500}
    many = with_payload(many, materials=[material] * 400)
    answer = answer_of(raw_push(window, [good, long_reason, many]))
    assert answer.acknowledged == [good.event_id]
    refused = rejections(answer)
    assert refused[long_reason.event_id].code == "invalid"
    assert "payload.applicant.id_override_reason" in refused[long_reason.event_id].message
    assert refused[many.event_id].code == "too_large"
    assert str(wire.MAX_EVENT_BYTES // 1024) in refused[many.event_id].message
    assert server.stored_events([long_reason.event_id, many.event_id]) == 0


# -- pull never fails on what was stored before these checks ------------------------------------------
def test_pull_skips_a_stored_change_that_is_not_strict_json(server: Served) -> None:
    """Data stored before the checks (here written straight into the database) may hold `Infinity`,
    1e400 or an unpaired surrogate: the pull leaves such a change out, logs it, and goes on."""
    window, reader = server.enroll(), server.enroll()
    [case] = decided(window.window_code, [1])
    bad_payloads = ['{"x":1e400}', '{"x":-1e400}', '{"x":"\\ud800"}']
    if server.db.dialect == "sqlite":
        bad_payloads.append('{"x":Infinity}')  # PostgreSQL's json type refuses it; SQLite stores any text
    with server.db.write() as connection:
        for payload in bad_payloads:
            connection.execute(
                text(
                    "INSERT INTO change_log (hall_code, kind, key, payload, committed_at) "
                    "VALUES (:hall, 'case.updated', 'BROKEN', :payload, :now)"
                ),
                {"hall": HALL, "payload": payload, "now": datetime(2026, 11, 20, 2, 0)},
            )
        broken = [
            int(seq)
            for seq in connection.execute(
                select(change_log.c.seq).where(change_log.c.key == "BROKEN")
            ).scalars()
        ]
    assert not window.push([case]).rejected
    changes = reader.pull_all()
    assert "BROKEN" not in [c.key for c in changes]
    assert case.case_number in [c.key for c in changes]
    log = server.log_text()
    for seq in broken:
        assert f"change {seq} " in log


# -- text that is not valid UTF-8 is answered, never a 500 ---------------------------------------------
def test_unpaired_surrogates_are_answered_not_failed(server: Served) -> None:
    r"""JSON may carry `\ud800` escapes; an answer quoting such text back escapes it instead of failing."""
    window = server.enroll()
    [good, bad] = decided(window.window_code, [1, 2])
    body = raw_push(window, [good, replace(bad, event_id="<id>")], {"<id>": '"\\ud800"'})
    answer = answer_of(body)
    assert answer.acknowledged == [good.event_id]
    [rejection] = answer.rejected
    assert (rejection.event_id, rejection.code) == ("\ud800", "invalid")
    assert "event_id" in rejection.message
    for field, status in (("window_code", 403), ("protocol", 400)):
        response = window.http.post(
            wire.PUSH_PATH,
            content=json.dumps(
                {"protocol": wire.PROTOCOL, "window_code": window.window_code, "sent_at": "x", "events": []}
                | {field: "\ud800"}
            ).encode("ascii"),
            headers={**window.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == status, response.text
        assert "\ud800" in response.json()["message"]
