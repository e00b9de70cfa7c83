"""A bundle's combined documents printed are recorded as a case's are: a print record and a
`document.printed` event for every case of the bundle, in one transaction; a second print is a reprint (补打)
that needs a reason. A bundle is followed together from the window's own store, from the server when not
held here (a real server in this process), and offline the window says so; an answer that does not add up
is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.bundles.follow import BundleNotFollowed, bundle_status
from app.bundles.intake import parse_bundle_request
from app.bundles.numbers import format_bundle_number
from app.bundles.printing import needs_bundle_reason, record_bundle_print, render_bundle_document
from app.clock import Clock, fixed_clock
from app.documents.kinds import DocumentKind
from app.documents.service import ReprintReasonRequired
from app.sync.bundle_fetch import checked_bundle
from app.sync.transport import SyncError
from app.workspace import Workspace
from db.models import CaseEvent
from tests.bundle_helpers import HYGIENE, RESTAURANT, bundle_json
from tests.conftest import DEFAULT_NOW
from tests.helpers import open_demo_workspace
from tests.sync_harness import InProcessServer, in_process_server


def split_bundle(ws: Workspace) -> tuple[str, tuple[str, ...]]:
    data = bundle_json(ws, RESTAURANT, skip=("S03", f"{HYGIENE}/M06"))
    stored = ws.bundles.accept(parse_bundle_request(data), counter=ws.counter("demo"))
    return stored.number, stored.case_numbers


def events_of(ws: Workspace, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with ws.store.read() as session:
        rows = session.execute(
            select(CaseEvent.case_number, CaseEvent.payload)
            .where(CaseEvent.kind == kind)
            .order_by(CaseEvent.id)
        ).all()
    return [(number, dict(payload)) for number, payload in rows]


def test_a_combined_document_printed_is_recorded_for_every_case_and_a_reprint_needs_a_reason(
    workspace: Workspace,
) -> None:
    number, cases = split_bundle(workspace)
    person = workspace.counter("demo")
    for kind in (DocumentKind.BUNDLE_RECEIPT, DocumentKind.BUNDLE_NOTICE):
        assert not needs_bundle_reason(workspace, number=number, kind=kind)
        document = render_bundle_document(workspace, person=person, number=number, kind=kind)
        printed = record_bundle_print(
            workspace, person=person, document=document, printer="柜台打印机", copies=2
        )
        assert printed.case_number == number and not printed.reprint
        for case in cases:
            (record,) = [p for p in workspace.documents.prints(case) if p["kind"] == str(kind)]
            assert record["number"] == document.number and record["copies"] == 2
            assert record["sha256"] == document.sha256 and record["destination"] == "柜台打印机"
        events = [(n, p) for n, p in events_of(workspace, "document.printed") if p["kind"] == str(kind)]
        assert sorted(n for n, _ in events) == sorted(cases)
        assert {p["number"] for _, p in events} == {document.number}
        assert needs_bundle_reason(workspace, number=number, kind=kind)

    with pytest.raises(ReprintReasonRequired, match="补打须填写原因"):
        render_bundle_document(workspace, person=person, number=number, kind=DocumentKind.BUNDLE_RECEIPT)
    again = render_bundle_document(
        workspace, person=person, number=number, kind=DocumentKind.BUNDLE_RECEIPT, reprint_reason="申请人遗失"
    )
    first = workspace.documents.prints(cases[0])[0]
    assert again.number == first["number"] and again.reprint_reason == "申请人遗失"
    record_bundle_print(workspace, person=person, document=again, printer="柜台打印机", copies=1)
    reprinted = events_of(workspace, "document.reprinted")
    assert sorted(n for n, _ in reprinted) == sorted(cases)
    assert {p["reason"] for _, p in reprinted} == {"申请人遗失"}


def test_a_print_of_a_bundle_not_held_here_is_refused_and_nothing_recorded(workspace: Workspace) -> None:
    other = format_bundle_number(window_code="SZX0109", day=DEFAULT_NOW.date(), serial=1)
    with pytest.raises(Exception, match=f"本窗口数据库中没有一件事 {other}"):
        render_bundle_document(
            workspace, person=workspace.counter("demo"), number=other, kind=DocumentKind.BUNDLE_RECEIPT
        )
    assert events_of(workspace, "document.printed") == []


def test_a_bundle_held_here_is_followed_from_the_store_by_its_number_or_a_case_number(
    workspace: Workspace,
) -> None:
    number, cases = split_bundle(workspace)
    for text in (number, number.lower(), cases[2]):
        status = bundle_status(workspace, text=text)
        assert status.held_here and status.number == number and status.name == "开办餐饮店"
        assert [c.number for c in status.cases] == list(cases)
        assert status.state_label == "有事项待补正"
        assert {c.decision_label for c in status.cases} == {"补正告知", "受理"}


def test_offline_a_bundle_not_held_here_is_not_shown_and_the_clerk_is_told(workspace: Workspace) -> None:
    other = format_bundle_number(window_code="SZX0109", day=DEFAULT_NOW.date(), serial=1)
    with pytest.raises(BundleNotFollowed, match="离线"):
        bundle_status(workspace, text=other)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([], "应为 JSON 对象"),
        ({"number": "X"}, "缺少字段"),
        (
            {
                "number": "YJS-SZX0103-20261120-001X",
                "hall_code": "SZX01",
                "window_code": "SZX0103",
                "cases": [],
            },
            "不是所查询",
        ),
    ],
)
def test_a_server_answer_that_does_not_add_up_is_refused(answer: Any, problem: str) -> None:
    number = format_bundle_number(window_code="SZX0103", day=DEFAULT_NOW.date(), serial=1)
    with pytest.raises(SyncError, match=problem):
        checked_bundle(answer, number=number)


def test_a_server_case_with_an_unknown_status_or_a_broken_number_is_refused() -> None:
    number = format_bundle_number(window_code="SZX0103", day=DEFAULT_NOW.date(), serial=1)
    case = {
        "number": "SZX0103-20261120-0001Y",
        "item_code": "X",
        "decision": "accepted",
        "status": "x",
        "step": 0,
    }
    base = {"number": number, "hall_code": "SZX01", "window_code": "SZX0103"}
    with pytest.raises(SyncError):
        checked_bundle({**base, "cases": [case]}, number=number)
    with pytest.raises(SyncError, match="办件编号无效"):
        checked_bundle({**base, "cases": [{**case, "number": "SZX0103-20261120-0001A"}]}, number=number)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


def registered(tmp_path: Path, server: InProcessServer, window: str, clock: Clock) -> Workspace:
    workspace = open_demo_workspace(
        tmp_path / window, clock=clock, secrets_in_file=True, transport=server.transport
    )
    workspace.settings.set("window_code", window)
    workspace.sync.register(server_url=server.url, code=server.enrollment_code(window, hall="SZX01"))
    return workspace


@pytest.mark.slow
def test_a_bundle_of_another_window_is_followed_from_the_server(
    tmp_path: Path, server: InProcessServer
) -> None:
    clock = fixed_clock(DEFAULT_NOW)
    origin = registered(tmp_path, server, "SZX0103", clock)
    other = registered(tmp_path, server, "SZX0104", clock)
    try:
        number, cases = split_bundle(origin)
        origin.sync.sync()
        status = bundle_status(other, text=number)
        assert not status.held_here and status.number == number and status.window_code == "SZX0103"
        assert sorted(c.number for c in status.cases) == sorted(cases)
        assert {c.item_name for c in status.cases} >= {"公共场所卫生许可", "食品经营许可（新办）"}
        assert status.state_label == "有事项待补正"
        missing = format_bundle_number(window_code="SZX0103", day=DEFAULT_NOW.date(), serial=9)
        with pytest.raises(BundleNotFollowed, match="服务器上没有一件事"):
            bundle_status(other, text=missing)
    finally:
        origin.close()
        other.close()
