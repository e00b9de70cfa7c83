"""Issue 9, findings 2-4, against a real server process on SQLite and PostgreSQL: only the window that
holds a case records its events, a certificate is stored only when its seal vouches for it (on the server
and at every window that receives it), and an event id reused with other content is a conflict.

One server process per database kind for the module; each test uses window codes of its own, so the
tests share the server without touching each other's cases."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.engine import Engine

from app.case_number import format_case_number, parse_case_number
from app.certificates import CertificateError
from app.clock import Clock
from app.intake import parse_request
from app.seal import OfficeKey, VerificationStatus
from app.sync import wire
from app.workspace import DATABASE_NAME, Workspace
from db.models import Case, CaseEvent, Certificate
from db.models import OfficeKey as OfficeKeyRow
from server.bench import decided_events, device_time
from server.models import case_event, case_record, change_log, conflict, signing_key
from tests.helpers import PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json
from tests.server_fixtures import (
    DAY,
    HALL,
    OTHER_HALL,
    START,
    certificate_payload,
    follow_up,
    key_entry,
    window_key,
)
from tests.sync_harness import ServerProcess, server_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from server_for(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture
def database(server: ServerProcess) -> Iterator[Engine]:
    """The server's database, read (and, as a compromised server would, written) directly."""
    assert server.database_url is not None
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


# -- windows --------------------------------------------------------------------------------------------
@dataclass
class RawWindow:
    """An enrolled device that sends whatever it likes: a buggy old window, or a stolen PC."""

    server: ServerProcess
    device_id: str
    secret: str
    hall_code: str
    window_code: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.device_id}.{self.secret}"}

    def push(self, events: list[wire.WireEvent]) -> wire.PushResponse:
        body = wire.PushRequest(wire.PROTOCOL, self.window_code, device_time(START), events).to_json()
        response = httpx.post(
            f"{self.server.url}{wire.PUSH_PATH}", json=body, headers=self.headers, timeout=60
        )
        assert response.status_code == 200, response.text
        return wire.PushResponse.from_json(response.json())

    def pull_all(self) -> list[wire.Change]:
        changes: list[wire.Change] = []
        cursor = "0"
        while True:
            response = httpx.get(
                f"{self.server.url}{wire.PULL_PATH}",
                params={"cursor": cursor},
                headers=self.headers,
                timeout=60,
            )
            assert response.status_code == 200, response.text
            page = wire.PullResponse.from_json(response.json())
            changes += page.changes
            cursor = page.cursor
            if not page.more:
                return changes


def enrol(server: ServerProcess, window: str, *, hall: str = HALL, replace: bool = False) -> RawWindow:
    code = server.enrollment_code(window, hall=hall, replace=replace)
    response = httpx.post(
        f"{server.url}{wire.ENROLL_PATH}",
        json={"code": code, "window_code": window, "device_name": "测试电脑"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    enrolled = wire.EnrollResponse.from_json(response.json())
    raw = RawWindow(server, enrolled.device_id, enrolled.secret, enrolled.hall_code, enrolled.window_code)
    confirmed = httpx.post(f"{server.url}{wire.CONFIRM_PATH}", json={}, headers=raw.headers, timeout=30)
    assert confirmed.status_code == 200, confirmed.text
    return raw


def open_window(
    home: Path, server: ServerProcess, window: str, clock: Clock, *, replace: bool = False
) -> Workspace:
    """A real window (its own PC: its own keyring) registered with the server as `window` of the hall."""
    workspace = open_demo_workspace(home, clock=clock, secrets_in_file=True)
    workspace.settings.set("window_code", window)
    workspace.sync.register(
        server_url=server.url, code=server.enrollment_code(window, hall=HALL, replace=replace)
    )
    return workspace


def copy_of(workspace: Workspace, home: Path, clock: Clock) -> Workspace:
    """Another PC with a copy of this window's database (its replacement, restored from a backup); its
    keyring is its own."""
    home.mkdir()
    source, copy = sqlite3.connect(workspace.home / DATABASE_NAME), sqlite3.connect(home / DATABASE_NAME)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return open_demo_workspace(home, clock=clock, secrets_in_file=True)


def accept(workspace: Workspace) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def decided(
    window: str, serials: list[int], *, hall: str = HALL, first_local_seq: int = 1
) -> list[wire.WireEvent]:
    return decided_events(
        window_code=window, hall_code=hall, day=DAY, serials=serials, first_local_seq=first_local_seq
    )


def issued(number: str, *, window: str, local_seq: int, payload: dict[str, Any]) -> wire.WireEvent:
    return follow_up("certificate.issued", number, window=window, local_seq=local_seq, payload=payload)


def server_log(server: ServerProcess) -> str:
    return (server.home / "server.log").read_text(encoding="utf-8", errors="replace")


def stored_ids(database: Engine, ids: list[str]) -> set[str]:
    with database.connect() as connection:
        return set(
            connection.execute(select(case_event.c.event_id).where(case_event.c.event_id.in_(ids))).scalars()
        )


def server_status(database: Engine, number: str) -> str | None:
    with database.connect() as connection:
        return connection.execute(
            select(case_record.c.status).where(case_record.c.number == number)
        ).scalar_one_or_none()


def local_status(workspace: Workspace, number: str) -> str:
    with workspace.store.read() as session:
        return session.scalars(select(Case.status).where(Case.number == number)).one()


def local_certificates(workspace: Workspace, number: str) -> list[Certificate]:
    with workspace.store.read() as session:
        return list(session.scalars(select(Certificate).where(Certificate.case_number == number)).all())


# -- finding 2 and 3: only the holding window records a case's events ----------------------------------------
def test_another_window_cannot_record_anything_for_a_case(
    server: ServerProcess, database: Engine, home: Path, clock: Clock
) -> None:
    """Window B of the same hall pushes a certificate (unsigned, or sealed with B's own key), a hand-over
    (all in the shape of windows older than steps) and a print for a case of window A: each is refused,
    nothing is stored, and A's case stays accepted on the server and at A."""
    holder = open_window(home, server, "SZX0121", clock)
    try:
        number = accept(holder)
        assert holder.sync.sync().acknowledged == 1
        intruder = enrol(server, "SZX0122")
        unsigned = certificate_payload(number, key=window_key("SZX0122"), with_key=False)
        unsigned["qr_text"] = "HTTPS://ZWFW.EXAMPLE.GOV.CN/V/AAAA"
        events = [
            issued(number, window="SZX0122", local_seq=1, payload=unsigned),
            issued(
                number,
                window="SZX0122",
                local_seq=2,
                payload=certificate_payload(number, key=window_key("SZX0122")),
            ),
            follow_up("certificate.handed_over", number, window="SZX0122", local_seq=3),
            follow_up("document.printed", number, window="SZX0122", local_seq=4),
        ]
        answer = intruder.push(events)
        assert answer.acknowledged == []
        # Older windows' shapes (no step) only from the holder; a print from another PC of the hall needs a
        # person the server knows (`li.na` is none).
        assert [r.code for r in answer.rejected] == ["not_holder"] * 3 + ["not_permitted"]
        message = answer.rejected[0].message
        assert number in message and "SZX0121" in message and "SZX0122" in message
        assert stored_ids(database, [e.event_id for e in events]) == set()
        assert server_status(database, number) == "accepted"
        holder.sync.sync()
        assert local_status(holder, number) == "accepted" and local_certificates(holder, number) == []
    finally:
        holder.close()


def test_a_case_number_belongs_to_its_windows_hall_before_that_window_is_enrolled(
    server: ServerProcess, database: Engine, home: Path, clock: Clock
) -> None:
    """Finding 3: a window of hall B hands over (and issues) for a window code nobody has enrolled yet;
    when hall A enrols that window and pushes the case, the case is accepted, not delivered."""
    planted = format_case_number(window_code="SZX0126", day=DAY, serial=1)
    other_hall = enrol(server, "SZX0261", hall=OTHER_HALL)
    events = [
        follow_up("certificate.handed_over", planted, window="SZX0261", local_seq=1),
        issued(
            planted,
            window="SZX0261",
            local_seq=2,
            payload=certificate_payload(planted, key=window_key("SZX0261")),
        ),
    ]
    answer = other_hall.push(events)
    # Any window of the case's hall may record its later life (app.sync.authority): another hall's is refused.
    assert [r.code for r in answer.rejected] == ["wrong_hall", "wrong_hall"] and answer.acknowledged == []
    assert stored_ids(database, [e.event_id for e in events]) == set()

    window = open_window(home, server, "SZX0126", clock)
    try:
        number = accept(window)
        assert number == planted
        report = window.sync.sync()
        assert report.acknowledged == 1 and report.rejected == []
        assert server_status(database, number) == "accepted"
        assert local_status(window, number) == "accepted"
        assert window.sync.conflicts() == []
    finally:
        window.close()


def test_the_window_refuses_first_to_issue_for_another_halls_case(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A copy of window SZX0103's cases on a PC of another hall cannot issue for them; a PC of the same hall
    (the back office) may, and the server checks the approver's account (server.sync.permits)."""
    number = accept(workspace)
    with workspace.store.write() as session:  # as if the case had been copied from hall SZX02's database
        session.execute(update(Case).where(Case.number == number).values(hall_code="SZX02"))
    with pytest.raises(CertificateError) as raised:
        workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    assert "SZX02" in str(raised.value) and "SZX01" in str(raised.value)
    assert local_certificates(workspace, number) == []


# -- finding 2: certificates are checked against the window's registered key ------------------------------
def test_the_server_stores_a_certificate_only_when_its_seal_vouches_for_it(
    server: ServerProcess, database: Engine
) -> None:
    window = enrol(server, "SZX0123")
    events = decided("SZX0123", [1, 2, 3, 4, 5, 6])
    assert window.push(events).rejected == []
    numbers = [e.case_number for e in events]
    key = window_key("SZX0123")
    unsigned = certificate_payload(numbers[0], key=key)
    unsigned["qr_text"] = unsigned["qr_text"][:-8] + "AAAAAAAA"
    altered = certificate_payload(numbers[1], key=key)
    altered["holder_name"] = "另一家公司"  # the signed claims say otherwise
    elsewhere = certificate_payload(numbers[2], key=key)
    moved = certificate_payload(numbers[3], key=window_key("SZX0124"))  # a key naming another window
    missing = certificate_payload(numbers[4], key=window_key("SZX0123", suffix="NEW"), with_key=False)
    forged = [
        issued(numbers[0], window="SZX0123", local_seq=11, payload=unsigned),
        issued(numbers[1], window="SZX0123", local_seq=12, payload=altered),
        issued(numbers[3], window="SZX0123", local_seq=13, payload=moved),
        issued(numbers[4], window="SZX0123", local_seq=14, payload=missing),
        # signed for one case, sent for another
        issued(numbers[5], window="SZX0123", local_seq=15, payload=elsewhere),
    ]
    answer = window.push(forged)
    assert answer.acknowledged == []
    assert [r.code for r in answer.rejected] == ["bad_signature"] * len(forged), answer.rejected
    assert stored_ids(database, [e.event_id for e in forged]) == set()
    assert {server_status(database, n) for n in numbers} == {"accepted"}

    # The genuine one is stored, and its key registered to this window of this hall.
    genuine = issued(numbers[2], window="SZX0123", local_seq=16, payload=elsewhere)
    assert window.push([genuine]).acknowledged == [genuine.event_id]
    assert server_status(database, numbers[2]) == "approved"
    with database.connect() as connection:
        row = connection.execute(select(signing_key).where(signing_key.c.key_id == key.key_id)).one()
    assert (row.hall_code, row.window_code, row.device_id) == (HALL, "SZX0123", window.device_id)
    assert row.public_key == key.public_bytes().hex()
    # The hall receives the certificate with the key as the server registered it.
    [change] = [
        c
        for c in enrol(server, "SZX0125").pull_all()
        if c.kind == "certificate.issued" and c.payload["case_number"] == numbers[2]
    ]
    assert change.payload["key"] == key_entry(key)

    # Its key id again with another public key (here from another PC of the window): refused, loudly.
    impostor = OfficeKey.generate(key_id=key.key_id, office_code=key.office_code)
    second = enrol(server, "SZX0123", replace=True)
    clash = issued(
        numbers[5], window="SZX0123", local_seq=17, payload=certificate_payload(numbers[5], key=impostor)
    )
    [rejection] = second.push([clash]).rejected
    assert rejection.code == "bad_signature" and key.key_id in rejection.message
    assert key.key_id in server_log(server) and "ERROR" in server_log(server)
    # An event without the key entry is accepted when its key is registered for this window.
    later = certificate_payload(numbers[5], key=key, with_key=False)
    assert second.push([issued(numbers[5], window="SZX0123", local_seq=18, payload=later)]).rejected == []


def test_a_forged_certificate_in_the_servers_log_is_not_stored_by_the_window(
    server: ServerProcess, database: Engine, home: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """The server check bypassed (a compromised server, or rows stored before the fix): certificate changes
    for the window's cases that its own seal does not vouch for are logged at ERROR and not stored; the
    cases stay accepted, and the window's own key is never replaced."""
    window = open_window(home, server, "SZX0127", clock)
    try:
        genuine, *targets = [accept(window) for _ in range(4)]
        window.certificates.approve(genuine, approver=window.counter("shenpi"), fields=PLANNING_FIELDS)
        window.sync.sync()
        [own] = local_certificates(window, genuine)
        with window.store.read() as session:
            own_key = session.get(OfficeKeyRow, own.key_id)
            assert own_key is not None
            own_public = own_key.public_key

        unsigned = certificate_payload(targets[0], key=window_key("SZX0127", suffix="X"), with_key=False)
        unsigned["qr_text"] = "HTTPS://ZWFW.EXAMPLE.GOV.CN/V/AAAA"
        other_window = certificate_payload(targets[1], key=window_key("SZX0128"))
        impostor = OfficeKey.generate(key_id=own.key_id, office_code=own_key.office_code)
        same_id = certificate_payload(targets[2], key=impostor)
        now = datetime.now(UTC).replace(tzinfo=None)
        with database.begin() as connection:
            for number, payload in zip(targets, (unsigned, other_window, same_id), strict=True):
                event_id = str(uuid.uuid4())
                projection = {
                    "number": number,
                    "status": "approved",
                    "decision": "accepted",
                    "window_code": "SZX0127",
                    "item_code": PLANNING,
                    "received_on": DAY.isoformat(),
                    "updated_by": event_id,
                }
                certificate = {
                    **payload,
                    "case_number": number,
                    "event_id": event_id,
                    "window_code": "SZX0127",
                }
                connection.execute(
                    insert(change_log),
                    [
                        {
                            "hall_code": HALL,
                            "kind": "case.updated",
                            "key": number,
                            "payload": projection,
                            "committed_at": now,
                            "origin_device_id": None,
                        },
                        {
                            "hall_code": HALL,
                            "kind": "certificate.issued",
                            "key": payload["certificate_id"],
                            "payload": certificate,
                            "committed_at": now,
                            "origin_device_id": None,
                        },
                    ],
                )
        with caplog.at_level(logging.ERROR, logger="clerk.sync"):
            window.sync.sync()
        for number in targets[:3]:
            assert local_status(window, number) == "accepted", number
            assert local_certificates(window, number) == []
        refused = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "clerk.sync"]
        assert {n for n in targets[:3] if any(n in r.getMessage() for r in refused)} == set(targets[:3])
        with window.store.read() as session:
            kept = session.get(OfficeKeyRow, own.key_id)
            assert kept is not None and kept.public_key == own_public
            assert session.get(OfficeKeyRow, window_key("SZX0128").key_id) is None
        assert window.certificates.verify(own.qr_text).status is VerificationStatus.VALID
    finally:
        window.close()


def test_a_genuine_certificate_reaches_the_windows_second_pc_and_verifies_there_offline(
    server: ServerProcess, database: Engine, home: Path, tmp_path: Path, clock: Clock
) -> None:
    """The certificate issued at window A comes back to A's replacement PC (a copy of its database taken
    before the approval, registered again: another device): stored, the case approved, and the QR verifies
    there with no network, by the key the certificate brought."""
    first = open_window(home, server, "SZX0129", clock)
    try:
        number = accept(first)
        first.sync.sync()
        second = copy_of(first, tmp_path / "second", clock)
        approval = first.certificates.approve(
            number, approver=first.counter("shenpi"), fields=PLANNING_FIELDS
        )
        assert first.sync.sync().acknowledged == 1
    finally:
        first.close()
    try:
        second.settings.set("window_code", "SZX0129")
        second.sync.register(
            server_url=server.url, code=server.enrollment_code("SZX0129", hall=HALL, replace=True)
        )
        second.sync.sync()
        [stored] = local_certificates(second, number)
        assert (stored.certificate_id, stored.qr_text) == (approval.certificate_id, approval.qr_text)
        assert local_status(second, number) == "approved"
        assert second.certificates.verify(approval.qr_text).status is VerificationStatus.VALID
    finally:
        second.close()


def test_two_windows_of_one_office_issue_and_verify_each_others_certificates(
    server: ServerProcess, tmp_path: Path, clock: Clock
) -> None:
    """Two windows of one office, each on its own PC with its own key: the keys have different ids, the
    server registers both, and each window verifies the other's certificate offline."""
    windows = [open_window(tmp_path / code, server, code, clock) for code in ("SZX0131", "SZX0132")]
    try:
        approvals = []
        for window in windows:
            number = accept(window)
            approvals.append(
                window.certificates.approve(number, approver=window.counter("shenpi"), fields=PLANNING_FIELDS)
            )
            assert window.sync.sync().rejected == []
        for window in windows:
            window.sync.sync()
        key_ids = {w.certificates.verify(a.qr_text).key_id for w, a in zip(windows, approvals, strict=True)}
        assert len(key_ids) == 2
        for window in windows:
            for approval in approvals:
                assert window.certificates.verify(approval.qr_text).status is VerificationStatus.VALID
    finally:
        for window in windows:
            window.close()


# -- finding 4: an event id reused with other content ------------------------------------------------------
def test_a_reused_event_id_with_other_content_is_a_conflict_not_an_acknowledgement(
    server: ServerProcess, database: Engine
) -> None:
    window = enrol(server, "SZX0133")
    original, other, third = decided("SZX0133", [1, 2, 3])
    assert window.push([original]).acknowledged == [original.event_id]
    with database.begin() as connection:  # as stored before content hashes: compared by its columns
        connection.execute(
            update(case_event).where(case_event.c.event_id == original.event_id).values(content_sha256=None)
        )

    reused = replace(other, event_id=original.event_id)
    for _ in range(2):  # a retry gets the same answer and records nothing twice
        answer = window.push([reused])
        assert answer.acknowledged == []
        [rejection] = answer.rejected
        assert rejection.code == "event_id_reused" and original.event_id in rejection.message
    assert server_status(database, other.case_number) is None  # not stored as a case
    with database.connect() as connection:
        row = connection.execute(select(case_event).where(case_event.c.event_id == original.event_id)).one()
    assert (row.case_number, row.payload) == (original.case_number, original.payload)  # the original is kept

    listed = [
        c for c in server.admin("conflicts") if c["reason"] == "event_id_reused" and c["hall_code"] == HALL
    ]
    assert [c["event_id"] for c in listed] == [original.event_id]
    assert "ERROR" in server_log(server) and original.event_id in server_log(server)

    # The same content again, also from the window's re-registered PC: acknowledged, as before.
    assert window.push([original]).acknowledged == [original.event_id]
    again = enrol(server, "SZX0133", replace=True)
    assert again.push([original]).acknowledged == [original.event_id]

    # Rejected now (another window's case) but its id is stored with other content: still a reuse.
    foreign = replace(
        third,
        event_id=original.event_id,
        case_number=format_case_number(window_code="SZX0134", day=DAY, serial=1),
    )
    [rejection] = again.push([foreign]).rejected
    assert rejection.code == "event_id_reused"

    # The same id twice in one batch with different contents: neither is stored.
    first_copy, second_copy = decided("SZX0133", [5, 6], first_local_seq=20)
    twice = replace(second_copy, event_id=first_copy.event_id)
    answer = again.push([first_copy, twice])
    assert answer.acknowledged == [] and [r.code for r in answer.rejected] == ["event_id_reused"]
    assert stored_ids(database, [first_copy.event_id]) == set()


def test_an_event_id_reused_by_another_halls_device_is_refused_without_leaking_the_original(
    server: ServerProcess, database: Engine
) -> None:
    owner = enrol(server, "SZX0135")
    [made] = decided("SZX0135", [1])
    applicant = {**made.payload["applicant"], "name": "只在本大厅出现的申请人"}
    original = replace(made, payload={**made.payload, "applicant": applicant})
    assert owner.push([original]).acknowledged == [original.event_id]
    stranger = enrol(server, "SZX0265", hall=OTHER_HALL)
    [theirs] = decided("SZX0265", [1], hall=OTHER_HALL)
    reused = replace(theirs, event_id=original.event_id)
    answer = stranger.push([reused])
    assert answer.acknowledged == [] and [r.code for r in answer.rejected] == ["event_id_reused"]
    with database.connect() as connection:
        row = connection.execute(select(conflict).where(conflict.c.event_id == original.event_id)).one()
    assert row.hall_code == OTHER_HALL and row.reason == "event_id_reused"
    secret_words = [original.case_number, original.payload["applicant"]["name"], "SZX0135"]
    shown = [str(row.detail), row.message, *(str(c.payload) for c in stranger.pull_all())]
    assert not [w for w in secret_words for text in shown if w in text]
    assert server_status(database, theirs.case_number) is None
    assert server_status(database, original.case_number) == "accepted"


def test_the_window_files_a_reused_event_id_as_a_dead_letter(
    server: ServerProcess, home: Path, clock: Clock
) -> None:
    taken = enrol(server, "SZX0136")
    [original] = decided("SZX0136", [1])
    taken.push([original])
    window = open_window(home, server, "SZX0137", clock)
    try:
        number = accept(window)
        with window.store.write() as session:  # the id another PC already used, as a bug would make it
            session.execute(
                update(CaseEvent).where(CaseEvent.case_number == number).values(event_id=original.event_id)
            )
        report = window.sync.sync()
        assert report.acknowledged == 0 and [r.code for r in report.rejected] == ["event_id_reused"]
        [dead] = window.sync.dead_letters()
        assert (dead["event_id"], dead["code"]) == (original.event_id, "event_id_reused")
        assert window.sync.pending() == 0
    finally:
        window.close()


def test_the_certificate_payload_is_one_shape(workspace: Workspace) -> None:
    """What approve() writes is what the server and the windows check: the key entry travels with it."""
    number = accept(workspace)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    with workspace.store.read() as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.case_number == number, CaseEvent.kind == "certificate.issued")
        ).one()
        key = session.get(OfficeKeyRow, event.payload["key_id"])
    assert key is not None
    assert event.payload["key"]["public_key"] == key.public_key
    assert parse_case_number(number).window_code in event.payload["key_id"]
    assert date.fromisoformat(event.payload["key"]["valid_from"]) <= workspace.clock.today()


def test_a_key_made_before_keeps_verifying_and_new_certificates_get_a_key_of_the_window(
    workspace: Workspace,
) -> None:
    """A keyring from an earlier version holds the office key `{org}-1` that every window of an office made
    under one id: what it signed keeps verifying; new certificates are sealed with a key of the window."""
    from app.seal import CertificateClaims, certificate_identifier, sign_certificate

    item = workspace.catalog.item(PLANNING)
    assert item is not None
    legacy = OfficeKey.generate(key_id=f"{item.body_code[8:17]}-1", office_code=item.body_code)
    workspace.certificates._secrets.set(f"office-key:{legacy.key_id}", legacy.private_bytes().hex())
    entry = legacy.public_entry(office_name=item.body_name, valid_from=date(2026, 1, 1), valid_until=None)
    with workspace.store.write() as session:
        session.add(
            OfficeKeyRow(
                key_id=entry.key_id,
                algorithm=entry.algorithm,
                public_key=entry.public_key.hex(),
                office_name=entry.office_name,
                office_code=entry.office_code,
                valid_from=entry.valid_from,
                valid_until=None,
            )
        )
    claims = CertificateClaims(
        certificate_id=certificate_identifier(
            type_code=f"{item.body_code}001", issuer_code=item.body_code, serial="20260000001"
        ),
        type_name="建设工程规划许可证",
        holder_name="示例市锦华建设发展有限公司",
        holder_id_masked="913101**********7T",
        issuer_name=item.body_name,
        issuer_code=item.body_code,
        issued_on=date(2026, 11, 2),
        valid_until=None,
        case_number=format_case_number(window_code="SZX0103", day=date(2026, 11, 2), serial=1),
    )
    old_qr = sign_certificate(claims, key=legacy, verify_base="https://zwfw.example.gov.cn/V/")
    number = accept(workspace)
    approval = workspace.certificates.approve(
        number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS
    )
    new_key = workspace.certificates.verify(approval.qr_text)
    assert new_key.status is VerificationStatus.VALID
    assert new_key.key_id != legacy.key_id and new_key.key_id is not None and "-SZX0103-" in new_key.key_id
    assert workspace.certificates.verify(old_qr).status is VerificationStatus.VALID
    # The next certificate of this window uses the same key: one key per window PC and office.
    second = workspace.certificates.approve(
        accept(workspace), approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS
    )
    assert workspace.certificates.verify(second.qr_text).key_id == new_key.key_id
